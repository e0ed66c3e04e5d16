from rest_framework import serializers

from clients.models import Client
from crm.api import fields
from crm.api.references import PersonField, VisibleRelatedField
from crm.api.serializers import ModelSerializer

from ..models import Opinion, OpinionCategory
from ..workflow import WORKER_ROLES


class OpinionSerializer(ModelSerializer):
    branch = serializers.CharField(source="branch.code", read_only=True)
    client = VisibleRelatedField(queryset=Client.objects.all(), required=False, allow_null=True)
    category = serializers.ChoiceField(choices=OpinionCategory.choices)
    text = serializers.CharField(max_length=2000)
    received_at = fields.DateTimeField(required=False)
    routed_to = serializers.CharField(source="routed_to.username", read_only=True, default=None)
    answered_by = serializers.CharField(source="answered_by.username", read_only=True, default=None)

    class Meta:
        model = Opinion
        # set by the source that heard it and by the workflow actions, never by create
        workflow_fields = ["source_kind", "source_id", "source_url", "status", "department",
                           "routed_to", "routed_at", "answer", "answered_by", "answered_at",
                           "closed_at", "note"]  # fmt: skip
        fields = ["id", "branch", "client", "category", "text", "received_at", *workflow_fields]
        read_only_fields = workflow_fields


class ActionSerializer(serializers.Serializer):
    """The body of a workflow action; which fields count depends on the action."""

    department = serializers.CharField(required=False, allow_blank=True, max_length=60)
    routed_to = PersonField(roles=WORKER_ROLES, required=False, allow_null=True)
    answer = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    note = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
