from django.contrib import admin

from crm.admin import ServiceMadeAdmin

from .models import Campaign


@admin.register(Campaign)
class CampaignAdmin(ServiceMadeAdmin):
    """Built and worked through campaigns.services (its workflow, its runs); the admin
    may correct the name and the note only."""

    workflow_state = ["branch", "owner", "purpose", "channel", "template", "segment", "kind",
                      "scheduled_at", "send_time", "ends_on", "submitted_at", "approved_by",
                      "approved_at", "rejected_reason", "cancelled_at", "last_run_on",
                      "done_at", "created_at", "created_by"]  # fmt: skip
    list_display = ["id", "name", "branch", "kind", "channel", "purpose", "status", "owner",
                    "created_at"]  # fmt: skip
    list_filter = ["branch", "status", "kind", "channel", "purpose"]
    search_fields = ["name"]
    list_select_related = ["branch", "owner"]
    date_hierarchy = "created_at"
