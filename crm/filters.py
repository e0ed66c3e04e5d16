"""Filter sets shared by the web lists and the API."""

from datetime import UTC, datetime, time, timedelta

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.utils import get_model_field

from .bounds import EARLIEST_YEAR, LATEST_YEAR, bound_field
from .models import (
    AccessLog,
    Branch,
    ExportRequest,
    Holiday,
    Notification,
    StaffProfile,
    Todo,
    staff_of,
)
from .references import PersonLabelsMixin
from .workdays import SHANGHAI

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class YesNoAnyWidget(django_filters.widgets.BooleanWidget):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


YES_NO_ANY = YesNoAnyWidget()


class BoundedFiltersMixin:
    """A filter set whose form gives every date, time and number the bounds of crm.bounds
    (numbers those of the model field's column they filter): out of range, the web list
    ignores the filter and the API answers 400, instead of an overflow further down."""

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_bounded", False):
            for name, field in form.fields.items():
                model_field = None
                if name in self.filters and self._meta.model is not None:
                    model_field = get_model_field(self._meta.model, self.filters[name].field_name)
                bound_field(field, model_field)
                if isinstance(field.widget, forms.NullBooleanSelect):
                    field.widget = YesNoAnyWidget()  # "全部/是/否", not Django's "未知"
            form._bounded = True
        return form


class PersonFilterField(PersonLabelsMixin, forms.ModelChoiceField):
    pass


class PersonFilter(django_filters.ModelChoiceFilter):
    """A person of staff chosen by name, role and branch (never by login name); the
    queryset is the people offered, integration accounts left out."""

    field_class = PersonFilterField


class FilterSet(BoundedFiltersMixin, django_filters.FilterSet):
    """The project's FilterSet: every filter set derives from it."""


class OrderingFilter(django_filters.OrderingFilter):
    """`?ordering=` of a list, the same on its web page and in the API: each name orders
    by the columns given (those of an index, ending in a unique one so that pages are
    stable), `-name` by the same columns descending; several names may be given, comma
    separated. Without it the list keeps its own default order. An unknown name: the web
    list ignores it, the API answers 400."""

    def __init__(
        self, *args, orders: dict[str, tuple[str, ...]], nulls_smallest: tuple[str, ...] = (),
        **kwargs,
    ):  # fmt: skip
        self.orders = orders
        # Columns where an empty value sorts as the smallest (first ascending, last
        # descending: a client with no assets yet never heads the richest first); their
        # index is declared `F(col).desc(nulls_last=True)` to serve both directions.
        self.nulls_smallest = frozenset(nulls_smallest)
        kwargs["choices"] = [(f"{sign}{name}",) * 2 for name in orders for sign in ("", "-")]
        super().__init__(*args, **kwargs)

    def columns(self, param: str) -> list[str]:
        if not param.startswith("-"):
            return list(self.orders[param])
        return [c[1:] if c.startswith("-") else f"-{c}" for c in self.orders[param[1:]]]

    def order_by(self, column: str):
        name = column.lstrip("-")
        if name not in self.nulls_smallest:
            return column
        if column.startswith("-"):
            return F(name).desc(nulls_last=True)
        return F(name).asc(nulls_first=True)

    def filter(self, qs, value):
        columns = [c for param in value or () if param for c in self.columns(param)]
        return qs.order_by(*map(self.order_by, columns)) if columns else qs


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """ISO 8601 with any offset, compared in UTC: PostgreSQL refuses offsets beyond
    ±15:59, and a time at the edge of the calendar that cannot move to UTC is invalid."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and timezone.is_aware(value):
            try:
                value = value.astimezone(UTC)
            except OverflowError as exc:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        return value


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class YearFilter(django_filters.NumberFilter):
    """A calendar year (1901-2999): a bigger number is a 400, not an overflow."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", EARLIEST_YEAR)
        kwargs.setdefault("max_value", LATEST_YEAR)
        super().__init__(*args, **kwargs)


class BranchFilterSet(FilterSet):
    ordering = OrderingFilter(orders={"code": ("code",), "name": ("name", "id")})

    class Meta:
        model = Branch
        fields = ["kind", "is_active"]


class StaffFilterSet(FilterSet):
    ordering = OrderingFilter(
        orders={"user__username": ("user__username",), "role": ("role", "id")}
    )

    class Meta:
        model = StaffProfile
        fields = ["role", "team"]


class TodoFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=Todo.Status.choices, label=_("Status"))
    assignee = django_filters.CharFilter(field_name="assignee__username", label=_("Assignee"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    due_before = IsoDateTimeFilter(field_name="due_at", lookup_expr="lte", label=_("Due before"))
    due_after = IsoDateTimeFilter(field_name="due_at", lookup_expr="gte", label=_("Due after"))
    ordering = OrderingFilter(
        orders={
            "due_at": ("due_at", "id"),
            "created_at": ("created_at", "id"),
            "title": ("title", "id"),
        }
    )

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


class NotificationFilterSet(FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("Unread")
    )
    ordering = OrderingFilter(orders={"created_at": ("created_at", "id")})

    class Meta:
        model = Notification
        fields = ["unread", "level"]


class HolidayFilterSet(FilterSet):
    year = YearFilter(field_name="date", lookup_expr="year", label=_("Year"))
    ordering = OrderingFilter(orders={"date": ("date",)})

    class Meta:
        model = Holiday
        fields = ["year", "kind"]


def start_of_day(day) -> datetime:
    """Midnight in Shanghai: date filters become timestamp ranges an index can serve."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


class AccessLogFilterSet(FilterSet):
    """Shared by the access log page, its exports and the `access-logs/` API."""

    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"),
        help_text=_("The record's name or number (its beginning), or a username"),
    )  # fmt: skip
    user = PersonFilter(  # by name and role (crm.references.person_label), never login name
        queryset=get_user_model()
        .objects.filter(staff__isnull=False)
        .select_related("staff__branch")
        .order_by("last_name", "first_name", "username"),
        to_field_name="username", label=_("User"), empty_label=_("All"),
    )  # fmt: skip
    action = django_filters.ChoiceFilter(choices=AccessLog.Action.choices, label=_("Action"))
    field = django_filters.CharFilter(label=_("Field"), widget=forms.HiddenInput)
    since = django_filters.DateFilter(method="filter_since", label=_("From"), widget=DATE_INPUT)
    until = django_filters.DateFilter(method="filter_until", label=_("To"), widget=DATE_INPUT)
    object_type = django_filters.CharFilter(
        method="filter_object_type", label=_("Record type"), widget=forms.HiddenInput,
        help_text=_("app_label.model, e.g. clients.client"),
    )  # fmt: skip
    object_id = django_filters.NumberFilter(label=_("Record"), widget=forms.HiddenInput)
    ordering = OrderingFilter(orders={"occurred_at": ("occurred_at", "id")})

    class Meta:
        model = AccessLog
        fields = ["q", "user", "action", "since", "until", "field", "object_type", "object_id"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        staff = staff_of(user) if user is not None else None
        if staff is not None and not staff.sees_all_branches:
            self.filters["user"].queryset = self.filters["user"].queryset.filter(
                staff__branch_id=staff.branch_id
            )

    def filter_q(self, queryset, name, value):
        return self.search(queryset, value)

    @staticmethod
    def search(queryset, value: str):
        """The record's name or number by its beginning (as typed or in capitals, e.g. a
        ticket number), or a username: each served by an index."""
        value = (value or "").strip()[:100]
        if not value:
            return queryset
        match = Q(object_repr__startswith=value) | Q(object_repr__startswith=value.upper())
        # the user's id, not a join: the three conditions stay on this table's indexes
        user_id = get_user_model().objects.filter(username=value).values_list("pk", flat=True)
        user_id = user_id.first()
        if user_id is not None:
            match |= Q(user_id=user_id)
        return queryset.filter(match)

    def filter_since(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=start_of_day(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=start_of_day(value + timedelta(days=1)))

    def filter_object_type(self, queryset, name, value):
        app_label, _dot, model = value.lower().partition(".")
        try:
            content_type = ContentType.objects.get_by_natural_key(app_label, model)
        except ContentType.DoesNotExist:
            return queryset.none()
        return queryset.filter(content_type=content_type)


class ExportRequestFilterSet(FilterSet):
    """The unmasked exports page (crm:exports): its requests by status, newest first."""

    status = django_filters.ChoiceFilter(
        choices=ExportRequest.Status.choices, label=_("Status"), empty_label=_("All")
    )
    ordering = OrderingFilter(orders={"requested_at": ("requested_at", "id")})

    class Meta:
        model = ExportRequest
        fields = ["status"]
