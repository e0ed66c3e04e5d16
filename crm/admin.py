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


class RegulatedAdmin(admin.ModelAdmin):
    """A regulated record (crm/retention.py): archived, never deleted, so no delete here."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "branch", "role", "team"]
    list_filter = ["role", "branch"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "branch"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        services.staff_assign(user=obj.user, branch=obj.branch, role=obj.role, team=obj.team)


@admin.register(Holiday)
class HolidayAdmin(SimpleHistoryAdmin):
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
class SlaPolicyAdmin(SimpleHistoryAdmin):
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
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "level", "created_at", "read_at"]
    list_filter = ["level"]
    search_fields = ["title", "recipient__username"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
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
class ExportRequestAdmin(admin.ModelAdmin):
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
class IntegrationTokenAdmin(admin.ModelAdmin):
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
class TodoAdmin(admin.ModelAdmin):
    list_display = ["title", "assignee", "branch", "due_at", "status"]
    list_filter = ["status", "branch"]
    search_fields = ["title"]
    list_select_related = ["assignee", "branch"]
    raw_id_fields = ["assignee", "created_by"]


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    extra = 0
    max_num = 1


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "last_name", "first_name", "email", "is_active", "staff_role"]
    list_select_related = ["staff"]

    @admin.display(description=_("role"))
    def staff_role(self, obj):
        return obj.staff.get_role_display() if hasattr(obj, "staff") else "-"
