import re
from collections.abc import Sequence

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin

from . import services, spreadsheets
from .exports import access_field_label, export_kind, export_kinds
from .forms import BoundedModelForm
from .models import (
    AccessLog,
    Branch,
    ExportRequest,
    Holiday,
    IntegrationToken,
    Notification,
    Role,
    SlaPolicy,
    StaffProfile,
    Todo,
)
from .references import person_label


class SafeExportMixin(ExportMixin):
    """The admin's export (django-import-export), CSV or Excel, written by the safe
    writer of crm.spreadsheets like every other export."""

    export_formats = [base_formats.CSV, base_formats.XLSX]

    def get_export_data(self, file_format, request, queryset, **kwargs):
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(request, queryset, force_native_type=True, **kwargs)
        if file_format.is_binary():
            sheet = spreadsheets.Sheet(
                str(self.model._meta.verbose_name_plural), data.headers, data
            )
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


def deactivate_staff(request, profiles) -> None:
    """The admin's "left the firm": crm.services.staff_deactivate for each, never a delete."""
    done = 0
    for profile in profiles:
        try:
            services.staff_deactivate(user=request.user, staff=profile)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, f"{profile}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        else:
            done += 1
    if done:
        messages.success(
            request,
            _("%(n)d members of staff deactivated; their branch managers were notified.")
            % {"n": done},
        )


class NoStaffDeleteMixin:
    """A member of staff is never deleted (their name stays on every record): they are
    deactivated with the "left the firm" action."""

    @staticmethod
    def _is_staff(obj) -> bool:
        if isinstance(obj, StaffProfile):
            return True
        return obj is not None and StaffProfile.objects.filter(user=obj).exists()

    def has_delete_permission(self, request, obj=None):
        if self._is_staff(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        if (
            queryset.model is StaffProfile
            or StaffProfile.objects.filter(user__in=queryset).exists()
        ):
            raise PermissionDenied(_("Members of staff are deactivated, never deleted."))
        super().delete_queryset(request, queryset)

    def delete_model(self, request, obj):
        if self._is_staff(obj):
            raise PermissionDenied(_("Members of staff are deactivated, never deleted."))
        super().delete_model(request, obj)


@admin.register(StaffProfile)
class StaffProfileAdmin(NoStaffDeleteMixin, ModelAdmin):
    list_display = ["user", "staff_no", "branch", "role", "team", "left_on"]
    list_filter = ["role", "branch", "user__is_active"]
    search_fields = ["staff_no", "user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "branch"]
    autocomplete_fields = ["user"]
    readonly_fields = ["left_on"]
    actions = ["deactivate"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        profile = services.staff_assign(
            user=obj.user, branch=obj.branch, role=obj.role, team=obj.team
        )
        StaffProfile.objects.filter(pk=profile.pk).update(staff_no=obj.staff_no, phone=obj.phone)
        obj.pk = profile.pk

    @admin.action(
        description=_("Left the firm: deactivate (never deleted)"), permissions=["change"]
    )
    def deactivate(self, request, queryset):
        deactivate_staff(request, queryset.select_related("user"))


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


class InWordsMixin:
    """A change page headed by `in_words(obj)` instead of the model's str, which names a
    code (an access log's field, an export's key): the models cannot name them in words,
    the export registry being above them."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        obj = self.get_object(request, object_id) if object_id else None
        if obj is not None:
            extra_context = {**(extra_context or {}), "subtitle": self.in_words(obj)}
        return super().changeform_view(request, object_id, form_url, extra_context)


class AccessFieldFilter(admin.SimpleListFilter):
    """The access log's `field` (a model field or an export key) by its name in words."""

    title = _("Field")
    parameter_name = "field"

    def lookups(self, request, model_admin):
        fields = (
            AccessLog.objects.order_by().values_list("content_type_id", "field").distinct()[:200]
        )
        labels = {}
        for content_type_id, field in fields:
            content_type = (
                ContentType.objects.get_for_id(content_type_id) if content_type_id else None
            )
            entry = AccessLog(content_type=content_type, field=field)
            labels.setdefault(field, access_field_label(entry))
        return sorted(labels.items(), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(field=self.value()) if self.value() else queryset


class ExportKindFilter(admin.SimpleListFilter):
    title = _("Export")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind.key, kind.label) for kind in export_kinds()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(AccessLog)
class AccessLogAdmin(InWordsMixin, ModelAdmin):
    """Read-only: the access log is evidence and is never edited or deleted."""

    list_display = ["occurred_at", "user", "action", "object_repr", "field_label", "ip_address"]
    list_filter = ["action", AccessFieldFilter]
    search_fields = ["user__username", "object_repr"]
    list_select_related = ["user", "content_type"]

    @admin.display(description=_("Field"), ordering="field")
    def field_label(self, obj):
        return access_field_label(obj)

    def in_words(self, obj):
        when = timezone.localtime(obj.occurred_at)
        return f"{when:%Y-%m-%d %H:%M} {person_label(obj.user)} {obj.get_action_display()} " + (
            access_field_label(obj)
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExportRequest)
class ExportRequestAdmin(InWordsMixin, ModelAdmin):
    """Read-only: requests are made and decided in the CRM (/exports/), each step logged."""

    list_display = ["number", "kind_label", "branch", "requested_by", "requested_at", "status",
                    "decided_by", "decided_at", "downloaded_at"]  # fmt: skip
    list_filter = ["status", ExportKindFilter, "branch"]
    list_select_related = ["branch", "requested_by", "decided_by"]
    search_fields = ["requested_by__username", "reason"]

    @admin.display(description=_("Number"), ordering="pk")
    def number(self, obj):
        return obj.pk

    @admin.display(description=_("Export"), ordering="kind")
    def kind_label(self, obj):
        kind = export_kind(obj.kind)
        return kind.label if kind else obj.kind

    def in_words(self, obj):
        return _("Unmasked export #%(id)s (%(kind)s)") % {
            "id": obj.pk,
            "kind": self.kind_label(obj),
        }

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


# --- The admin in Chinese --------------------------------------------------------------
admin.site.site_header = _("Branch CRM administration")
admin.site.site_title = _("Branch CRM administration")

ROLE_NAMES = dict(Role.choices)
PERMISSION_ACTIONS = {"add": _("Can add"), "change": _("Can change"), "delete": _("Can delete"),
                      "view": _("Can view")}  # fmt: skip


def permission_label(permission) -> str:
    """Django's stored English "Can change client" as "客户档案 | 客户 | 可修改": the app,
    the model and the action in the current language (custom permissions keep their name)."""
    action, _sep, _model = permission.codename.partition("_")
    model = permission.content_type.model_class()
    if model is None or action not in PERMISSION_ACTIONS:
        return f"{permission.content_type.app_label} | {permission.name}"
    app = model._meta.app_config.verbose_name
    return f"{app} | {model._meta.verbose_name} | {PERMISSION_ACTIONS[action]}"


class PermissionLabelsMixin:
    """Permission choices named in words (permission_label) on the group and user pages."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions") and field is not None:
            field.label_from_instance = permission_label
        if db_field.name == "groups" and field is not None:
            field.label_from_instance = group_label
        return field


def group_label(group) -> str:
    """A role's group (named by its code, crm.roles) by the role's name."""
    return str(ROLE_NAMES.get(group.name, group.name))


class RoleGroupFilter(admin.SimpleListFilter):
    """The user list's group filter with the roles' names (group_label)."""

    title = _("role")
    parameter_name = "groups__id__exact"

    def lookups(self, request, model_admin):
        return [(group.pk, group_label(group)) for group in Group.objects.order_by("name")]

    def queryset(self, request, queryset):
        return queryset.filter(groups__id=self.value()) if self.value() else queryset


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(PermissionLabelsMixin, GroupAdmin):
    list_display = ["name", "role_name"]

    @admin.display(description=_("role"))
    def role_name(self, obj):
        return group_label(obj)


if apps.is_installed("django_otp.plugins.otp_totp"):
    from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
    from django_otp.plugins.otp_totp.models import TOTPDevice

    OTP_SECTIONS = {"Identity": _("Device"), "Timestamps": _("Times"),
                    "Configuration": _("Settings"), "State": _("State"),
                    "Throttling": _("Failed attempts")}  # fmt: skip

    class TwoFactorDeviceAdmin(TOTPDeviceAdmin):
        """django-otp's admin with its sections and its QR code column in words."""

        search_help_text = _("A username or an e-mail address")

        def get_fieldsets(self, request, obj=None):
            return [
                (OTP_SECTIONS.get(name, name) if name else name, options)
                for name, options in super().get_fieldsets(request, obj)
            ]

        @admin.display(description=_("QR code"))
        def qrcode_link(self, device):
            return super().qrcode_link(device)

    admin.site.unregister(TOTPDevice)
    admin.site.register(TOTPDevice, TwoFactorDeviceAdmin)


class StaffProfileInline(StackedInline):
    model = StaffProfile
    can_delete = False
    extra = 0
    max_num = 1
    readonly_fields = ["left_on"]


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class StaffUserAdmin(NoStaffDeleteMixin, PermissionLabelsMixin, WorkflowStateMixin, UserAdmin):
    inlines = [StaffProfileInline]
    list_filter = ["is_staff", "is_superuser", "is_active", RoleGroupFilter]
    list_display = ["username", "last_name", "first_name", "email", "is_active", "staff_role"]
    list_select_related = ["staff"]
    actions = ["deactivate"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self._is_staff(obj):  # a leaver goes through the action (and is notified about)
            fields.append("is_active")
        return fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # staff are deactivated, never deleted
        return actions

    @admin.action(
        description=_("Left the firm: deactivate (never deleted)"), permissions=["change"]
    )
    def deactivate(self, request, queryset):
        profiles = StaffProfile.objects.filter(user__in=queryset).select_related("user")
        deactivate_staff(request, profiles)

    @admin.display(description=_("role"))
    def staff_role(self, obj):
        return obj.staff.get_role_display() if hasattr(obj, "staff") else "-"
