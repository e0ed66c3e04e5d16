"""Numbers read from a query string, never trusted: odd input falls back, never a 500."""

from __future__ import annotations

EARLIEST_YEAR, LATEST_YEAR = 1901, 2999


def year_param(raw, default: int) -> int:
    """A calendar year; text, 1e16, 0 or 99999999999999999999 give the default."""
    try:
        year = int(raw)
    except (TypeError, ValueError, OverflowError):
        return default
    return year if EARLIEST_YEAR <= year <= LATEST_YEAR else default
