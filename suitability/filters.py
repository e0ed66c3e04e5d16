"""The filter sets of the classification list and of the AML rating list (also the
`aml-ratings/` API's)."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.filters import YES_NO_ANY, FilterSet, OrderingFilter
from crm.models import Branch, staff_of

from .models import HIGH_RATINGS, AmlProfile, AmlRating, ProClassification, ProStatus, RequestKind
from .selectors import REVIEW_WARNING_DAYS

CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


class _BranchMixin:
    def drop_branch_unless_hq(self):
        user = getattr(self.request, "user", None)
        staff = staff_of(user) if user is not None else None
        if staff is None or not staff.sees_all_branches:
            self.filters.pop("branch")  # one branch in scope: nothing to choose


class ProFilterSet(_BranchMixin, FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ProStatus.choices, label=_("Status"),
                                                 widget=CHECKBOXES)  # fmt: skip
    kind = django_filters.ChoiceFilter(choices=RequestKind.choices, label=_("Kind of request"),
                                       empty_label=_("All"))  # fmt: skip
    review_due = django_filters.BooleanFilter(method="filter_review_due",
                                              label=_("Review due within 30 days"),
                                              widget=YES_NO_ANY)  # fmt: skip
    branch = django_filters.ModelChoiceFilter(
        field_name="branch", queryset=Branch.objects.filter(kind="branch"),
        to_field_name="code", label=_("Branch"), empty_label=_("All"),
    )  # fmt: skip
    client = django_filters.NumberFilter(field_name="client_id", label=_("Client"))
    ordering = OrderingFilter(orders={"requested_at": ("requested_at", "id"),
                                      "review_due_on": ("review_due_on", "id")})  # fmt: skip

    class Meta:
        model = ProClassification
        fields = ["status", "kind", "review_due", "branch", "client"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.drop_branch_unless_hq()

    def filter_review_due(self, queryset, name, value):
        limit = timezone.localdate() + timedelta(days=REVIEW_WARNING_DAYS)
        due = Q(status=ProStatus.APPROVED, kind=RequestKind.PROFESSIONAL, review_due_on__lte=limit)
        return queryset.filter(due) if value else queryset.exclude(due)


class AmlFilterSet(_BranchMixin, FilterSet):
    rating = django_filters.MultipleChoiceFilter(choices=AmlRating.choices,
                                                 label=_("AML risk rating"),
                                                 widget=CHECKBOXES)  # fmt: skip
    high = django_filters.BooleanFilter(method="filter_high", label=_("Higher or high risk"),
                                        widget=YES_NO_ANY)  # fmt: skip
    reverify_due = django_filters.BooleanFilter(
        method="filter_reverify_due", label=_("Re-verification due within 30 days"),
        widget=YES_NO_ANY,
    )  # fmt: skip
    id_expiring = django_filters.BooleanFilter(
        method="filter_id_expiring", label=_("ID document expires within 30 days"),
        widget=YES_NO_ANY,
    )  # fmt: skip
    overridden = django_filters.BooleanFilter(method="filter_overridden",
                                              label=_("Rating set by hand"),
                                              widget=YES_NO_ANY)  # fmt: skip
    branch = django_filters.ModelChoiceFilter(
        field_name="branch", queryset=Branch.objects.filter(kind="branch"),
        to_field_name="code", label=_("Branch"), empty_label=_("All"),
    )  # fmt: skip
    client = django_filters.NumberFilter(field_name="client_id", label=_("Client"))
    ordering = OrderingFilter(orders={"reverify_due_on": ("reverify_due_on", "id"),
                                      "score": ("score", "id")})  # fmt: skip

    class Meta:
        model = AmlProfile
        fields = ["rating", "high", "reverify_due", "id_expiring", "overridden", "branch",
                  "client"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.drop_branch_unless_hq()

    @staticmethod
    def _soon():
        return timezone.localdate() + timedelta(days=REVIEW_WARNING_DAYS)

    def filter_high(self, queryset, name, value):
        high = Q(rating__in=HIGH_RATINGS)
        return queryset.filter(high) if value else queryset.exclude(high)

    def filter_reverify_due(self, queryset, name, value):
        due = Q(reverify_due_on__lte=self._soon())
        return queryset.filter(due) if value else queryset.exclude(due)

    def filter_id_expiring(self, queryset, name, value):
        due = Q(id_expires_on__lte=self._soon())
        return queryset.filter(due) if value else queryset.exclude(due)

    def filter_overridden(self, queryset, name, value):
        return (
            queryset.exclude(override_rating="") if value else queryset.filter(override_rating="")
        )
