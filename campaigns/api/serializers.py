from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.api import fields
from crm.api.references import PersonField
from crm.api.serializers import ModelSerializer
from crm.models import Branch
from outreach.models import Channel, MessageTemplate, Purpose

from ..models import Campaign, Kind
from ..workflow import BUILDER_ROLES


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "09:00"})
class ClockField(serializers.TimeField):
    """A time of day as HH:MM, local time (Asia/Shanghai): no offset."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)


class SegmentSerializer(serializers.Serializer):
    """Every key optional; the keys combine with AND (campaigns/segments.py)."""

    tiers = serializers.ListField(child=serializers.CharField(), required=False)
    stages = serializers.ListField(child=serializers.CharField(), required=False)
    risk_levels = serializers.ListField(child=serializers.CharField(), required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=30), required=False)
    dormant = serializers.BooleanField(required=False)
    birthday_this_month = serializers.BooleanField(required=False)
    event = serializers.IntegerField(required=False, allow_null=True)
    client_query = serializers.CharField(
        required=False, allow_blank=True,
        help_text=_("The client list's filters as a query string, e.g. tier=vip&sleeping=true"),
    )  # fmt: skip


class CampaignSerializer(ModelSerializer):
    branch = serializers.SlugRelatedField(
        slug_field="code", queryset=Branch.objects.filter(kind="branch"), required=False,
        allow_null=True, help_text=_("HQ only; empty: every branch."),
    )  # fmt: skip
    owner = PersonField(roles=BUILDER_ROLES, required=False)
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    template = serializers.SlugRelatedField(slug_field="code",
                                            queryset=MessageTemplate.objects.all())  # fmt: skip
    segment = SegmentSerializer(required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    scheduled_at = fields.DateTimeField(required=False, allow_null=True)
    send_time = ClockField(
        required=False, allow_null=True,
        help_text=_("Recurring campaigns: the time of day, default 09:00."),
    )  # fmt: skip
    approved_by = serializers.CharField(source="approved_by.username", read_only=True,
                                        default=None)  # fmt: skip

    class Meta:
        model = Campaign
        # set by the workflow actions and the runs, never by create or update
        workflow_fields = ["status", "submitted_at", "approved_by", "approved_at",
                           "rejected_reason", "cancelled_at", "last_run_on", "done_at",
                           "version"]  # fmt: skip
        fields = ["id", "name", "branch", "owner", "purpose", "channel", "template", "segment",
                  "kind", "scheduled_at", "send_time", "ends_on", "note", "created_at",
                  *workflow_fields]  # fmt: skip
        read_only_fields = ["created_at", *workflow_fields]


class CampaignWriteSerializer(CampaignSerializer):
    version = fields.IntegerField(required=False, write_only=True)

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields]
        read_only_fields = [f for f in CampaignSerializer.Meta.read_only_fields if f != "version"]


class ActionSerializer(serializers.Serializer):
    """The body of a workflow action; which fields count depends on the action."""

    note = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
    version = fields.IntegerField(
        required=False,
        help_text=_("The version you read (or send it as If-Match); a stale one answers 412."),
    )


class RecipientsSerializer(serializers.Serializer):
    """The segment counted after the rules (consent, address, monthly cap)."""

    total = serializers.IntegerField()
    eligible = serializers.IntegerField()
    no_address = serializers.IntegerField()
    no_consent = serializers.IntegerField()
    capped = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    queued = serializers.IntegerField()
    sending = serializers.IntegerField()
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    failed = serializers.IntegerField()
    withheld = serializers.IntegerField()
    opted_out = serializers.IntegerField()
    replied = serializers.IntegerField()
    traded = serializers.IntegerField()
    dormant = serializers.IntegerField()
    reactivated = serializers.IntegerField()
