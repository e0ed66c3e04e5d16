"""The call centre filter sets, shared by the web lists and the `callcenter/` API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.filters import FilterSet, OrderingFilter

from .models import Call, Callback, InspectionRound


class CallbackFilterSet(FilterSet):
    # at equal deadlines by tier (the `tier_rank` of the queue, callcenter.selectors)
    ordering = OrderingFilter(orders={"due_at": ("due_at", "tier_rank", "id")})

    class Meta:
        model = Callback
        fields = ["status", "reason", "channel", "client"]


class CallFilterSet(FilterSet):
    phone = django_filters.CharFilter(method="filter_phone", label=_("Phone"))
    wrap_up = django_filters.CharFilter(field_name="wrap_up__code", label=_("Wrap-up code"))
    repeat_contact = django_filters.BooleanFilter(label=_("Repeat contact"))
    wrapped = django_filters.BooleanFilter(method="filter_wrapped", label=_("Has its wrap-up code"))
    ordering = OrderingFilter(orders={"started_at": ("started_at", "id")})

    class Meta:
        model = Call
        fields = ["direction", "client", "agent__username", "phone", "wrap_up", "repeat_contact"]

    def filter_wrapped(self, queryset, name, value):
        if value:
            return queryset.filter(wrap_up__isnull=False)
        return queryset.filter(wrap_up__isnull=True, ended_at__isnull=False)

    def filter_phone(self, queryset, name, value):
        return queryset.filter(phone__endswith=value[-11:])


class InspectionRoundFilterSet(FilterSet):
    """The inspection rounds (web only): a branch's rounds are few, no index needed."""

    ordering = OrderingFilter(
        orders={"created_at": ("created_at", "id"), "period_start": ("period_start", "id")}
    )

    class Meta:
        model = InspectionRound
        fields = []
