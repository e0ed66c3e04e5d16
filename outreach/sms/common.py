"""What the provider backends share: the endpoint setting, the callbacks' JSON, times."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.http import HttpRequest

logger = logging.getLogger("outreach.sms")

# The providers write their callbacks' times as Beijing wall-clock time.
PROVIDER_TZ = ZoneInfo("Asia/Shanghai")


class CallbackBodyError(ValueError):
    """A callback whose body is not what the provider sends: answered 400, nothing read."""


def split_endpoint(endpoint: str) -> tuple[str, str]:
    """("http" or "https", "host[:port]") of an endpoint setting: a bare host is the
    provider's own (HTTPS); "http://127.0.0.1:8000" is a stub on loopback."""
    if "://" not in endpoint:
        return "https", endpoint.strip().rstrip("/")
    parts = urlsplit(endpoint.strip())
    return (parts.scheme or "https").lower(), parts.netloc


def json_items(request: HttpRequest, *, allow_object: bool = False) -> list[dict]:
    """The callback's JSON array (or one object, where the provider sends one) as a list
    of objects; an item that is not an object is left out (and logged), a body that is
    not JSON raises CallbackBodyError."""
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CallbackBodyError("not JSON") from exc
    if isinstance(data, dict) and allow_object:
        data = [data]
    if not isinstance(data, list):
        raise CallbackBodyError("not a JSON array")
    items = [item for item in data if isinstance(item, dict)]
    if len(items) != len(data):
        logger.warning("callback: %d item(s) that are not objects left out", len(data) - len(items))
    return items


def local_time(value) -> datetime | None:
    """ "2017-01-01 00:00:00" (Beijing time) or a UNIX timestamp as an aware datetime;
    None when missing or not a time."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=PROVIDER_TZ)
        except ValueError:
            continue
    if text.isdigit():
        return local_time(int(text))
    return None


def text(value) -> str:
    """A field as a string ("" for missing); numbers as their digits."""
    if value is None or isinstance(value, bool):
        return ""
    return str(value).strip()


def mainland_mobile(value) -> str:
    """The 11 digits of a mainland mobile written as 13800000000, +8613800000000 or
    8613800000000; anything else as it came."""
    digits = text(value)
    if digits.startswith("+"):
        digits = digits[1:]
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits
