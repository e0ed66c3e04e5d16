from django.contrib import admin

from crm.admin import RegulatedAdmin

from .models import (
    Attempt,
    Call,
    Callback,
    CallbackPolicy,
    InspectionItem,
    InspectionRound,
    RegistrationForm,
    Script,
    WrapUpCode,
)

admin.site.register(Script, list_display=["reason", "title"])
admin.site.register(
    CallbackPolicy,
    list_display=["tier", "stage", "interval_days", "channel", "assignee", "is_active"],
)
admin.site.register(WrapUpCode, list_display=["code", "name"])


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False  # callback records are archived, never deleted
    raw_id_fields = ["by"]


@admin.register(Callback)
class CallbackAdmin(RegulatedAdmin):
    list_display = ["client", "reason", "due_at", "assignee", "status", "attempts"]
    list_filter = ["status", "reason", "branch"]
    raw_id_fields = ["client", "assignee", "claimed_by", "completed_by"]
    inlines = [AttemptInline]


admin.site.register(RegistrationForm, RegulatedAdmin, raw_id_fields=["callback", "complaint"])


@admin.register(Call)
class CallAdmin(RegulatedAdmin):
    list_display = ["call_id", "direction", "phone", "client", "agent", "started_at", "duration"]
    list_filter = ["direction", "branch"]
    raw_id_fields = ["client", "agent", "callback", "complaint"]
    search_fields = ["call_id", "phone"]


class ItemInline(admin.TabularInline):
    model = InspectionItem
    extra = 0
    raw_id_fields = ["callback", "inspected_by"]


@admin.register(InspectionRound)
class InspectionRoundAdmin(admin.ModelAdmin):
    list_display = ["branch", "period_start", "period_end", "created_at"]
    inlines = [ItemInline]
