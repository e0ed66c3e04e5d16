from django.urls import path, re_path

from . import views
from .workflow import CASE_WORKFLOW

app_name = "compliance"
ACTIONS = CASE_WORKFLOW.url_pattern()

urlpatterns = [
    path("", views.ListView.as_view(), name="list"),
    path("new/", views.CreateView.as_view(), name="create"),
    path("trend/", views.TrendView.as_view(), name="trend"),
    path("<int:pk>/", views.DetailView.as_view(), name="detail"),
    re_path(rf"^(?P<pk>\d+)/(?P<action>{ACTIONS})/$", views.ActionView.as_view(), name="action"),
]
