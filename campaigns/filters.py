"""The campaign filter set, shared by the campaign list and the `campaigns/` API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.filters import YES_NO_ANY, FilterSet, OrderingFilter
from outreach.models import Channel, Purpose

from .models import Campaign, Kind, Status


class CampaignFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=_("Kind"), empty_label=_("All"))
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, label=_("Channel"), empty_label=_("All")
    )
    purpose = django_filters.ChoiceFilter(
        choices=Purpose.choices, label=_("Purpose"), empty_label=_("All")
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=pgettext_lazy("campaign", "Mine"), widget=YES_NO_ANY
    )
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))
    ordering = OrderingFilter(
        orders={"created_at": ("created_at", "id"), "scheduled_at": ("scheduled_at", "id"),
                "name": ("name", "id")},
        nulls_smallest=("scheduled_at",),
    )  # fmt: skip

    class Meta:
        model = Campaign
        fields = ["status", "kind", "channel", "purpose", "mine", "q"]

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none() if value else queryset
        return queryset.filter(owner=user) if value else queryset.exclude(owner=user)
