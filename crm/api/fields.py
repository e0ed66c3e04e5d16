"""Serializer fields with the ranges the business can mean.

A date or time before 1901 or after 2999 is refused (400): before 1901 Asia/Shanghai
runs on local mean time (+08:05:43), which no RFC 3339 time in a response can carry, and
deadlines and validity periods computed from a date near the year 9999 overflow."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

EARLIEST_YEAR, LATEST_YEAR = 1901, 2999
OUT_OF_RANGE = _("Enter a date between the years 1901 and 2999.")


class _YearInRange:
    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def to_internal_value(self, value):
        value = super().to_internal_value(value)
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            self.fail("out_of_range")
        return value


class DateTimeField(_YearInRange, serializers.DateTimeField):
    pass


class DateField(_YearInRange, serializers.DateField):
    pass
