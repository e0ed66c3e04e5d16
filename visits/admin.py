from django.contrib import admin

from crm.admin import RegulatedAdmin

from .models import (
    AdvisedProduct,
    Consultation,
    DailyQuota,
    Event,
    Invitation,
    QuotaLog,
    VisitPlan,
    VisitRecord,
)


@admin.register(VisitPlan)
class VisitPlanAdmin(RegulatedAdmin):
    list_display = ["client", "owner", "kind", "planned_at", "status"]
    list_filter = ["status", "kind", "branch"]
    raw_id_fields = ["client", "owner", "decided_by", "other_clients"]


admin.site.register(VisitRecord, RegulatedAdmin, raw_id_fields=["plan", "recorded_by"])
admin.site.register(DailyQuota, raw_id_fields=["user", "set_by"])
admin.site.register(
    QuotaLog,
    list_display=["user", "day", "kind", "client", "room"],
    raw_id_fields=["user", "client"],
)


class ProductInline(admin.TabularInline):
    model = AdvisedProduct
    extra = 0
    can_delete = False  # part of the consultation sheet, a suitability record


@admin.register(Consultation)
class ConsultationAdmin(RegulatedAdmin):
    list_display = ["client", "advisor", "status", "due_at", "answered_in_time"]
    list_filter = ["status", "branch"]
    raw_id_fields = ["client", "filed_by", "advisor"]
    inlines = [ProductInline]


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    raw_id_fields = ["client"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "branch", "starts_at"]
    list_filter = ["kind", "branch"]
    inlines = [InvitationInline]
