from django.urls import path, re_path

from . import record_views, views
from .workflow import COMPLAINT_WORKFLOW

app_name = "complaints"
ACTIONS = COMPLAINT_WORKFLOW.url_pattern()  # respond|acknowledge|...: the steps of the table

urlpatterns = [
    path("", views.DeskView.as_view(), name="desk"),
    path("new/", views.IntakeView.as_view(), name="intake"),
    path("analysis/", views.AnalysisView.as_view(), name="analysis"),
    path("regulator-summary.xlsx", views.RegulatorSummaryView.as_view(), name="regulator"),
    path("<int:pk>/", views.DetailView.as_view(), name="detail"),
    path("<int:pk>/print/", record_views.ComplaintPrintView.as_view(), name="print"),
    path("<int:pk>/pdf/", record_views.ComplaintPdfView.as_view(), name="pdf"),
    path("<int:pk>/attachments/", views.AttachmentView.as_view(), name="attach"),
    path("<int:pk>/send-progress/", views.SendProgressView.as_view(), name="send-progress"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment",
    ),
    re_path(rf"^(?P<pk>\d+)/(?P<action>{ACTIONS})/$", views.ActionView.as_view(), name="action"),
]
