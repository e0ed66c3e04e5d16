from django.urls import path, re_path

from . import views
from .workflow import CAMPAIGN_WORKFLOW

app_name = "campaigns"
ACTIONS = CAMPAIGN_WORKFLOW.url_pattern()

urlpatterns = [
    path("", views.ListView.as_view(), name="list"),
    path("new/", views.CreateView.as_view(), name="create"),
    path("<int:pk>/", views.DetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EditView.as_view(), name="edit"),
    re_path(rf"^(?P<pk>\d+)/(?P<action>{ACTIONS})/$", views.ActionView.as_view(), name="action"),
]
