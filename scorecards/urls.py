from django.urls import path

from . import views

app_name = "scorecards"

urlpatterns = [
    path("", views.RankingView.as_view(), name="ranking"),
    path("mine/", views.MineView.as_view(), name="mine"),
    path("weights/", views.WeightsView.as_view(), name="weights"),
]
