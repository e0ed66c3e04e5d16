from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from clients.masking import display
from clients.models import Client
from crm.api import fields
from crm.api.references import PersonField, VisibleRelatedField
from crm.api.serializers import ModelSerializer

from ..models import Complaint, ComplaintEvent
from ..workflow import WORKER_ROLES


class ComplaintEventSerializer(ModelSerializer):
    by = serializers.CharField(source="by.username", default=None)

    class Meta:
        model = ComplaintEvent
        fields = ["at", "by", "action", "from_status", "to_status", "note"]


class ComplaintSerializer(ModelSerializer):
    branch = serializers.CharField(source="branch.code", read_only=True)
    client = VisibleRelatedField(queryset=Client.objects.all(), required=False, allow_null=True)
    client_no = serializers.CharField(source="client.client_no", read_only=True, default=None)
    first_responder = serializers.CharField(source="first_responder.username", read_only=True)
    handler = PersonField(roles=WORKER_ROLES, required=False)
    received_at = fields.DateTimeField(required=False)

    class Meta:
        model = Complaint
        # set by the workflow actions and the SLA clock, never by create or update
        workflow_fields = [
            "approved_compensation", "resolution", "feedback", "satisfaction",
            "satisfaction_comment", "root_cause", "corrective_action", "caused_by_department",
            "caused_by_person", "refused_reason", "review_note", "status",
            "first_response_due_at", "acknowledge_due_at", "initial_handling_due_at",
            "resolution_due_at", "first_responded_at", "acknowledged_at", "initial_handled_at",
            "resolved_at", "reviewed_at", "closed_at", "first_response_met", "acknowledge_met",
            "initial_handling_met", "resolution_met", "version",
        ]  # fmt: skip
        fields = [
            "id", "ticket_no", "branch", "client", "client_no", "complainant_name",
            "complainant_phone", "channel", "received_at", "first_responder", "handler",
            "category", "severity", "topic", "is_group", "description", "claimed_compensation",
            *workflow_fields,
        ]  # fmt: skip
        read_only_fields = ["ticket_no", *workflow_fields]

    def to_representation(self, complaint):
        data = super().to_representation(complaint)
        request = self.context.get("request")
        user = request.user if request is not None else None
        for field in ("complainant_name", "complainant_phone"):
            data[field] = display(user, field, getattr(complaint, field))
        return data


class ActionSerializer(serializers.Serializer):
    """The body of a workflow action; which fields count depends on the action."""

    note = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    resolution = serializers.CharField(required=False, allow_blank=True)
    feedback = serializers.CharField(required=False, allow_blank=True)
    root_cause = serializers.CharField(required=False, allow_blank=True)
    corrective_action = serializers.CharField(required=False, allow_blank=True)
    caused_by_department = serializers.CharField(required=False, allow_blank=True)
    caused_by_person = serializers.CharField(required=False, allow_blank=True)
    satisfaction = serializers.IntegerField(required=False, min_value=1, max_value=5)
    satisfaction_comment = serializers.CharField(required=False, allow_blank=True)
    handler = PersonField(roles=WORKER_ROLES, required=False)
    amount = serializers.DecimalField(required=False, max_digits=14, decimal_places=2, min_value=0)
    version = fields.IntegerField(
        required=False,
        help_text=_("The version you read (or send it as If-Match); a stale one answers 412."),
    )
