from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from clients.masking import display
from clients.models import Client
from crm.api import fields
from crm.api.references import PersonField, VisibleRelatedField
from crm.api.serializers import ModelSerializer

from ..models import ServiceCategory, ServiceRequest, ServiceRequestEvent
from ..workflow import WORKER_ROLES


class ServiceCategorySerializer(ModelSerializer):
    parent = serializers.CharField(
        source="parent.code", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ServiceCategory
        fields = ["id", "code", "name", "parent", "sort_order", "is_active"]


class ServiceRequestEventSerializer(ModelSerializer):
    by = serializers.CharField(source="by.username", default=None)

    class Meta:
        model = ServiceRequestEvent
        fields = ["at", "by", "action", "from_status", "to_status", "note"]


class ServiceRequestSerializer(ModelSerializer):
    branch = serializers.CharField(source="branch.code", read_only=True)
    client = VisibleRelatedField(queryset=Client.objects.all(), required=False, allow_null=True)
    client_no = serializers.CharField(source="client.client_no", read_only=True, default=None)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceCategory.objects.filter(parent__isnull=True)
    )
    subcategory = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceCategory.objects.filter(parent__isnull=False),
        required=False, allow_null=True,
    )  # fmt: skip
    taken_by = serializers.CharField(source="taken_by.username", read_only=True)
    handler = PersonField(roles=WORKER_ROLES, required=False, allow_null=True)
    received_at = fields.DateTimeField(required=False)
    resolved_now = serializers.BooleanField(
        write_only=True, required=False, default=False,
        help_text=_("Resolved during this contact (当场解决): give the resolution."),
    )  # fmt: skip
    resolution = serializers.CharField(required=False, allow_blank=True)
    complaint = serializers.CharField(
        source="complaint.ticket_no", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ServiceRequest
        # set by the workflow actions and the SLA clock, never by create
        workflow_fields = ["status", "back_office", "first_contact_resolved", "due_at",
                           "resolved_at", "closed_at", "answer_met", "version"]  # fmt: skip
        fields = ["id", "number", "branch", "client", "client_no", "caller_name", "caller_phone",
                  "channel", "category", "subcategory", "priority", "description", "received_at",
                  "taken_by", "handler", "resolved_now", "resolution", "complaint",
                  *workflow_fields]  # fmt: skip
        read_only_fields = ["number", *workflow_fields]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = request.user if request is not None else None
        data["caller_name"] = display(user, "name", instance.caller_name)
        data["caller_phone"] = display(user, "phone", instance.caller_phone)
        return data


class ActionSerializer(serializers.Serializer):
    """The body of a workflow action; which fields count depends on the action."""

    note = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    resolution = serializers.CharField(required=False, allow_blank=True)
    opinion = serializers.CharField(
        required=False, allow_blank=True, max_length=2000,
        help_text=_("Close: the client's opinion or suggestion, for the register of opinions."),
    )  # fmt: skip
    handler = PersonField(roles=WORKER_ROLES, required=False)
    back_office = serializers.BooleanField(required=False)
    version = fields.IntegerField(
        required=False,
        help_text=_("The version you read (or send it as If-Match); a stale one answers 412."),
    )
