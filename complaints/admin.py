from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.admin import ServiceMadeAdmin, ServiceMadeInline

from .models import Attachment, Complaint, ComplaintEvent


class EventInline(ServiceMadeInline):
    model = ComplaintEvent
    readonly_fields = ["at", "by", "action", "from_status", "to_status", "note"]


class AttachmentInline(ServiceMadeInline):
    """Files are added on the complaint page (checked by content there) and downloaded
    through its scoped view; the admin shows them read-only."""

    model = Attachment
    fields = ["original_name", "recording_ref", "download", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = ["original_name", "download", "uploaded_by", "uploaded_at", "size"]

    @admin.display(description=_("file"))
    def download(self, obj):
        if not obj.file:
            return "—"
        url = reverse("complaints:attachment", args=[obj.complaint_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


@admin.register(Complaint)
class ComplaintAdmin(ServiceMadeAdmin):
    """Received, worked and closed through complaints.services: each step sets its
    deadlines, its time, who took it, and writes an event. The admin shows them; a
    complaint file is archived for at least 3 years, never deleted."""

    workflow_state = ["ticket_no", "branch", "received_at", "handler", "approved_compensation",
                      "compensation_approved_by", "resolution", "feedback", "satisfaction",
                      "satisfaction_comment", "root_cause", "corrective_action",
                      "refused_reason", "reviewer", "review_note", "acknowledged_at",
                      "initial_handled_at", "resolved_at", "reviewed_at", "closed_at",
                      "paused_at", "created_at"]  # fmt: skip
    list_display = ["ticket_no", "branch", "complainant_label", "category", "severity", "status",
                    "handler", "received_at", "resolution_due_at"]  # fmt: skip
    list_filter = ["branch", "status", "category", "severity", "channel", "topic"]
    search_fields = ["ticket_no", "complainant_name", "client__name", "client__client_no"]
    list_select_related = ["branch", "client", "handler"]
    raw_id_fields = ["client", "first_responder", "handler", "reviewer",
                     "compensation_approved_by"]  # fmt: skip
    inlines = [EventInline, AttachmentInline]
    date_hierarchy = "received_at"

    @admin.display(description=_("complainant"))
    def complainant_label(self, obj):
        return obj.complainant
