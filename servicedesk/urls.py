from django.urls import path, re_path

from . import views
from .workflow import SERVICE_REQUEST_WORKFLOW

app_name = "servicedesk"
ACTIONS = SERVICE_REQUEST_WORKFLOW.url_pattern()

urlpatterns = [
    path("", views.DeskView.as_view(), name="desk"),
    path("new/", views.IntakeView.as_view(), name="intake"),
    path("categories/", views.CategoriesView.as_view(), name="categories"),
    path("<int:pk>/", views.DetailView.as_view(), name="detail"),
    re_path(rf"^(?P<pk>\d+)/(?P<action>{ACTIONS})/$", views.ActionView.as_view(), name="action"),
]
