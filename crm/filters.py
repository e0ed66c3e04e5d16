"""Filter sets shared by the web lists and the API."""

import datetime

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AccessLog, Holiday, Notification, Todo

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class YesNoAnyWidget(django_filters.widgets.BooleanWidget):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


YES_NO_ANY = YesNoAnyWidget()


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """ISO 8601 with any offset, compared in UTC: PostgreSQL refuses offsets beyond
    ±15:59, and a time at the edge of the calendar that cannot move to UTC is invalid."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and timezone.is_aware(value):
            try:
                value = value.astimezone(datetime.UTC)
            except OverflowError as exc:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        return value


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class YearFilter(django_filters.NumberFilter):
    """A calendar year (1-9999): a bigger number is a 400, not an overflow."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


class TodoFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=Todo.Status.choices, label=_("Status"))
    assignee = django_filters.CharFilter(field_name="assignee__username", label=_("Assignee"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    due_before = IsoDateTimeFilter(field_name="due_at", lookup_expr="lte", label=_("Due before"))
    due_after = IsoDateTimeFilter(field_name="due_at", lookup_expr="gte", label=_("Due after"))

    class Meta:
        model = Todo
        fields = ["q", "status", "assignee", "overdue", "due_before", "due_after"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_overdue(self, queryset, name, value):
        now = timezone.now()
        if value:
            return queryset.filter(status=Todo.Status.OPEN, due_at__lt=now)
        return queryset.exclude(status=Todo.Status.OPEN, due_at__lt=now)


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("Unread")
    )

    class Meta:
        model = Notification
        fields = ["unread", "level"]


class HolidayFilterSet(django_filters.FilterSet):
    year = YearFilter(field_name="date", lookup_expr="year", label=_("Year"))

    class Meta:
        model = Holiday
        fields = ["year", "kind"]


class AccessLogFilterSet(django_filters.FilterSet):
    user = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(staff__isnull=False), label=_("User")
    )
    since = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="date__gte", label=_("From")
    )
    until = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="date__lte", label=_("To")
    )

    class Meta:
        model = AccessLog
        fields = ["user", "action", "field", "since", "until"]
