from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("branches", views.BranchViewSet, basename="branch")
router.register("staff", views.StaffViewSet, basename="staff")
router.register("holidays", views.HolidayViewSet, basename="holiday")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("todos", views.TodoViewSet, basename="todo")
router.register("access-logs", views.AccessLogViewSet, basename="access-log")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("metrics/", views.MetricsView.as_view(), name="metrics"),
    *router.urls,
]
