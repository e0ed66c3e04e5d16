from django.urls import path, re_path

from . import views
from .workflow import PRO_WORKFLOW

app_name = "suitability"
ACTIONS = PRO_WORKFLOW.url_pattern()
AML_ACTIONS = "|".join(views.AML_ACTIONS)

urlpatterns = [
    path("professional/", views.ProListView.as_view(), name="pro-list"),
    path("professional/new/<int:pk>/", views.ProCreateView.as_view(), name="pro-create"),
    path("professional/<int:pk>/", views.ProDetailView.as_view(), name="pro-detail"),
    re_path(
        rf"^professional/(?P<pk>\d+)/(?P<action>{ACTIONS})/$",
        views.ProActionView.as_view(),
        name="pro-action",
    ),
    path("aml/", views.AmlListView.as_view(), name="aml-list"),
    path("aml/<int:pk>/", views.AmlDetailView.as_view(), name="aml-detail"),
    path("aml/client/<int:pk>/", views.AmlClientView.as_view(), name="aml-client"),
    re_path(
        rf"^aml/(?P<pk>\d+)/(?P<action>{AML_ACTIONS})/$",
        views.AmlActionView.as_view(),
        name="aml-action",
    ),
]
