"""The message record's filter set, shared by the list page and the `messages/` API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.filters import DATE_INPUT, FilterSet, OrderingFilter

from .models import Channel, Message, MessageTemplate, Purpose, SourceKind


class MessageFilterSet(FilterSet):
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, label=_("Channel"), empty_label=_("All")
    )
    purpose = django_filters.ChoiceFilter(
        choices=Purpose.choices, label=_("Purpose"), empty_label=_("All")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Message.Status.choices, label=_("Status"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    source = django_filters.ChoiceFilter(
        field_name="source_kind", choices=SourceKind.choices, label=_("Sent for"),
        empty_label=_("All"),
    )  # fmt: skip
    source_id = django_filters.NumberFilter(field_name="source_id", label=_("Source id"))
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Created from"),
        widget=DATE_INPUT,
    )  # fmt: skip
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Created until"),
        widget=DATE_INPUT,
    )  # fmt: skip
    client = django_filters.NumberFilter(field_name="client_id", label=_("Client"))
    ordering = OrderingFilter(orders={"created_at": ("created_at", "id")})

    class Meta:
        model = Message
        fields = ["channel", "purpose", "status", "source", "source_id", "created_after",
                  "created_before", "client"]  # fmt: skip


class TemplateFilterSet(FilterSet):
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, label=_("Channel"), empty_label=_("All")
    )
    purpose = django_filters.ChoiceFilter(
        choices=Purpose.choices, label=_("Purpose"), empty_label=_("All")
    )
    active = django_filters.BooleanFilter(label=_("In use"))

    class Meta:
        model = MessageTemplate
        fields = ["channel", "purpose", "active"]
