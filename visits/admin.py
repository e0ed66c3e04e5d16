from django.contrib import admin

from crm.admin import ModelAdmin, ServiceMadeAdmin, TabularInline

from .models import (
    AdvisedProduct,
    Consultation,
    DailyQuota,
    Event,
    EventSeries,
    Invitation,
    QuotaLog,
    ResearchRequest,
    VisitPlan,
    VisitRecord,
)


@admin.register(VisitPlan)
class VisitPlanAdmin(ServiceMadeAdmin):
    """Planned, submitted, decided and completed through visits.services."""

    workflow_state = ["branch", "submitted_at", "decided_by", "decided_at", "reject_reason",
                      "created_at"]  # fmt: skip
    list_display = ["client", "owner", "kind", "planned_at", "status"]
    list_filter = ["status", "kind", "branch"]
    raw_id_fields = ["client", "owner", "decided_by", "other_clients"]


admin.site.register(
    VisitRecord,
    ServiceMadeAdmin,
    raw_id_fields=["plan", "recorded_by"],
    workflow_state=["plan", "recorded_by", "recorded_at", "next_step_todo"],
)
admin.site.register(
    ResearchRequest,
    ServiceMadeAdmin,
    list_display=["client", "asked_by", "status", "created_at", "answered_at"],
    list_filter=["status", "branch"],
    raw_id_fields=["record", "client", "asked_by", "answered_by"],
    workflow_state=[
        "record",
        "client",
        "branch",
        "asked_by",
        "status",
        "created_at",
        "answered_by",
        "answered_at",
    ],
)
admin.site.register(
    DailyQuota,
    ModelAdmin,
    raw_id_fields=["user", "set_by"],
    workflow_state=["set_by", "updated_at"],
)
admin.site.register(
    QuotaLog,
    ServiceMadeAdmin,
    list_display=["user", "day", "kind", "client", "room"],
    raw_id_fields=["user", "client"],
    workflow_state=["user", "branch", "day", "kind", "client", "room", "created_at"],
)


class ProductInline(TabularInline):
    model = AdvisedProduct
    extra = 0
    can_delete = False  # part of the consultation sheet, a suitability record
    workflow_state = ["above_client_level", "special_warning_given_at"]

    def has_add_permission(self, request, obj=None):
        return False  # advised on the sheet (visits.services), checked against the client


@admin.register(Consultation)
class ConsultationAdmin(ServiceMadeAdmin):
    """Filed and answered through visits.services, which set its deadline."""

    workflow_state = ["branch", "filed_by", "created_at", "answered_at", "answered_in_time",
                      "delivered_at"]  # fmt: skip
    list_display = ["client", "advisor", "status", "due_at", "answered_in_time"]
    list_filter = ["status", "branch"]
    raw_id_fields = ["client", "filed_by", "advisor"]
    inlines = [ProductInline]


class InvitationInline(TabularInline):
    model = Invitation
    extra = 0
    raw_id_fields = ["client"]
    # the waiting list and the check-in are kept by visits.services (seats under a lock)
    workflow_state = ["waiting_since", "checked_in_at", "checked_in_by", "updated_at"]


@admin.register(Event)
class EventAdmin(ModelAdmin):
    workflow_state = ["created_by", "series"]
    list_display = ["title", "kind", "branch", "starts_at", "capacity"]
    list_filter = ["kind", "branch"]
    inlines = [InvitationInline]


@admin.register(EventSeries)
class EventSeriesAdmin(ServiceMadeAdmin):
    """Created with its occurrences by visits.services.event_create."""

    workflow_state = ["branch", "frequency", "until", "created_by", "created_at"]
    list_display = ["__str__", "branch", "frequency", "until"]
    list_filter = ["frequency", "branch"]
