from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from clients.models import Client
from crm.api import fields
from crm.api.references import PersonField, VisibleRelatedField
from crm.api.serializers import ModelSerializer

from ..models import ComplianceCase, ComplianceCaseEvent, Finding, SourceKind


class CaseEventSerializer(ModelSerializer):
    by = serializers.CharField(source="by.username", default=None)

    class Meta:
        model = ComplianceCaseEvent
        fields = ["at", "by", "action", "from_status", "to_status", "note"]


class RedFlagSerializer(serializers.Serializer):
    question = serializers.CharField()
    answer = serializers.JSONField()


class CaseSerializer(ModelSerializer):
    reference = serializers.CharField(read_only=True)
    branch = serializers.CharField(source="branch.code", read_only=True)
    client = VisibleRelatedField(queryset=Client.objects.all(), required=False, allow_null=True)
    staff_concerned = PersonField(required=False, allow_null=True)
    source_kind = serializers.ChoiceField(choices=SourceKind.choices, required=False,
                                          default=SourceKind.MANUAL)  # fmt: skip
    source_number = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=40,
        help_text=_("On create: the callback, call or visit plan number, or the complaint "
                    "ticket number."),
    )  # fmt: skip
    red_flags = RedFlagSerializer(many=True, read_only=True)
    summary = serializers.CharField(max_length=4000)
    opened_by = serializers.CharField(source="opened_by.username", read_only=True, default=None)
    assignee = serializers.CharField(source="assignee.username", read_only=True, default=None)
    opened_at = fields.DateTimeField(read_only=True)
    due_at = fields.DateTimeField(read_only=True)

    class Meta:
        model = ComplianceCase
        # set by the source and by the workflow actions, never by create
        workflow_fields = ["source_id", "source_url", "red_flags", "opened_by", "opened_at",
                           "assignee", "status", "due_at", "investigation_started_at",
                           "finding", "measures", "concluded_at", "reported_to_hq_at",
                           "closed_at", "version"]  # fmt: skip
        fields = ["id", "reference", "branch", "client", "staff_concerned", "source_kind",
                  "source_number", "summary", *workflow_fields]  # fmt: skip
        read_only_fields = workflow_fields


class ActionSerializer(serializers.Serializer):
    """The body of a workflow action; which fields count depends on the action."""

    note = serializers.CharField(required=False, allow_blank=True)
    finding = serializers.ChoiceField(choices=Finding.choices, required=False)
    measures = serializers.CharField(required=False, allow_blank=True)
    reported_to_hq = serializers.BooleanField(required=False)
    version = fields.IntegerField(
        required=False,
        help_text=_("The version you read (or send it as If-Match); a stale one answers 412."),
    )
