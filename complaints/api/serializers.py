from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from clients.masking import mask_name, mask_phone
from clients.models import Client
from clients.services import names_masked_for
from crm.api import fields
from crm.api.serializers import ModelSerializer

from ..models import Complaint, ComplaintEvent

User = get_user_model()


class ComplaintEventSerializer(ModelSerializer):
    by = serializers.CharField(source="by.username", default=None)

    class Meta:
        model = ComplaintEvent
        fields = ["at", "by", "action", "from_status", "to_status", "note"]


class ComplaintSerializer(ModelSerializer):
    branch = serializers.CharField(source="branch.code", read_only=True)
    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.none(), required=False, allow_null=True
    )
    client_no = serializers.CharField(source="client.client_no", read_only=True, default=None)
    first_responder = serializers.CharField(source="first_responder.username", read_only=True)
    handler = serializers.SlugRelatedField(
        slug_field="username", required=False, queryset=User.objects.filter(staff__isnull=False)
    )
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "client" in self.fields:
            self.fields["client"].queryset = Client.objects.visible_to(request.user)

    def to_representation(self, complaint):
        data = super().to_representation(complaint)
        data["complainant_phone"] = mask_phone(complaint.complainant_phone)
        request = self.context.get("request")
        if request is not None and names_masked_for(request.user):
            data["complainant_name"] = mask_name(complaint.complainant_name)
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
    handler = serializers.SlugRelatedField(
        slug_field="username", required=False, queryset=User.objects.filter(staff__isnull=False)
    )
    amount = serializers.DecimalField(required=False, max_digits=14, decimal_places=2, min_value=0)
    version = fields.IntegerField(
        required=False,
        help_text=_("The version you read (or send it as If-Match); a stale one answers 412."),
    )
