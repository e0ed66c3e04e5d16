from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm.admin import ModelAdmin, ServiceMadeAdmin

from .models import Message, MessageTemplate, Reply


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ModelAdmin):
    list_display = ["code", "name", "channel", "purpose", "branch", "provider_template_code",
                    "active"]  # fmt: skip
    list_filter = ["channel", "purpose", "active", "branch"]
    search_fields = ["code", "name", "body"]
    list_select_related = ["branch"]
    exclude = ["updated_by"]


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
    fields = ["client", "branch", "channel", "purpose", "template", "source_kind", "source_id",
              "key", "recipient", "subject", "body", "status", "not_before",
              "attempts", "provider", "provider_id", "error_code", "error", "created_at",
              "created_by", "sent_at", "delivered_at", "failed_at"]  # fmt: skip
    readonly_fields = ["key", "provider_id"]

    @admin.display(description=_("idempotency key"))
    def key(self, obj):
        return obj.idempotency_key

    @admin.display(description=_("provider's message number"))
    def provider_id(self, obj):
        return obj.provider_message_id


@admin.register(Reply)
class ReplyAdmin(_ReadOnly):
    list_display = ["id", "received_at", "provider", "opted_out"]
    list_filter = ["provider", "opted_out"]
    raw_id_fields = ["client", "message"]
