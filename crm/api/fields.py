"""Serializer fields with the ranges the business can mean (crm.bounds): a date or time
outside the years 1901-2999, or an integer beyond its database column, is a 400.

The project's ModelSerializer (crm.api.serializers) maps model dates and times to these;
a declared field uses them by name."""

from rest_framework import serializers

from ..bounds import INTEGER_MAX, INTEGER_MIN, OUT_OF_RANGE, year_in_range


class _YearInRange:
    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def to_internal_value(self, value):
        value = super().to_internal_value(value)
        if not year_in_range(value.year):
            self.fail("out_of_range")
        return value


class DateTimeField(_YearInRange, serializers.DateTimeField):
    pass


class DateField(_YearInRange, serializers.DateField):
    pass


class IntegerField(serializers.IntegerField):
    """An integer a PostgreSQL `integer` column holds, unless told a narrower range."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_value", INTEGER_MAX)
        kwargs.setdefault("min_value", INTEGER_MIN)
        super().__init__(**kwargs)
