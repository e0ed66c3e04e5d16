"""The compliance case filter set, shared by the case list and the `compliance-cases/` API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.filters import DATE_INPUT, YES_NO_ANY, FilterSet, OrderingFilter
from crm.models import Branch, staff_of

from .models import OPEN_STATUSES, ComplianceCase, Finding, SourceKind, Status


class CaseFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    open = django_filters.BooleanFilter(method="filter_open", label=_("Open"), widget=YES_NO_ANY)
    finding = django_filters.ChoiceFilter(choices=Finding.choices, label=_("Finding"),
                                          empty_label=_("All"))  # fmt: skip
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("Overdue"), widget=YES_NO_ANY
    )
    source = django_filters.ChoiceFilter(
        field_name="source_kind", choices=SourceKind.choices, label=_("Source"),
        empty_label=_("All"),
    )  # fmt: skip
    branch = django_filters.ModelChoiceFilter(
        field_name="branch", queryset=Branch.objects.filter(kind="branch"),
        to_field_name="code", label=_("Branch"), empty_label=_("All"),
    )  # fmt: skip
    opened_after = django_filters.DateFilter(field_name="opened_at", lookup_expr="date__gte",
                                             label=_("Opened from"), widget=DATE_INPUT)  # fmt: skip
    opened_before = django_filters.DateFilter(field_name="opened_at", lookup_expr="date__lte",
                                              label=_("Opened to"), widget=DATE_INPUT)  # fmt: skip
    client = django_filters.NumberFilter(field_name="client_id", label=_("Client"))
    ordering = OrderingFilter(orders={"opened_at": ("opened_at", "id"),
                                      "due_at": ("due_at", "id")})  # fmt: skip

    class Meta:
        model = ComplianceCase
        fields = ["status", "open", "finding", "overdue", "source", "branch", "opened_after",
                  "opened_before", "client"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        staff = staff_of(user) if user is not None else None
        if staff is None or not staff.sees_all_branches:
            self.filters.pop("branch")  # one branch in scope: nothing to choose

    def filter_open(self, queryset, name, value):
        if value:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
