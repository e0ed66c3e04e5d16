from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.api import fields
from crm.api.references import PersonField, VisibleRelatedField
from crm.api.serializers import ModelSerializer
from crm.models import Role

from .. import services
from ..masking import display
from ..models import (
    AccountStatus,
    Client,
    ClientType,
    IdType,
    InvestorClass,
    LossReason,
    RiskAssessment,
    RiskLevel,
)
from ..services import OWNER_ROLES


class ClientSerializer(ModelSerializer):
    """Reads mask the ID number, phones and (for some roles) the name; `?reveal=id_number`
    shows them in full to roles that may, and writes each reveal to the access log."""

    branch = serializers.CharField(source="branch.code", read_only=True)
    owner = PersonField(roles=OWNER_ROLES, required=False)
    advisor = PersonField(roles=[Role.ADVISOR], required=False, allow_null=True)
    id_number = serializers.CharField(
        required=False, allow_blank=True, max_length=40,
        help_text=_("Masked (110105********002X) unless revealed."),
    )  # fmt: skip
    reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=100,
        help_text=_("Why the profile changes; required for identity data."),
    )  # fmt: skip
    version = fields.IntegerField(
        required=False,
        help_text=_("The version you read (or send it as If-Match); a stale one answers 412."),
    )
    opened_on = fields.DateField(required=False, allow_null=True)

    class Meta:
        model = Client
        fields = [
            "id", "client_no", "name", "client_type", "id_type", "id_number", "gender",
            "birth_date", "phone", "phone_alt", "email", "address", "occupation", "credit_code",
            "credit_code_override_reason", "legal_representative", "contact_person", "branch",
            "owner", "advisor", "opened_on", "account_status", "stage", "tier",
            "investor_class", "risk_level", "lowest_category", "risk_assessed_on",
            "risk_expires_on", "investment_direction", "expected_return", "risk_control",
            "risk_preference", "horizon", "products_of_interest", "tags", "source",
            "consent_sms", "consent_email", "grade", "seeks", "next_contact_on",
            "completeness", "profile_due_on", "review_due_on", "identity_change_due_at",
            "exit_signal", "tier_since", "avg_assets", "last_trade_on", "sleeping",
            "rfm_recency", "rfm_frequency", "rfm_monetary", "churn_score", "churn_reasons",
            "created_at", "updated_at", "version", "reason",
        ]  # fmt: skip
        read_only_fields = [
            "tier_since", "avg_assets", "last_trade_on", "sleeping", "rfm_recency",
            "rfm_frequency", "rfm_monetary", "churn_score", "churn_reasons",
            "account_status", "stage", "tier", "investor_class", "risk_level",
            "lowest_category", "risk_assessed_on", "risk_expires_on", "completeness",
            "profile_due_on",
            "review_due_on", "identity_change_due_at", "created_at", "updated_at",
        ]  # fmt: skip

    def to_representation(self, client):
        data = super().to_representation(client)
        request = self.context.get("request")
        user = request.user if request else None
        reveal = set(self.context.get("reveal", ()))
        allowed = reveal and services.can_reveal(user, client)
        for field in services.SENSITIVE_FIELDS:
            if allowed and field in reveal:
                data[field] = services.client_reveal(
                    user=user, client=client, field=field, request=request
                )
            else:
                data[field] = display(user, field, getattr(client, field))
        return data


class ClientLookupSerializer(ModelSerializer):
    branch = serializers.CharField(source="branch.code", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True)

    class Meta:
        model = Client
        fields = ["id", "client_no", "name", "phone", "branch", "owner", "stage", "tier"]
        read_only_fields = fields

    def to_representation(self, client):
        data = super().to_representation(client)
        user = self.context["request"].user
        data["phone"] = display(user, "phone", client.phone)
        data["name"] = display(user, "name", client.name)
        return data


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    url = serializers.CharField()


class RiskAssessmentSerializer(ModelSerializer):
    client = VisibleRelatedField(queryset=Client.objects.all())
    client_no = serializers.CharField(source="client.client_no", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = RiskAssessment
        fields = ["id", "client", "client_no", "assessed_on", "score", "risk_level",
                  "lowest_category", "valid_until", "questionnaire", "recorded_by",
                  "created_at"]  # fmt: skip
        read_only_fields = ["valid_until", "created_at"]


class SnapshotHoldingSerializer(serializers.Serializer):
    security_code = serializers.CharField(max_length=20)
    security_name = serializers.CharField(max_length=50, required=False)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=2)
    cost = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)
    price = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)


class SnapshotRowSerializer(serializers.Serializer):
    """One row of `account-snapshots/bulk/` (documentation of the payload)."""

    client_no = serializers.CharField(max_length=20)
    date = fields.DateField()
    total_assets = serializers.DecimalField(max_digits=18, decimal_places=2)
    cash = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    market_value = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    net_inflow = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    trading_volume = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    trade_count = fields.IntegerField(min_value=0, required=False)
    commission = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    holdings = SnapshotHoldingSerializer(
        many=True, required=False, help_text=_("Replaces the holdings of that day.")
    )


class BulkRowErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    client_no = serializers.CharField(read_only=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class BulkResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.IntegerField(help_text=_("Rows accepted: created, updated or equal."))
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField(help_text=_("Rows equal to what was stored."))
    removed = serializers.IntegerField(help_text=_("Holdings of those days no longer sent."))
    errors = BulkRowErrorSerializer(many=True)


class ClientBulkRowSerializer(serializers.Serializer):
    """One row of `clients/bulk/` (documentation of the payload; clients.services.bulk)."""

    client_no = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100)
    branch = serializers.CharField(max_length=20, help_text=_("Branch code."))
    owner = serializers.CharField(
        max_length=150, help_text=_("The account manager's staff number or username.")
    )
    client_type = serializers.ChoiceField(choices=ClientType.values, required=False)
    id_type = serializers.ChoiceField(choices=IdType.values, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    phone_alt = serializers.CharField(max_length=20, required=False, allow_blank=True)
    opened_on = fields.DateField(required=False, allow_null=True)
    account_status = serializers.ChoiceField(choices=AccountStatus.values, required=False)
    investor_class = serializers.ChoiceField(choices=InvestorClass.values, required=False)
    risk_level = serializers.ChoiceField(choices=RiskLevel.values, required=False, allow_blank=True)
    risk_assessed_on = fields.DateField(required=False, allow_null=True)


class HoldingBulkRowSerializer(SnapshotHoldingSerializer):
    """One row of `holdings/bulk/`: the rows of one client and date are that day's
    holdings (positions not sent are removed)."""

    client_no = serializers.CharField(max_length=20)
    date = fields.DateField()


class RetentionActionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["call", "visit", "offer", "event"])
    note = serializers.CharField()
    at = serializers.DateTimeField(read_only=True)
    by = serializers.CharField(source="by.username", read_only=True)


class RetentionCaseSerializer(ModelSerializer):
    client_no = serializers.CharField(source="client.client_no", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True)
    churn_score_now = serializers.IntegerField(source="client.churn_score", read_only=True)
    actions = RetentionActionSerializer(many=True, read_only=True)
    loss_reason = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        from ..models import RetentionCase

        model = RetentionCase
        fields = [
            "id",
            "client",
            "client_no",
            "owner",
            "status",
            "opened_at",
            "score_at_open",
            "churn_score_now",
            "reasons",
            "outcome",
            "loss_reason",
            "closed_at",
            "note",
            "actions",
        ]
        read_only_fields = fields


class RetentionCloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["retained", "lost"])
    loss_reason = serializers.SlugRelatedField(
        slug_field="code", queryset=LossReason.objects.filter(is_active=True), required=False,
        allow_null=True, help_text=_("Required when lost: the code of a loss reason "
                                     "(competitor_offer, fees, service, moved_away, "
                                     "market_losses, personal, unknown)."),
    )  # fmt: skip
    note = serializers.CharField(required=False, allow_blank=True)
