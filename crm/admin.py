import re
from collections.abc import Sequence

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin

from . import services, spreadsheets
from .forms import BoundedModelForm
from .models import (
    AccessLog,
    Branch,
    ExportRequest,
    Holiday,
    IntegrationToken,
    Notification,
    SlaPolicy,
    StaffProfile,
    Todo,
)


class SafeExportMixin(ExportMixin):
    """The admin's export (django-import-export), CSV or Excel, written by the safe
    writer of crm.spreadsheets like every other export."""

    export_formats = [base_formats.CSV, base_formats.XLSX]

    def get_export_data(self, file_format, request, queryset, **kwargs):
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(request, queryset, force_native_type=True, **kwargs)
        if file_format.is_binary():
            sheet = spreadsheets.Sheet(self.model._meta.model_name, data.headers, data)
            return spreadsheets.xlsx_bytes([sheet])
        text = spreadsheets.csv_text(data.headers, data)
        return text.encode(kwargs["encoding"]) if kwargs.get("encoding") else text


# --- One write path: the admin never writes workflow state ---------------------------
# Columns that only services write: a status, a deadline, a "met" flag, the first
# responder, a version counter, a keyed hash or a ciphertext. Every admin of the project
# shows them read-only (tests/security/test_admin_write_path.py walks them all); an admin
# names the other columns its model's services set (approvals, the time of a step, the
# figures of a nightly job) in `workflow_state`.
STATE_FIELD = re.compile(
    r"^(status|version|first_responder|first_responded_at|key_digest)$"
    r"|(^|_)(due|due_at|due_on|deadline|met)$|_(hash|digest|encrypted)$"
)


def state_fields(model, declared: Sequence[str] = ()) -> list[str]:
    """The columns of `model` that the admin shows read-only: those of the pattern, then
    the `declared` ones."""
    names = [f.name for f in model._meta.concrete_fields if STATE_FIELD.search(f.name)]
    return names + [name for name in declared if name not in names]


class WorkflowStateMixin:
    """Adds the model's workflow state (above) to the admin's read-only fields."""

    workflow_state: Sequence[str] = ()

    def get_readonly_fields(self, request, obj=None):
        shown = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        state = state_fields(self.model, self.workflow_state)  # type: ignore[attr-defined]
        return shown + [name for name in state if name not in shown]


class ModelAdmin(WorkflowStateMixin, admin.ModelAdmin):
    """The project's ModelAdmin: every admin of the project derives from it."""


class TabularInline(WorkflowStateMixin, admin.TabularInline):
    pass


class StackedInline(WorkflowStateMixin, admin.StackedInline):
    pass


class RegulatedAdmin(ModelAdmin):
    """A regulated record (crm/retention.py): archived, never deleted, so no delete here."""

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceMadeAdmin(RegulatedAdmin):
    """Rows that only a service creates (it sets their deadlines, numbers and side effects)
    and that are archived, not deleted: the admin neither adds nor deletes them."""

    def has_add_permission(self, request):
        return False


class ServiceMadeInline(TabularInline):
    """The rows of a record's history (attempts, actions): made by its services only."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Branch)
class BranchAdmin(ModelAdmin):
    list_display = ["code", "name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(ModelAdmin):
    list_display = ["user", "branch", "role", "team"]
    list_filter = ["role", "branch"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "branch"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        services.staff_assign(user=obj.user, branch=obj.branch, role=obj.role, team=obj.team)


@admin.register(Holiday)
class HolidayAdmin(WorkflowStateMixin, SimpleHistoryAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.calendar_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.calendar_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.calendar_changed()


@admin.register(SlaPolicy)
class SlaPolicyAdmin(WorkflowStateMixin, SimpleHistoryAdmin):
    list_display = [
        "code",
        "name",
        "target_value",
        "target_unit",
        "warn_before_minutes",
        "escalation_roles",
        "is_active",
    ]
    list_filter = ["target_unit", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Notification)
class NotificationAdmin(ServiceMadeAdmin):
    """Sent by services (crm.services.notify) and purged by retention, never made here."""

    workflow_state = ["created_at", "read_at", "emailed_at"]
    list_display = ["title", "recipient", "level", "created_at", "read_at"]
    list_filter = ["level"]
    search_fields = ["title", "recipient__username"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]


@admin.register(AccessLog)
class AccessLogAdmin(ModelAdmin):
    """Read-only: the access log is evidence and is never edited or deleted."""

    list_display = ["occurred_at", "user", "action", "object_repr", "field", "ip_address"]
    list_filter = ["action", "field"]
    search_fields = ["user__username", "object_repr"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExportRequest)
class ExportRequestAdmin(ModelAdmin):
    """Read-only: requests are made and decided in the CRM (/exports/), each step logged."""

    list_display = ["pk", "kind", "branch", "requested_by", "requested_at", "status",
                    "decided_by", "decided_at", "downloaded_at"]  # fmt: skip
    list_filter = ["status", "kind", "branch"]
    list_select_related = ["branch", "requested_by", "decided_by"]
    search_fields = ["requested_by__username", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IntegrationTokenForm(BoundedModelForm):
    class Meta:
        model = IntegrationToken
        fields = ["name", "user", "expires_at"]

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if self.instance.pk is None:  # a new token; a stored one keeps its expiry
            try:
                services.token_expiry_check(expires_at)
            except ValidationError as exc:
                raise forms.ValidationError(exc.message_dict["expires_at"]) from exc
        return expires_at


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(ModelAdmin):
    form = IntegrationTokenForm
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    readonly_fields = ["prefix", "key_digest", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "user", "expires_at", *readonly_fields]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, key = services.integration_token_issue(
            name=obj.name, user=obj.user, expires_at=obj.expires_at
        )
        obj.pk = token.pk
        messages.warning(
            request,
            _("Key for %(name)s (shown once, store it now): %(key)s")
            % {"name": token.name, "key": key},
        )

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.integration_token_revoke(token=token)


@admin.register(Todo)
class TodoAdmin(ServiceMadeAdmin):
    """Made by crm.services.todo_create (its branch is the assignee's) and the SLA clock;
    completed and cancelled by their services."""

    workflow_state = ["branch", "created_by", "created_at", "policy", "done_at"]
    list_display = ["title", "assignee", "branch", "due_at", "status"]
    list_filter = ["status", "branch"]
    search_fields = ["title"]
    list_select_related = ["assignee", "branch"]
    raw_id_fields = ["assignee", "created_by"]


class StaffProfileInline(StackedInline):
    model = StaffProfile
    can_delete = False
    extra = 0
    max_num = 1


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class StaffUserAdmin(WorkflowStateMixin, UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "last_name", "first_name", "email", "is_active", "staff_role"]
    list_select_related = ["staff"]

    @admin.display(description=_("role"))
    def staff_role(self, obj):
        return obj.staff.get_role_display() if hasattr(obj, "staff") else "-"
