from django.contrib import admin

from crm.admin import ModelAdmin, ServiceMadeAdmin, ServiceMadeInline, TabularInline

from . import services
from .forms import PolicyForm
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

admin.site.register(Script, ModelAdmin, list_display=["reason", "title"])
admin.site.register(
    WrapUpCode, ModelAdmin, list_display=["code", "name", "sort_order", "is_active"],
    list_filter=["is_active"],
)  # fmt: skip


@admin.register(CallbackPolicy)
class CallbackPolicyAdmin(ModelAdmin):
    form = PolicyForm  # the policy page's checks, so the service refuses nothing here
    list_display = ["tier", "stage", "interval_days", "channel", "assignee", "is_active"]

    def save_model(self, request, obj, form, change):
        saved = services.callback_policy_save(
            user=request.user, policy=obj if change else None, tier=obj.tier, stage=obj.stage,
            interval_days=obj.interval_days, channel=obj.channel, assignee=obj.assignee,
            is_active=obj.is_active,
        )  # fmt: skip
        obj.pk = saved.pk


class AttemptInline(ServiceMadeInline):  # callback records are archived, never deleted
    model = Attempt
    raw_id_fields = ["by"]
    workflow_state = ["at", "by", "outcome", "note"]


@admin.register(Callback)
class CallbackAdmin(ServiceMadeAdmin):
    """Made by the nightly generation and the complaint signal, worked through
    callcenter.services (claim, fail, complete)."""

    workflow_state = ["branch", "reason", "period", "source_id", "claimed_by", "claimed_at",
                      "attempts", "next_attempt_at", "created_at", "completed_at",
                      "completed_by"]  # fmt: skip
    list_display = ["client", "reason", "due_at", "assignee", "status", "attempts"]
    list_filter = ["status", "reason", "branch"]
    raw_id_fields = ["client", "assignee", "claimed_by", "completed_by"]
    inlines = [AttemptInline]


admin.site.register(
    RegistrationForm,
    ServiceMadeAdmin,
    raw_id_fields=["callback", "complaint"],
    workflow_state=["callback", "negative", "complaint", "filled_at"],
)


@admin.register(Call)
class CallAdmin(ServiceMadeAdmin):
    """Posted by the telephony (callcenter.services.call_record)."""

    workflow_state = ["call_id", "posted_by", "branch", "callback", "complaint",
                      "service_request", "follow_up_callback", "repeat_contact"]  # fmt: skip
    list_display = ["call_id", "direction", "phone", "client", "agent", "started_at", "duration",
                    "wrap_up", "repeat_contact"]  # fmt: skip
    list_filter = ["direction", "branch", "wrap_up", "repeat_contact"]
    raw_id_fields = ["client", "agent", "callback", "complaint"]
    search_fields = ["call_id", "phone"]


class ItemInline(TabularInline):
    model = InspectionItem
    extra = 0
    raw_id_fields = ["callback", "inspected_by"]
    workflow_state = ["callback", "checks", "score", "inspected_by", "inspected_at"]

    def has_add_permission(self, request, obj=None):
        return False  # drawn by callcenter.services.inspection_draw


@admin.register(InspectionRound)
class InspectionRoundAdmin(ServiceMadeAdmin):
    """Drawn by callcenter.services.inspection_draw, scored through inspection_score."""

    workflow_state = ["branch", "period_start", "period_end", "created_by", "created_at"]
    list_display = ["branch", "period_start", "period_end", "created_at"]
    inlines = [ItemInline]
