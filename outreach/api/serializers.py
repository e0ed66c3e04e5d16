from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from clients import masking
from clients.models import Client
from crm.api.references import VisibleRelatedField
from crm.api.serializers import ModelSerializer

from ..models import Channel, Message, MessageTemplate, Purpose


class MessageSerializer(ModelSerializer):
    branch = serializers.CharField(source="branch.code", read_only=True)
    recipient = serializers.SerializerMethodField()
    template = serializers.CharField(source="template.code", read_only=True, default=None)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = Message
        fields = ["id", "client", "branch", "channel", "purpose", "template", "source_kind",
                  "source_id", "idempotency_key", "recipient", "subject", "body", "status",
                  "not_before", "attempts", "provider", "provider_message_id", "error_code",
                  "error", "created_at", "created_by", "sent_at", "delivered_at",
                  "failed_at"]  # fmt: skip
        read_only_fields = fields

    def get_recipient(self, message) -> str:
        user = self.context["request"].user
        if message.channel == Channel.SMS:
            return masking.display(user, "phone", message.recipient)
        return message.recipient


class MessageSendSerializer(serializers.Serializer):
    """Send one message: a template (by code) or a text; the key makes it once only."""

    client = VisibleRelatedField(queryset=Client.objects.all())
    channel = serializers.ChoiceField(choices=Channel.choices)
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    template = serializers.SlugRelatedField(
        slug_field="code", queryset=MessageTemplate.objects.filter(active=True), required=False,
        allow_null=True,
    )  # fmt: skip
    subject = serializers.CharField(required=False, allow_blank=True, max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    variables = serializers.DictField(child=serializers.CharField(max_length=200), required=False)
    idempotency_key = serializers.CharField(
        required=False, max_length=100,
        help_text=_("Or the Idempotency-Key header: the same key never sends twice."),
    )  # fmt: skip

    def validate(self, attrs):
        template = attrs.get("template")
        client = attrs["client"]
        if template is None and not (attrs.get("body") or "").strip():
            raise serializers.ValidationError({"body": [_("Choose a template or write the text.")]})
        if template is not None:
            if template.channel != attrs["channel"]:
                raise serializers.ValidationError(
                    {"template": [_("This template is for another channel.")]}
                )
            if template.branch_id not in (None, client.branch_id):
                raise serializers.ValidationError({"template": [_("No such template.")]})
        return attrs


class MessageTemplateSerializer(ModelSerializer):
    # a related field: a source through "branch.code" is left out of a PATCH's answer
    # for an HQ template (no branch), which the schema says is always there
    branch = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = MessageTemplate
        fields = ["id", "code", "name", "channel", "purpose", "branch", "subject", "body",
                  "html_body", "provider_template_code", "active", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "branch", "updated_at"]
        extra_kwargs: dict = {"code": {"validators": []}}  # the service says "taken", in Chinese
