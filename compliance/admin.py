from django.contrib import admin

from crm.admin import ServiceMadeAdmin, ServiceMadeInline

from .models import ComplianceCase, ComplianceCaseEvent


class EventInline(ServiceMadeInline):
    model = ComplianceCaseEvent
    readonly_fields = ["at", "by", "action", "from_status", "to_status", "note"]


@admin.register(ComplianceCase)
class ComplianceCaseAdmin(ServiceMadeAdmin):
    """Opened by compliance.services (a callback's red flags, or by hand) and worked
    through its workflow steps; the admin shows them and may correct the summary only."""

    workflow_state = ["branch", "client", "staff_concerned", "source_kind", "source_id",
                      "source_url", "red_flags", "opened_by", "opened_at", "assignee",
                      "investigation_started_at", "finding", "measures", "concluded_at",
                      "reported_to_hq_at", "closed_at"]  # fmt: skip
    list_display = ["id", "branch", "source_kind", "status", "finding", "assignee", "opened_at",
                    "due_at"]  # fmt: skip
    list_filter = ["branch", "status", "finding", "source_kind"]
    search_fields = ["summary", "client__name", "client__client_no"]
    list_select_related = ["branch", "assignee"]
    inlines = [EventInline]
    date_hierarchy = "opened_at"
