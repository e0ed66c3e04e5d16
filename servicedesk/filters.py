"""The service request filter set, shared by the desk and the `service-requests/` API."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.filters import DATE_INPUT, YES_NO_ANY, FilterSet, OrderingFilter, PersonFilter
from crm.models import Role, staff_of

from .models import OPEN_STATUSES, Channel, Priority, ServiceCategory, ServiceRequest, Status


class ServiceRequestFilterSet(FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"),
        help_text=_("Number, client, caller or phone"),
    )  # fmt: skip
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    open = django_filters.BooleanFilter(method="filter_open", label=_("Open"), widget=YES_NO_ANY)
    category = django_filters.ModelChoiceFilter(
        queryset=ServiceCategory.objects.filter(parent__isnull=True), to_field_name="code",
        label=_("Category"), empty_label=_("All"),
    )  # fmt: skip
    priority = django_filters.ChoiceFilter(
        choices=Priority.choices, label=_("Priority"), empty_label=_("All")
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    handler = PersonFilter(
        queryset=get_user_model().objects.filter(staff__isnull=False)
        .exclude(staff__role=Role.INTEGRATION).select_related("staff__branch")
        .order_by("last_name", "first_name", "username"),
        to_field_name="username", label=_("Handler"), empty_label=_("All"),
    )  # fmt: skip
    back_office = django_filters.BooleanFilter(label=_("Back office"), widget=YES_NO_ANY)
    first_contact_resolved = django_filters.BooleanFilter(
        label=_("Resolved on first contact"), widget=YES_NO_ANY
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("Overdue"), widget=YES_NO_ANY
    )
    received_after = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__gte", label=_("Received from"),
        widget=DATE_INPUT,
    )  # fmt: skip
    received_before = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__lte", label=_("Received to"),
        widget=DATE_INPUT,
    )  # fmt: skip
    client = django_filters.NumberFilter(field_name="client_id", label=_("Client"))
    # each served by an index of ServiceRequest.Meta; without it, soonest deadline first
    ordering = OrderingFilter(
        orders={
            "received_at": ("received_at", "id"),
            # at equal deadlines by tier (the `tier_rank` of servicedesk.selectors.desk)
            "due_at": ("due_at", "tier_rank", "id"),
            "priority": ("priority", "id"),
        }
    )

    class Meta:
        model = ServiceRequest
        fields = ["q", "status", "open", "category", "priority", "channel", "handler",
                  "back_office", "first_contact_resolved", "overdue", "received_after",
                  "received_before", "client"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        staff = staff_of(user) if user is not None else None
        if staff is not None and not staff.sees_all_branches:
            self.filters["handler"].queryset = self.filters["handler"].queryset.filter(
                staff__branch_id=staff.branch_id
            )

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # each branch of the OR on an index of this table (the matching clients as a list of
        # ids, one query), so PostgreSQL combines index scans instead of reading every request;
        # the caller's name and phone repeat their partial indexes' condition, which the
        # planner cannot infer from a LIKE (without it: the branch's 20,000 requests read)
        clients = list(
            Client.objects.filter(Q(name__startswith=value) | Q(client_no=value))
            .order_by().values_list("id", flat=True)[:200]
        )  # fmt: skip
        return queryset.filter(
            Q(number__startswith=value.upper())
            | (Q(caller_name__startswith=value) & ~Q(caller_name=""))
            | (Q(caller_phone=value) & ~Q(caller_phone="")) | Q(client_id__in=clients)
        )  # fmt: skip

    def filter_open(self, queryset, name, value):
        return (
            queryset.filter(status__in=OPEN_STATUSES)
            if value
            else queryset.exclude(status__in=OPEN_STATUSES)
        )

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
