"""The ranges a date or a number typed by someone may take, in one place.

Used by the web forms (crm.forms.BoundedForm), the filters (crm.filters.FilterSet), the
API fields (crm.api.fields) and the query-string readers (crm.params), so a new field of
any of them is bounded without thinking about it.

A date or time before 1901 or after 2999 is refused: before 1901 Asia/Shanghai runs on
local mean time (+08:05:43), which no RFC 3339 time in a response can carry; the year 1
in Shanghai is the year 0 in UTC, which PostgreSQL stores but Python cannot read back;
and deadlines and validity periods computed from a date near the year 9999 overflow.

An integer is refused beyond what its database column holds (a PostgreSQL `integer`
unless the model field says otherwise), so no input reaches the database as an overflow.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection
from django.db import models as db_models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

EARLIEST_YEAR, LATEST_YEAR = 1901, 2999
OUT_OF_RANGE = _("Enter a date between the years 1901 and 2999.")
# the same edges as moments, for SQL that must leave out a row stored before the bounds
EARLIEST_MOMENT = datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(LATEST_YEAR + 1, 1, 1, tzinfo=UTC)
EARLIEST_DATE, LATEST_DATE = date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR, 12, 31)

logger = logging.getLogger(__name__)
MAX_LOGGED = 20  # ids named in the log line of a job that skipped rows

# a PostgreSQL `integer`, the column of every IntegerField and PositiveIntegerField
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1


def year_in_range(year: int) -> bool:
    return EARLIEST_YEAR <= year <= LATEST_YEAR


def validate_year(value) -> None:
    """A validator for dates and datetimes (form, filter and model fields)."""
    if value is not None and not year_in_range(value.year):
        raise ValidationError(OUT_OF_RANGE, code="out_of_range")


def column_range(model_field) -> tuple[int | None, int | None]:
    """What the database column of an integer model field holds."""
    return connection.ops.integer_field_range(model_field.get_internal_type())


def bound_field(field: forms.Field, model_field=None) -> forms.Field:
    """Give a form field the bounds of its kind, once (a second call adds nothing):
    dates and times the years 1901-2999, integers what `model_field`'s column holds
    (a PostgreSQL `integer` without one), keeping any narrower bound the field has."""
    if getattr(field, "_bounded", False):
        return field
    if isinstance(field, forms.DateField | forms.DateTimeField):
        field.validators.append(validate_year)
    elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        low, high = INTEGER_MIN, INTEGER_MAX
        if isinstance(model_field, db_models.IntegerField):
            low, high = column_range(model_field)
        elif isinstance(field, forms.DecimalField) and field.max_digits:
            low = high = None  # max_digits bounds it already
        if high is not None and (field.max_value is None or field.max_value > high):
            field.max_value = high
            field.validators.append(MaxValueValidator(high))
            field.widget.attrs.setdefault("max", high)
        if low is not None and (field.min_value is None or field.min_value < low):
            field.min_value = low
            field.validators.append(MinValueValidator(low))
    field._bounded = True
    return field


def bound_fields(fields) -> None:
    for field in fields.values():
        bound_field(field)


# --- Rows stored before the bounds ---------------------------------------------------
# A value PostgreSQL holds but Python cannot (a year before 1 or after 9999, from a form
# of before the bounds) reads as a day near the edge Python can hold, as psycopg2 reads
# PostgreSQL's -infinity and infinity: one such row must not take down every page that
# lists it. The jobs leave such rows out in SQL (`skip_out_of_range`) and log them.
FIRST_READABLE = datetime(1, 1, 2, tzinfo=UTC)  # a day in: local time stays in range
LAST_READABLE = datetime(9999, 12, 30, tzinfo=UTC)


def _edge_reader(caster, first, last):
    def read(value, cursor):
        try:
            return caster(value, cursor)
        except ValueError:  # "year -1 is out of range", "year 10000 is out of range"
            return first if value.endswith("BC") else last

    return read


def read_out_of_range_at_edges() -> None:
    """Install the readers of date, timestamp and timestamptz (once, at start-up)."""
    import psycopg2.extensions as pg

    naive_first, naive_last = (
        FIRST_READABLE.replace(tzinfo=None),
        LAST_READABLE.replace(tzinfo=None),
    )
    for caster, first, last in (
        (pg.PYDATE, naive_first.date(), naive_last.date()),
        (pg.PYDATETIME, naive_first, naive_last),
        (pg.PYDATETIMETZ, FIRST_READABLE, LAST_READABLE),
    ):
        reader = _edge_reader(caster, first, last)
        pg.register_type(pg.new_type(caster.values, f"{caster.name}_AT_EDGES", reader))


def _edges(model, field_name: str):
    if isinstance(model._meta.get_field(field_name), db_models.DateTimeField):
        return EARLIEST_MOMENT, LATEST_MOMENT
    return EARLIEST_DATE, LATEST_DATE + timedelta(days=1)


def out_of_range(model, *field_names: str) -> Q:
    """The rows with one of `field_names` outside the bounds: two index ranges per field."""
    found = Q()
    for name in field_names:
        low, high = _edges(model, name)
        found |= Q(**{f"{name}__lt": low}) | Q(**{f"{name}__gte": high})
    return found


def skip_out_of_range(queryset, *field_names: str, job: str):
    """`queryset` without the rows whose `field_names` lie outside the bounds, in SQL; those
    rows are logged (how many, their first ids) for someone to correct, so that one of them
    does not fail the job for every branch."""
    bad = out_of_range(queryset.model, *field_names)
    ids = list(queryset.filter(bad).order_by("pk").values_list("pk", flat=True)[: MAX_LOGGED + 1])
    if not ids:
        return queryset
    logger.warning(
        "%s: skipped %s%d %s rows with %s outside the years %d-%d (ids %s)",
        job, "over " if len(ids) > MAX_LOGGED else "", min(len(ids), MAX_LOGGED),
        queryset.model._meta.label, "/".join(field_names), EARLIEST_YEAR, LATEST_YEAR,
        ", ".join(map(str, ids[:MAX_LOGGED])),
    )  # fmt: skip
    return queryset.exclude(pk__in=ids) if len(ids) <= MAX_LOGGED else queryset.exclude(bad)
