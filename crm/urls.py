from django.urls import path, re_path

from . import views

app_name = "crm"

urlpatterns = [
    path("", views.WorkbenchView.as_view(), name="workbench"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/me/", views.PersonalDashboardView.as_view(), name="my-dashboard"),
    path("dashboard/report/", views.MonthlyReportView.as_view(), name="report"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/badge/", views.UnreadBadgeView.as_view(), name="notification-badge"),
    path(
        "notifications/read-all/",
        views.NotificationReadView.as_view(),
        name="notification-read-all",
    ),
    path(
        "notifications/<int:pk>/read/",
        views.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path("todos/", views.TodoListView.as_view(), name="todo-list"),
    path("todos/new/", views.TodoCreateView.as_view(), name="todo-create"),
    path("todos/<int:pk>/", views.TodoDetailView.as_view(), name="todo-detail"),
    path("todos/<int:pk>/edit/", views.TodoEditView.as_view(), name="todo-edit"),
    re_path(
        r"^todos/(?P<pk>\d+)/(?P<action>complete|cancel)/$",
        views.TodoActionView.as_view(),
        name="todo-action",
    ),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("calendar/edit/", views.CalendarEditView.as_view(), name="calendar-edit"),
    path("access-log/", views.AccessLogView.as_view(), name="access-log"),
    path("exports/", views.ExportRequestListView.as_view(), name="exports"),
    path("exports/new/", views.ExportRequestCreateView.as_view(), name="export-request"),
    re_path(
        r"^exports/(?P<pk>\d+)/(?P<decision>approve|reject)/$",
        views.ExportRequestDecideView.as_view(),
        name="export-decide",
    ),
    path(
        "exports/<int:pk>/download/",
        views.ExportRequestDownloadView.as_view(),
        name="export-download",
    ),
]
