from django.urls import path, re_path

from . import views
from .workflow import OPINION_WORKFLOW

app_name = "opinions"
ACTIONS = OPINION_WORKFLOW.url_pattern()

urlpatterns = [
    path("", views.RegisterView.as_view(), name="register"),
    path("new/", views.CreateView.as_view(), name="create"),
    path("analysis/", views.AnalysisView.as_view(), name="analysis"),
    path("<int:pk>/", views.DetailView.as_view(), name="detail"),
    re_path(rf"^(?P<pk>\d+)/(?P<action>{ACTIONS})/$", views.ActionView.as_view(), name="action"),
]
