"""The scorecard line filter set, shared by the ranking page and the `scorecards/` API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.filters import DATE_INPUT, FilterSet, OrderingFilter
from crm.models import Branch, staff_of

from .models import Level, PeriodKind, ScorecardLine

SORTS = ("rank", "score", "volume", "commission", "assets", "net_inflow", "turnover",
         "new_clients", "csi", "complaints_per_1000")  # fmt: skip


class ScorecardFilterSet(FilterSet):
    kind = django_filters.ChoiceFilter(choices=PeriodKind.choices, label=_("Period"),
                                       empty_label=_("All"))  # fmt: skip
    period = django_filters.DateFilter(
        field_name="start", label=_("Period starting"), widget=DATE_INPUT,
        help_text=_("The first day of the month or quarter."),
    )  # fmt: skip
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("Level"),
                                        empty_label=_("All"))  # fmt: skip
    branch = django_filters.ModelChoiceFilter(
        field_name="branch", queryset=Branch.objects.filter(kind="branch"),
        to_field_name="code", label=_("Branch"), empty_label=_("All"),
    )  # fmt: skip
    team = django_filters.CharFilter(field_name="team", label=_("Team"))
    person = django_filters.NumberFilter(field_name="person_id", label=_("Account manager"))
    ordering = OrderingFilter(orders={name: (name, "id") for name in SORTS})

    class Meta:
        model = ScorecardLine
        fields = ["kind", "period", "level", "branch", "team", "person"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        staff = staff_of(user) if user is not None else None
        if staff is None or not staff.sees_all_branches:
            self.filters.pop("branch")  # one branch in scope: nothing to choose
