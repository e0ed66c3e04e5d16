from django.urls import path, re_path

from .views import (
    access_log,
    calendar,
    dashboards,
    export_requests,
    notifications,
    tables,
    todos,
    workbench,
)

app_name = "crm"

urlpatterns = [
    path("", workbench.WorkbenchView.as_view(), name="workbench"),
    path("dashboard/", dashboards.DashboardView.as_view(), name="dashboard"),
    path("dashboard/me/", dashboards.PersonalDashboardView.as_view(), name="my-dashboard"),
    path("dashboard/report/", dashboards.MonthlyReportView.as_view(), name="report"),
    path("notifications/", notifications.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/badge/", notifications.UnreadBadgeView.as_view(), name="notification-badge"
    ),
    path(
        "notifications/read-all/",
        notifications.NotificationReadView.as_view(),
        name="notification-read-all",
    ),
    path(
        "notifications/<int:pk>/read/",
        notifications.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path("tables/<slug:key>/columns/", tables.TableColumnsView.as_view(), name="table-columns"),
    path("todos/", todos.TodoListView.as_view(), name="todo-list"),
    path("todos/new/", todos.TodoCreateView.as_view(), name="todo-create"),
    path("todos/<int:pk>/", todos.TodoDetailView.as_view(), name="todo-detail"),
    path("todos/<int:pk>/edit/", todos.TodoEditView.as_view(), name="todo-edit"),
    re_path(
        r"^todos/(?P<pk>\d+)/(?P<action>complete|cancel)/$",
        todos.TodoActionView.as_view(),
        name="todo-action",
    ),
    path("calendar/", calendar.CalendarView.as_view(), name="calendar"),
    path("calendar/edit/", calendar.CalendarEditView.as_view(), name="calendar-edit"),
    path("access-log/", access_log.AccessLogView.as_view(), name="access-log"),
    path("exports/", export_requests.ExportRequestListView.as_view(), name="exports"),
    path("exports/new/", export_requests.ExportRequestCreateView.as_view(), name="export-request"),
    re_path(
        r"^exports/(?P<pk>\d+)/(?P<decision>approve|reject)/$",
        export_requests.ExportRequestDecideView.as_view(),
        name="export-decide",
    ),
    path(
        "exports/<int:pk>/download/",
        export_requests.ExportRequestDownloadView.as_view(),
        name="export-download",
    ),
]
