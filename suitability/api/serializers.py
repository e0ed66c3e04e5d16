from rest_framework import serializers

from crm.api.serializers import ModelSerializer

from ..models import AmlProfile


class FactorSerializer(serializers.Serializer):
    kind = serializers.CharField()
    value = serializers.CharField()
    label = serializers.CharField()
    points = serializers.IntegerField()


class AmlRatingSerializer(ModelSerializer):
    client_no = serializers.CharField(source="client.client_no", read_only=True)
    branch = serializers.CharField(source="branch.code", read_only=True)
    factors = FactorSerializer(many=True, read_only=True)
    override_by = serializers.CharField(source="override_by.username", read_only=True,
                                        default=None)  # fmt: skip

    class Meta:
        model = AmlProfile
        fields = ["id", "client", "client_no", "branch", "rating", "computed_rating",
                  "override_rating", "override_reason", "override_by", "override_at", "score",
                  "factors", "nationality", "residence", "id_expires_on", "last_verified_on",
                  "reverify_due_on", "rated_at", "version"]  # fmt: skip
        read_only_fields = fields
