"""How numbers, money and durations are written on every page, export and e-mail.

One set of rules, Chinese conventions first:

- money: `¥784,557.02`, `-¥697,544.96` (two places, thousands separators);
- money read at a glance (KPI tiles, tier totals): `¥78.46万`, `¥38.97亿` from 10,000 up;
- counts: `15,233,012`; rates: `92.5%`; a change of a rate in percentage points:
  `+1.2 个百分点`;
- durations: `2 天 3 小时`, `45 分钟`.

Template filters of the same names are in `crm.templatetags.crm_tags` (`|yuan`,
`|yuan_short`, `|number`, `|percent`, `|points`, `|duration`). A missing value is "—".
Values are rounded half up (as a person does, not banker's rounding).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import get_language, gettext, ngettext

MISSING = "—"
WAN = Decimal(10_000)
YI = Decimal(100_000_000)

Number = int | float | Decimal | str | None


def _decimal(value: Number) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _rounded(number: Decimal, places: int) -> Decimal:
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


def number(value: Number, places: int = 0) -> str:
    """`15233012` → `15,233,012`; `3.14159, 2` → `3.14`."""
    parsed = _decimal(value)
    if parsed is None:
        return MISSING
    return f"{_rounded(parsed, places):,.{places}f}"


def yuan(value: Number, places: int = 2) -> str:
    """`784557.02` → `¥784,557.02`; `-697544.96` → `-¥697,544.96`."""
    parsed = _decimal(value)
    if parsed is None:
        return MISSING
    rounded = _rounded(parsed, places)
    sign = "-" if rounded < 0 else ""
    return f"{sign}¥{abs(rounded):,.{places}f}"


def yuan_short(value: Number) -> str:
    """Money read at a glance: `¥9,876` below 10,000, then `¥78.46万`, `¥38.97亿`
    (in English: `¥784.56K`, `¥3.90B`)."""
    parsed = _decimal(value)
    if parsed is None:
        return MISSING
    sign, size = ("-" if parsed < 0 else ""), abs(parsed)
    if _chinese():
        steps = [(YI, "亿"), (WAN, "万")]
    else:
        steps = [(Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M"), (Decimal(1000), "K")]
    for unit, word in steps:
        if size >= unit:
            return f"{sign}¥{_rounded(size / unit, 2):,.2f}{word}"
    return f"{sign}¥{_rounded(size, 0):,.0f}"


def percent(value: Number, places: int = 1) -> str:
    """A rate already in percent: `92.456` → `92.5%` (0 is `0.0%`, never "—")."""
    figure = number(value, places)
    return figure if figure == MISSING else f"{figure}%"


def points(value: Number, places: int = 1) -> str:
    """The change of a rate, in percentage points, signed: `+1.2 个百分点`."""
    parsed = _decimal(value)
    if parsed is None:
        return MISSING
    rounded = _rounded(parsed, places)
    figure = f"{rounded:+,.{places}f}" if rounded else f"{abs(rounded):.{places}f}"
    return gettext("%(figure)s pp") % {"figure": figure}


def duration(value: timedelta | int | float | None) -> str:
    """`timedelta(days=2, hours=3)` → `2 天 3 小时`; seconds are accepted too. The two
    largest units are shown; under a minute is `不到 1 分钟`."""
    if value is None:
        return MISSING
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return sign + gettext("under a minute")
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes and not days:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return sign + " ".join(parts[:2])
