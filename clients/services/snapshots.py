"""Account facts from the trading system: daily snapshots and holdings, upserted in bulk."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.bounds import OUT_OF_RANGE, year_in_range

from .. import rollups as client_months
from ..models import Client, Holding

SNAPSHOT_NUMBERS = ("total_assets", "cash", "market_value", "net_inflow", "trading_volume",
                    "commission")  # fmt: skip


@dataclass
class BulkResult:
    """What a bulk call did: rows received, stored (created, updated or already equal),
    and the errors of the others by index; `removed`: holdings a call no longer lists."""

    received: int = 0
    stored: int = 0
    errors: list[dict] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def as_dict(self) -> dict:
        return {"received": self.received, "stored": self.stored, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "removed": self.removed,
                "errors": self.errors}  # fmt: skip


def _decimal(value, name, errors, *, required=False, minimum=None):
    if value in (None, ""):
        if required:
            errors[name] = [_("This field is required.")]
        return Decimal(0)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[name] = [_("Enter a number.")]
        return Decimal(0)
    if not number.is_finite() or abs(number) >= Decimal("1e16"):
        errors[name] = [_("This number is out of range.")]
        return Decimal(0)
    if minimum is not None and number < minimum:
        errors[name] = [_("This number cannot be negative.")]
    return number.quantize(Decimal("0.01"))


def parse_date(raw, name: str, errors: dict, today: date, future_message,
               *, blank: bool = False) -> date | None:  # fmt: skip
    """A YYYY-MM-DD date (or a date), not after today and within the bounded years;
    otherwise None and a message in `errors[name]`. `blank`: None or "" is no date."""
    if blank and raw in (None, ""):
        return None
    try:
        day = raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10])
    except (TypeError, ValueError):
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None
    if day > today:
        errors[name] = [str(future_message)]
    elif not year_in_range(day.year):
        errors[name] = [OUT_OF_RANGE]
    return day


def parse_holding(h) -> tuple[dict | None, dict]:
    """One position (security_code, security_name, quantity, cost, price) and the
    messages of its fields; None without a security code."""
    h_errors: dict = {}
    if not isinstance(h, dict) or not str(h.get("security_code") or "").strip():
        return None, {"security_code": [_("This field is required.")]}
    item = {
        "security_code": str(h["security_code"]).strip()[:20],
        "security_name": str(h.get("security_name") or "")[:50],
        "quantity": _decimal(h.get("quantity"), "quantity", h_errors, required=True),
        "cost": _decimal(h.get("cost"), "cost", h_errors, minimum=0),
        "price": _decimal(h.get("price"), "price", h_errors, minimum=0),
    }
    text = item["security_code"] + item["security_name"]
    if _unencodable(text):
        h_errors["security_code"] = [_("Remove the NUL character.")]
    return item, h_errors


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return "\x00" in text


def _parse_snapshot_row(row, today: date) -> tuple[dict | None, dict]:
    errors: dict[str, list] = {}
    if not isinstance(row, dict):
        return None, {"non_field_errors": [_("Each row must be an object.")]}
    client_no = str(row.get("client_no") or "").strip()
    if not client_no:
        errors["client_no"] = [_("This field is required.")]
    elif "\x00" in client_no:  # PostgreSQL refuses NUL in text (found by fuzzing)
        errors["client_no"] = [_("Remove the NUL character.")]
    day = parse_date(row.get("date"), "date", errors, today,
                     _("The date cannot be in the future."))  # fmt: skip
    parsed: dict[str, Any] = {"client_no": client_no, "date": day}
    for name in SNAPSHOT_NUMBERS:
        parsed[name] = _decimal(
            row.get(name),
            name,
            errors,
            required=name == "total_assets",
            minimum=0 if name not in ("net_inflow",) else None,
        )
    try:
        trade_count = int(row.get("trade_count") or 0)
        if trade_count < 0 or trade_count > 2**31 - 1:
            raise ValueError
        parsed["trade_count"] = trade_count
    except (TypeError, ValueError):
        errors["trade_count"] = [_("Enter a whole number, 0 or more.")]
    holdings = row.get("holdings")
    parsed["holdings"] = None
    if holdings is not None:
        if not isinstance(holdings, list):
            errors["holdings"] = [_("Holdings must be a list.")]
        else:
            items: list[dict] = []
            parsed["holdings"] = items
            for i, h in enumerate(holdings):
                item, h_errors = parse_holding(h)
                if item is None:
                    errors[f"holdings[{i}]"] = [_("Each holding needs a security_code.")]
                    continue
                if h_errors:
                    errors[f"holdings[{i}]"] = [f"{k}: {v[0]}" for k, v in h_errors.items()]
                items.append(item)
            codes = [h["security_code"] for h in items]
            if len(codes) != len(set(codes)):
                errors["holdings"] = [_("A security appears twice.")]
    return (None if errors else parsed), errors


SNAPSHOT_VERSION_KEY = "clients:snapshot-version"


def snapshot_version() -> int:
    """A number that changes whenever account snapshots are stored (keys dashboard caches)."""
    return int(cache.get_or_set(SNAPSHOT_VERSION_KEY, time.time_ns, None) or 0)


def snapshots_changed() -> None:
    transaction.on_commit(lambda: cache.set(SNAPSHOT_VERSION_KEY, time.time_ns(), None))


def snapshots_upsert(*, user, rows: list) -> BulkResult:
    """Upsert snapshots by (client number, date) in a few set-based statements.

    Idempotent: the same rows twice leave one row per (client, date). Bad rows are
    reported with their index and never stored; good rows of the same call are.
    """
    result = BulkResult(received=len(rows))
    parsed: list[tuple[int, dict]] = []
    today = timezone.localdate()
    for index, row in enumerate(rows):
        values, errors = _parse_snapshot_row(row, today)
        if values is None:
            result.errors.append(
                {"index": index, "client_no": _client_no_of(row), "errors": errors}
            )
        else:
            parsed.append((index, values))
    numbers = {v["client_no"] for _i, v in parsed}
    client_ids = dict(
        Client.objects.visible_to(user).filter(client_no__in=numbers).values_list("client_no", "id")
    )
    latest: dict[tuple[int, date], tuple[int, dict]] = {}
    for index, values in parsed:
        client_id = client_ids.get(values["client_no"])
        if client_id is None:
            result.errors.append(
                {
                    "index": index,
                    "client_no": values["client_no"],
                    "errors": {"client_no": [_("No such client.")]},
                }
            )
            continue
        latest[(client_id, values["date"])] = (index, values)  # the last row of a key wins
    result.errors.sort(key=lambda e: e["index"])
    if not latest:
        return result
    now = timezone.now()
    # Rows are written in one fixed order, (client, date), whatever the order sent: two
    # calls with overlapping rows then lock them in the same order, and the second waits
    # for the first instead of deadlocking with it. The holdings of a key are only
    # written by the call holding that key's snapshot row.
    keys = sorted(latest)
    rows_in_order = [latest[key][1] for key in keys]
    with_holdings = {key: latest[key][1]["holdings"] for key in keys
                     if latest[key][1]["holdings"] is not None}  # fmt: skip
    # One INSERT ... SELECT FROM unnest(arrays) ... ON CONFLICT DO UPDATE: a single
    # statement whatever the number of rows, without per-row SQL compilation.
    columns = ", ".join(SNAPSHOT_NUMBERS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*SNAPSHOT_NUMBERS, "trade_count",
                                                          "received_at"))  # fmt: skip
    numeric_arrays = ", ".join("%s::numeric[]" for _c in SNAPSHOT_NUMBERS)
    compared = (*SNAPSHOT_NUMBERS, "trade_count")
    unchanged_old = ", ".join(f"clients_accountsnapshot.{c}" for c in compared)
    unchanged_new = ", ".join(f"EXCLUDED.{c}" for c in compared)
    sql = (
        f"INSERT INTO clients_accountsnapshot (client_id, date, {columns}, trade_count, "
        f"received_at) SELECT *, %s::timestamptz FROM unnest(%s::bigint[], %s::date[], "
        f"{numeric_arrays}, %s::integer[]) ORDER BY 1, 2 "
        f"ON CONFLICT (client_id, date) DO UPDATE SET {updates} "
        # the same row sent again writes nothing
        f"WHERE ({unchanged_old}) IS DISTINCT FROM ({unchanged_new}) "
        "RETURNING (xmax = 0), client_id, date"
    )
    params: list[Any] = [now, [k[0] for k in keys], [k[1] for k in keys],
                         *[[v[c] for v in rows_in_order] for c in SNAPSHOT_NUMBERS],
                         [v["trade_count"] for v in rows_in_order]]  # fmt: skip
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(sql, params)
            returned = cur.fetchall()
        written = [inserted for inserted, _c, _d in returned]
        # the monthly facts of the (client, month) rows written: one upsert (crm/rollups.py)
        client_months.touched([(c, d) for _i, c, d in returned])
        if with_holdings:
            _replace_holdings(with_holdings)
        snapshots_changed()
    result.stored = len(keys)
    result.created = sum(1 for w in written if w)
    result.updated = len(written) - result.created
    result.unchanged = len(keys) - len(written)
    return result


def _replace_holdings(by_key: dict) -> None:
    keys = list(by_key)
    with connection.cursor() as cur:
        for start in range(0, len(keys), 2000):
            chunk = keys[start : start + 2000]
            cur.execute(
                "DELETE FROM clients_holding h USING unnest(%s::bigint[], %s::date[]) "
                "AS k(client_id, date) WHERE h.client_id = k.client_id AND h.date = k.date",
                [[c for c, _d in chunk], [d for _c, d in chunk]],
            )
    Holding.objects.bulk_create(
        [Holding(client_id=cid, date=day, **h) for (cid, day), items in by_key.items()
         for h in items],
        batch_size=2000,
    )  # fmt: skip


def _client_no_of(row) -> str:
    return str(row.get("client_no") or "")[:20] if isinstance(row, dict) else ""
