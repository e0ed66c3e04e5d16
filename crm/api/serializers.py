from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import AccessLog, Branch, Holiday, Notification, StaffProfile, Todo, person_name
from . import fields
from .references import PersonField


class ModelSerializer(serializers.ModelSerializer):
    """The project's ModelSerializer: model dates and times get the bounded fields."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: fields.DateTimeField,
        models.DateField: fields.DateField,
    }


class BranchSerializer(ModelSerializer):
    class Meta:
        model = Branch
        fields = ["id", "code", "name", "kind", "is_active"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField()
    branch = serializers.CharField()
    sees_all_branches = serializers.BooleanField()
    read_only = serializers.BooleanField()


class StaffSerializer(ModelSerializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="display_name")
    branch = serializers.CharField(source="branch.code")
    active = serializers.BooleanField(source="user.is_active", read_only=True)

    class Meta:
        model = StaffProfile
        fields = ["username", "name", "role", "branch", "team", "staff_no", "active", "left_on"]


class HolidaySerializer(ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["date", "kind", "name"]


class NotificationSerializer(ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "level", "created_at", "read_at"]
        read_only_fields = fields


class TodoSerializer(ModelSerializer):
    assignee = PersonField(
        required=False,
        help_text=_("Username of the assignee; yourself when left out."),
    )
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    branch = serializers.CharField(source="branch.code", read_only=True)
    due_at = fields.DateTimeField(
        required=False, help_text=_("Left out: the due time follows the to-do SLA policy.")
    )
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Todo
        fields = [
            "id", "title", "description", "assignee", "created_by", "branch", "created_at",
            "due_at", "status", "done_at", "is_overdue",
        ]  # fmt: skip
        read_only_fields = ["created_at", "status", "done_at"]


class AccessLogSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    user_name = serializers.SerializerMethodField()
    branch = serializers.CharField(source="branch.code", default=None)
    object_type = serializers.SerializerMethodField(
        help_text=_("app_label.model of the record; null for a list export")
    )

    class Meta:
        model = AccessLog
        fields = ["id", "occurred_at", "user", "user_name", "branch", "action", "object_type",
                  "object_id", "object_repr", "field", "ip_address", "path"]  # fmt: skip
        read_only_fields = fields

    def get_user_name(self, entry) -> str:
        return person_name(entry.user)

    def get_object_type(self, entry) -> str | None:
        ct = entry.content_type
        return f"{ct.app_label}.{ct.model}" if ct else None


# --- The organisation import (crm.services.staff) ------------------------------------------
class StaffRowSerializer(serializers.Serializer):
    """One row of `POST /api/v1/staff/bulk/` (described for the schema; the service reads
    the rows and answers per row)."""

    staff_no = serializers.CharField(max_length=32, help_text=_("工号: the key of the row."))
    username = serializers.CharField(
        max_length=150, required=False, help_text=_("A new person's login; else the staff no.")
    )
    name = serializers.CharField(
        max_length=50, help_text=_("Full name; the first character is the family name.")
    )
    family_name = serializers.CharField(max_length=50, required=False)
    given_name = serializers.CharField(max_length=50, required=False)
    role = serializers.CharField(
        max_length=40, help_text=_("A role key (account_manager) or its name (客户经理).")
    )
    branch_code = serializers.CharField(max_length=16)
    team = serializers.CharField(max_length=50, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    active = serializers.BooleanField(
        required=False, help_text=_("false (or 否, 离职) deactivates; left out keeps it.")
    )


class BranchRowSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=16)
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Branch.Kind.choices, required=False)
    active = serializers.BooleanField(required=False)


class OrgBulkRowErrorSerializer(serializers.Serializer):
    index = fields.IntegerField(min_value=0)
    staff_no = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class OrgBulkResultSerializer(serializers.Serializer):
    received = fields.IntegerField(min_value=0)
    stored = fields.IntegerField(min_value=0)
    created = fields.IntegerField(min_value=0)
    updated = fields.IntegerField(min_value=0)
    unchanged = fields.IntegerField(min_value=0)
    errors = OrgBulkRowErrorSerializer(many=True)


class StaffDeactivateSerializer(serializers.Serializer):
    on = fields.DateField(required=False, help_text=_("The day they left; today when left out."))
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
