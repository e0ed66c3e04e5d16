from django.urls import path, re_path

from . import calendar_views, views
from .workflow import VISIT_PLAN_WORKFLOW

app_name = "visits"

urlpatterns = [
    path("", views.VisitListView.as_view(), name="list"),
    path("calendar/", calendar_views.VisitCalendarView.as_view(), name="calendar"),
    path("calendar/feed/", calendar_views.VisitCalendarFeedView.as_view(), name="calendar-feed"),
    path("approvals/", views.ApprovalQueueView.as_view(), name="approvals"),
    path("new/", views.VisitPlanCreateView.as_view(), name="create"),
    path("<int:pk>/", views.VisitPlanDetailView.as_view(), name="detail"),
    re_path(
        rf"^(?P<pk>\d+)/(?P<action>{VISIT_PLAN_WORKFLOW.url_pattern()})/$",
        views.VisitPlanActionView.as_view(),
        name="action",
    ),
    path("quota/", views.QuotaBoardView.as_view(), name="quota"),
    path("consultations/", views.ConsultationListView.as_view(), name="consultations"),
    path("consultations/new/", views.ConsultationCreateView.as_view(), name="consultation-create"),
    path("consultations/<int:pk>/", views.ConsultationDetailView.as_view(), name="consultation"),
    path("recordings/", views.RecordingsView.as_view(), name="recordings"),
    path("advice-to-recheck/", views.AffectedAdviceView.as_view(), name="affected-advice"),
    path("research/", views.ResearchQueueView.as_view(), name="research"),
    path("research/<int:pk>/", views.ResearchDetailView.as_view(), name="research-detail"),
    path("events/", views.EventListView.as_view(), name="events"),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="event"),
    path("invitations/<int:pk>/pass/", views.InvitationPassView.as_view(), name="invitation-pass"),
    path("check-in/<str:token>/", views.CheckInView.as_view(), name="check-in"),
]
