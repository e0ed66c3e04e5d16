from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Attachment, Complaint, ComplaintEvent


class EventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "by", "action", "from_status", "to_status", "note"]

    def has_add_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    """Files are added on the complaint page (checked by content there) and downloaded
    through its scoped view; the admin shows them read-only."""

    model = Attachment
    extra = 0
    can_delete = False  # part of the complaint file
    fields = ["original_name", "recording_ref", "download", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = ["original_name", "download", "uploaded_by", "uploaded_at", "size"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def download(self, obj):
        if not obj.file:
            return "—"
        url = reverse("complaints:attachment", args=[obj.complaint_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["ticket_no", "branch", "complainant", "category", "severity", "status",
                    "handler", "received_at", "resolution_due_at"]  # fmt: skip
    list_filter = ["branch", "status", "category", "severity", "channel", "topic"]
    search_fields = ["ticket_no", "complainant_name", "client__name", "client__client_no"]
    list_select_related = ["branch", "client", "handler"]
    raw_id_fields = ["client", "first_responder", "handler", "reviewer",
                     "compensation_approved_by"]  # fmt: skip
    inlines = [EventInline, AttachmentInline]
    date_hierarchy = "received_at"

    def has_delete_permission(self, request, obj=None):
        return False  # complaint files are archived for at least 3 years, never deleted
