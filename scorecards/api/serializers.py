from rest_framework import serializers

from crm.api.serializers import ModelSerializer
from crm.models import person_name

from ..models import ScorecardLine


class ScorecardLineSerializer(ModelSerializer):
    period = serializers.CharField(source="period_label", read_only=True)
    branch = serializers.CharField(source="branch.code", read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True, allow_null=True)
    person_name = serializers.SerializerMethodField()

    class Meta:
        model = ScorecardLine
        fields = ["id", "kind", "start", "period", "level", "branch", "team", "person",
                  "person_name", "clients", "volume", "commission", "assets", "net_inflow",
                  "new_clients", "converted", "turnover", "csi", "callback_completion",
                  "quota_met", "visits_in_time", "complaints_per_1000", "retention_won",
                  "points", "score", "rank", "ranked"]  # fmt: skip
        read_only_fields = fields

    def get_person_name(self, obj) -> str | None:
        return person_name(obj.person) if obj.person_id else None
