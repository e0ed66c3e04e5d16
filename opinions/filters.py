"""The opinion filter set, shared by the register and the `opinions/` API."""

import re
from datetime import date

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from crm.filters import YES_NO_ANY, FilterSet, OrderingFilter

from .models import PENDING_STATUSES, Opinion, OpinionCategory, SourceKind, Status

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthField(forms.CharField):
    """A month as YYYY-MM (the analysis page links to the register with one)."""

    default_error_messages = {"invalid": _("Enter a month as YYYY-MM.")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = MONTH.match(value.strip())
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return date(int(match.group(1)), int(match.group(2)), 1)


@extend_schema_field(OpenApiTypes.STR)  # YYYY-MM in the OpenAPI schema
class MonthFilter(django_filters.Filter):
    field_class = MonthField


class OpinionFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    pending = django_filters.BooleanFilter(
        method="filter_pending", label=_("Pending"), widget=YES_NO_ANY
    )
    category = django_filters.ChoiceFilter(
        choices=OpinionCategory.choices, label=_("Category"), empty_label=_("All")
    )
    source = django_filters.ChoiceFilter(
        field_name="source_kind", choices=SourceKind.choices, label=_("Heard in"),
        empty_label=_("All"),
    )  # fmt: skip
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_("Routed to me"), widget=YES_NO_ANY
    )
    month = MonthFilter(method="filter_month", label=_("Month (YYYY-MM)"))
    client = django_filters.NumberFilter(field_name="client_id", label=_("Client"))
    ordering = OrderingFilter(orders={"received_at": ("received_at", "id")})

    class Meta:
        model = Opinion
        fields = ["status", "pending", "category", "source", "mine", "month", "client"]

    def filter_pending(self, queryset, name, value):
        if value:
            return queryset.filter(status__in=PENDING_STATUSES)
        return queryset.exclude(status__in=PENDING_STATUSES)

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none() if value else queryset
        return queryset.filter(routed_to=user) if value else queryset.exclude(routed_to=user)

    def filter_month(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(received_at__year=value.year, received_at__month=value.month)
