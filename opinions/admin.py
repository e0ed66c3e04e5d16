from django.contrib import admin

from crm.admin import ServiceMadeAdmin

from .models import Opinion


@admin.register(Opinion)
class OpinionAdmin(ServiceMadeAdmin):
    """Recorded by opinions.services (from its source, or by hand) and worked through its
    workflow steps; the admin may correct the category only."""

    workflow_state = ["branch", "client", "source_kind", "source_id", "source_url", "text",
                      "received_at", "recorded_by", "department", "routed_to", "routed_at",
                      "answer", "answered_by", "answered_at", "closed_at", "note"]  # fmt: skip
    list_display = ["id", "branch", "category", "source_kind", "status", "routed_to",
                    "received_at"]  # fmt: skip
    list_filter = ["branch", "status", "category", "source_kind"]
    search_fields = ["text", "client__name", "client__client_no"]
    list_select_related = ["branch", "routed_to"]
    date_hierarchy = "received_at"
