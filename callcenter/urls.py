from django.urls import path

from . import views

app_name = "callcenter"

urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path("callbacks/<int:pk>/", views.CallbackView.as_view(), name="callback"),
    path("calls/", views.CallLogView.as_view(), name="calls"),
    path("calls/new/", views.CallNewView.as_view(), name="call_new"),
    path("calls/<int:pk>/wrap-up/", views.CallWrapUpView.as_view(), name="call_wrap_up"),
    path("pop/", views.ScreenPopView.as_view(), name="pop"),
    path("policies/", views.PolicyView.as_view(), name="policies"),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("inspections/", views.InspectionListView.as_view(), name="inspections"),
    path("inspections/<int:pk>/", views.InspectionView.as_view(), name="inspection"),
]
