"""The filter sets of the self-check list, the misconduct register and the education
lists (web pages; one place for each list's filters)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.filters import DATE_INPUT, YES_NO_ANY, FilterSet, OrderingFilter
from crm.models import Branch, staff_of

from .models import (
    EducationKind,
    EducationRecord,
    EducationSuggestion,
    MisconductEntry,
    MisconductSource,
    SelfCheck,
    SelfCheckStatus,
    SuggestionReason,
)


class _BranchFilterMixin:
    def drop_branch_unless_hq(self):
        user = getattr(self.request, "user", None)
        staff = staff_of(user) if user is not None else None
        if staff is None or not staff.sees_all_branches:
            self.filters.pop("branch")


def branch_filter(field="branch"):
    return django_filters.ModelChoiceFilter(
        field_name=field, queryset=Branch.objects.filter(kind="branch"), to_field_name="code",
        label=_("Branch"), empty_label=_("All"),
    )  # fmt: skip


class SelfCheckFilterSet(_BranchFilterMixin, FilterSet):
    status = django_filters.ChoiceFilter(choices=SelfCheckStatus.choices, label=_("Status"),
                                         empty_label=_("All"))  # fmt: skip
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"),
                                           widget=YES_NO_ANY)  # fmt: skip
    year = django_filters.NumberFilter(field_name="form__year", label=_("Year"))
    branch = branch_filter()
    ordering = OrderingFilter(orders={"due_at": ("due_at", "id"),
                                      "signed_at": ("signed_at", "id")})  # fmt: skip

    class Meta:
        model = SelfCheck
        fields = ["status", "overdue", "year", "branch"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.drop_branch_unless_hq()

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status=SelfCheckStatus.PENDING, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class MisconductFilterSet(_BranchFilterMixin, FilterSet):
    source = django_filters.ChoiceFilter(field_name="source_kind",
                                         choices=MisconductSource.choices, label=_("Source"),
                                         empty_label=_("All"))  # fmt: skip
    after = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte",
                                      label=_("From"), widget=DATE_INPUT)  # fmt: skip
    before = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lte",
                                       label=_("To"), widget=DATE_INPUT)  # fmt: skip
    branch = branch_filter()
    ordering = OrderingFilter(orders={"occurred_on": ("occurred_on", "id")})

    class Meta:
        model = MisconductEntry
        fields = ["source", "after", "before", "branch"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.drop_branch_unless_hq()


class EducationFilterSet(_BranchFilterMixin, FilterSet):
    kind = django_filters.ChoiceFilter(choices=EducationKind.choices, label=_("Type"),
                                       empty_label=_("All"))  # fmt: skip
    after = django_filters.DateFilter(field_name="on", lookup_expr="gte", label=_("From"),
                                      widget=DATE_INPUT)  # fmt: skip
    before = django_filters.DateFilter(field_name="on", lookup_expr="lte", label=_("To"),
                                       widget=DATE_INPUT)  # fmt: skip
    client = django_filters.NumberFilter(field_name="client_id", label=_("Client"))
    branch = branch_filter()
    ordering = OrderingFilter(orders={"on": ("on", "id")})

    class Meta:
        model = EducationRecord
        fields = ["kind", "after", "before", "client", "branch"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.drop_branch_unless_hq()


class SuggestionFilterSet(_BranchFilterMixin, FilterSet):
    reason = django_filters.ChoiceFilter(choices=SuggestionReason.choices, label=_("Reason"),
                                         empty_label=_("All"))  # fmt: skip
    open = django_filters.BooleanFilter(field_name="educated_at", lookup_expr="isnull",
                                        label=_("Not yet educated"), widget=YES_NO_ANY)  # fmt: skip
    branch = branch_filter()
    ordering = OrderingFilter(orders={"suggested_at": ("suggested_at", "id")})

    class Meta:
        model = EducationSuggestion
        fields = ["reason", "open", "branch"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.drop_branch_unless_hq()
