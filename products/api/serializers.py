from rest_framework import serializers

from clients.api.serializers import BulkResultSerializer
from crm.api import fields
from crm.api.serializers import ModelSerializer

from ..models import Product, ProductDocument, ProductStatus, ProductType, RiskLevel


class DocumentSerializer(ModelSerializer):
    class Meta:
        model = ProductDocument
        fields = ["id", "title", "url", "added_at"]


class ProductSerializer(ModelSerializer):
    """A catalogue product; writes go through products.services (HQ only)."""

    product_type = serializers.ChoiceField(choices=ProductType.choices)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    status = serializers.ChoiceField(choices=ProductStatus.choices, required=False)
    starts_on = fields.DateField(required=False, allow_null=True)
    ends_on = fields.DateField(required=False, allow_null=True)
    documents = DocumentSerializer(many=True, read_only=True)
    updated_by = serializers.CharField(source="updated_by.username", read_only=True,
                                       default=None)  # fmt: skip

    class Meta:
        model = Product
        fields = ["id", "code", "name", "name_initials", "product_type", "issuer", "risk_level",
                  "status", "starts_on", "ends_on", "description", "documents", "created_at",
                  "updated_at", "updated_by"]  # fmt: skip
        read_only_fields = ["name_initials", "created_at", "updated_at"]
        extra_kwargs = {"code": {"validators": []}}  # the service says a code is taken


class ProductBulkRowSerializer(serializers.Serializer):
    """One row of `products/bulk/` (documentation of the payload; products.services)."""

    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100)
    product_type = serializers.ChoiceField(choices=ProductType.choices)
    issuer = serializers.CharField(max_length=100, required=False, allow_blank=True)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    status = serializers.ChoiceField(choices=ProductStatus.choices, required=False)
    starts_on = fields.DateField(required=False, allow_null=True)
    ends_on = fields.DateField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)


class ProductBulkRowErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    code = serializers.CharField(read_only=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ProductBulkResultSerializer(BulkResultSerializer):
    """`products/bulk/`'s answer: a bad row names its product code."""

    errors = ProductBulkRowErrorSerializer(many=True)
