"""The complaint filter set, shared by the desk and the `complaints/` API."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.filters import DATE_INPUT, YES_NO_ANY, FilterSet, OrderingFilter, PersonFilter
from crm.models import Branch, Role, staff_of

from .models import OPEN_STATUSES, Category, Channel, Complaint, Status, Topic

# the levels of Complaint.severity (1-5), as the desk offers them
SEVERITY_CHOICES = [
    (1, _("1 · minor")),
    (2, _("2 · moderate")),
    (3, _("3 · serious")),
    (4, _("4 · severe")),
    (5, _("5 · most serious")),
]


class ComplaintFilterSet(FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("Ticket number, complainant or client")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    open = django_filters.BooleanFilter(method="filter_open", label=_("Open"), widget=YES_NO_ANY)
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    severity = django_filters.ChoiceFilter(
        choices=SEVERITY_CHOICES, label=_("Severity"), empty_label=_("All")
    )
    topic = django_filters.ChoiceFilter(choices=Topic.choices, label=_("Topic"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    handler = PersonFilter(
        queryset=get_user_model().objects.filter(staff__isnull=False)
        .exclude(staff__role=Role.INTEGRATION).select_related("staff__branch")
        .order_by("last_name", "first_name", "username"),
        to_field_name="username", label=_("Handler"), empty_label=_("All"),
    )  # fmt: skip
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("Overdue"), widget=YES_NO_ANY
    )
    received_after = django_filters.DateFilter(
        field_name="received_at",
        lookup_expr="date__gte",
        label=_("Received from"),
        widget=DATE_INPUT,
    )
    received_before = django_filters.DateFilter(field_name="received_at",
                                                lookup_expr="date__lte", label=_("Received to"),
                                                widget=DATE_INPUT)  # fmt: skip
    client = django_filters.NumberFilter(field_name="client_id", label=_("Client"))
    branch = django_filters.ModelChoiceFilter(
        field_name="branch",
        queryset=Branch.objects.filter(kind="branch"),
        to_field_name="code",
        label=_("Branch"),
        empty_label=_("All"),
    )  # fmt: skip (HQ's dashboard drills to one branch's complaints)
    # each served by an index of Complaint.Meta; without it, soonest deadline first
    ordering = OrderingFilter(
        orders={
            "received_at": ("received_at", "id"),
            # at equal deadlines by tier (the `tier_rank` of complaints.selectors.desk)
            "resolution_due_at": ("resolution_due_at", "tier_rank", "id"),
            "severity": ("severity", "id"),
        }
    )

    class Meta:
        model = Complaint
        fields = ["q", "status", "open", "category", "severity", "topic", "channel", "handler",
                  "overdue", "received_after", "received_before", "client", "branch"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        staff = staff_of(user) if user is not None else None
        if staff is None or not staff.sees_all_branches:
            self.filters.pop("branch")  # one branch in scope: nothing to choose
        if staff is not None and not staff.sees_all_branches:
            self.filters["handler"].queryset = self.filters["handler"].queryset.filter(
                staff__branch_id=staff.branch_id
            )

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(ticket_no__istartswith=value) | Q(complainant_name__startswith=value)
            | Q(client__name__startswith=value) | Q(client__client_no=value)
        )  # fmt: skip

    def filter_open(self, queryset, name, value):
        return (
            queryset.filter(status__in=OPEN_STATUSES)
            if value
            else queryset.exclude(status__in=OPEN_STATUSES)
        )

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_STATUSES, resolution_due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
