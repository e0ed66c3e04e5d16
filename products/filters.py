"""The catalogue's filter set, shared by the list page and the `products/` API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.filters import FilterSet, OrderingFilter

from .models import Product, ProductStatus, ProductType, RiskLevel
from .selectors import search_products


class ProductFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Code, name or pinyin initials"))
    product_type = django_filters.ChoiceFilter(
        choices=ProductType.choices, label=_("Product type"), empty_label=_("All")
    )
    risk_level = django_filters.ChoiceFilter(
        choices=RiskLevel.choices, label=_("Risk level"), empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        choices=ProductStatus.choices, label=_("Status"), empty_label=_("All")
    )
    issuer = django_filters.CharFilter(field_name="issuer", lookup_expr="startswith",
                                       label=_("Issuer"))  # fmt: skip
    ordering = OrderingFilter(orders={
        "code": ("code",), "name": ("name", "id"), "risk_level": ("risk_level", "code"),
        "updated_at": ("updated_at", "id"), "starts_on": ("starts_on", "id"),
    })  # fmt: skip

    class Meta:
        model = Product
        fields = ["q", "product_type", "risk_level", "status", "issuer"]

    def filter_q(self, queryset, name, value):
        return search_products(queryset, value)
