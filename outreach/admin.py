from django.contrib import admin

from crm.admin import ModelAdmin, ServiceMadeAdmin

from .models import Message, MessageTemplate, Reply


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ModelAdmin):
    list_display = ["code", "name", "channel", "purpose", "branch", "provider_template_code",
                    "active"]  # fmt: skip
    list_filter = ["channel", "purpose", "active", "branch"]
    search_fields = ["code", "name", "body"]
    list_select_related = ["branch"]


class _ReadOnly(ServiceMadeAdmin):
    """A communication record: written by outreach.services only, never changed here."""

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(_ReadOnly):
    list_display = ["id", "created_at", "branch", "channel", "purpose", "source_kind", "status",
                    "attempts"]  # fmt: skip
    list_filter = ["channel", "purpose", "status", "source_kind", "branch"]
    search_fields = ["idempotency_key", "provider_message_id", "client__client_no"]
    list_select_related = ["branch"]
    date_hierarchy = "created_at"
    raw_id_fields = ["client", "template", "created_by"]


@admin.register(Reply)
class ReplyAdmin(_ReadOnly):
    list_display = ["id", "received_at", "provider", "opted_out"]
    list_filter = ["provider", "opted_out"]
    raw_id_fields = ["client", "message"]
