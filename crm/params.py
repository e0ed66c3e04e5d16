"""Values read from a query string, never trusted: odd input falls back, never a 500.
The ranges are those of crm.bounds."""

from __future__ import annotations

from datetime import date

from .bounds import year_in_range


def year_param(raw, default: int) -> int:
    """A calendar year; text, 1e16, 0 or 99999999999999999999 give the default."""
    year = int_param(raw, default)
    return year if year_in_range(year) else default


def date_param(raw, default: date) -> date:
    """An ISO date (`2026-12-01`) in the years 1901-2999; anything else gives the default."""
    try:
        day = date.fromisoformat(str(raw or ""))
    except ValueError:
        return default
    return day if year_in_range(day.year) else default


def int_param(raw, default: int, low: int | None = None, high: int | None = None) -> int:
    """An integer, within `low`..`high` when given; anything else gives the default."""
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError):
        return default
    if (low is not None and value < low) or (high is not None and value > high):
        return default
    return value


def id_param(raw) -> int | None:
    """A primary key (1 to the bigint maximum); `²`, `١٢`, `-1` or 20 digits give None."""
    value = int_param(raw, 0, low=1, high=2**63 - 1)
    return value or None
