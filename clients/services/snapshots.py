"""Account facts from the trading system: daily snapshots and holdings, upserted in bulk."""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


_FUTURE = gettext_lazy("The date cannot be in the future.")  # translated only when shown


def _parse_snapshot_row(row, today: date) -> tuple[dict | None, dict]:
    errors: dict[str, list] = {}
    if not isinstance(row, dict):
        return None, {"non_field_errors": [_("Each row must be an object.")]}
    client_no = str(row.get("client_no") or "").strip()
    if not client_no:
        errors["client_no"] = [_("This field is required.")]
    elif "\x00" in client_no:  # PostgreSQL refuses NUL in text (found by fuzzing)
        errors["client_no"] = [_("Remove the NUL character.")]
    day = parse_date(row.get("date"), "date", errors, today, _FUTURE)
    parsed: dict[str, Any] = {"client_no": client_no, "date": day}
    for name in SNAPSHOT_NUMBERS:
        parsed[name] = _number(
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


# A plain number as the trading system sends it: up to 15 digits and 2 decimals, so
# already within range and exact to the cent; it goes to PostgreSQL as it is (COPY)
# instead of through Decimal. Anything else takes the checked path (_decimal).
_PLAIN = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,2})?")
_SIGNED = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,2})?")


def _number(value, name, errors, *, required=False, minimum=None):
    kind = type(value)
    if kind is str or kind is int:
        text = value if kind is str else str(value)
        if (_SIGNED if minimum is None else _PLAIN).fullmatch(text):
            return text
    return _decimal(value, name, errors, required=required, minimum=minimum)


def _copy_text(text: str) -> str:
    """A text value in COPY's text format."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (text.replace("\\", "\\\\").replace("\t", "\\t")
                .replace("\n", "\\n").replace("\r", "\\r"))  # fmt: skip
    return text


_STAGE = "clients_snapshot_stage"
_STAGE_COLUMNS = ("idx", "client_no", "date", *SNAPSHOT_NUMBERS, "trade_count")


def _stage(cur, parsed: list[tuple[int, dict]]) -> None:
    """The parsed rows into a temporary staging table by COPY (one round trip, no SQL
    per row); the table lives as long as the connection and is emptied each call."""
    cur.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (idx integer, client_no text, "
        f"date date, {', '.join(f'{c} numeric' for c in SNAPSHOT_NUMBERS)}, "
        "trade_count integer) ON COMMIT DELETE ROWS"
    )
    cur.execute(f"TRUNCATE {_STAGE}")
    lines = [
        f"{index}\t{_copy_text(v['client_no'])}\t{v['date'].isoformat()}\t{v['total_assets']}\t"
        f"{v['cash']}\t{v['market_value']}\t{v['net_inflow']}\t{v['trading_volume']}\t"
        f"{v['commission']}\t{v['trade_count']}\n"
        for index, v in parsed
    ]
    cur.copy_expert(f"COPY {_STAGE} ({', '.join(_STAGE_COLUMNS)}) FROM STDIN",
                    io.StringIO("".join(lines)))  # fmt: skip
    # its row count and numbers: the joins below then walk the client number index
    cur.execute(f"ANALYZE {_STAGE} (client_no)")


def _lock_months(cur) -> None:
    """Wait for any other call writing the months of these rows, and hold them until
    commit: the next statement's snapshot then has that call's facts, which its month
    differences start from. In month order (two calls wait in the same order)."""
    cur.execute(
        "SELECT pg_advisory_xact_lock(hashtext('clients_month_facts'), m) FROM "
        "(SELECT DISTINCT (extract(year FROM date) * 12 + extract(month FROM date))::int AS m "
        f"FROM {_STAGE} ORDER BY 1) months"
    )


def snapshots_upsert(*, user, rows: list) -> BulkResult:
    """Upsert snapshots by (client number, date): the rows checked here, copied into a
    staging table (COPY), then one INSERT ... SELECT ... ON CONFLICT DO UPDATE that
    finds each row's client among those the user may see.

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
    if not parsed:
        return result
    visible, visible_params = (
        Client.objects.visible_to(user).order_by().values("id", "client_no").query.sql_with_params()
    )
    now = timezone.now()
    # Rows are written in one fixed order, (client, date), whatever the order sent: two
    # calls with overlapping rows then lock them in the same order, and the second waits
    # for the first instead of deadlocking with it. The last row of a key wins. The
    # holdings of a key are only written by the call holding that key's snapshot row.
    columns = ", ".join(SNAPSHOT_NUMBERS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*SNAPSHOT_NUMBERS, "trade_count",
                                                          "received_at"))  # fmt: skip
    compared = (*SNAPSHOT_NUMBERS, "trade_count")
    unchanged_old = ", ".join(f"clients_accountsnapshot.{c}" for c in compared)
    unchanged_new = ", ".join(f"EXCLUDED.{c}" for c in compared)
    facts = ("total_assets", "trading_volume", "commission", "trade_count", "net_inflow")
    # A partitioned table cannot return xmax (inserted or updated?): the keys that were
    # there, and their facts, are read in the same statement, whose snapshot is from
    # before the insert. The months of the rows written then move by the difference
    # (`ClientMonth`, kept as a sum so the average needs no re-read of the month's rows).
    # Two calls writing the same months run one after the other (_lock_months), so the
    # facts read as "old" are those the other call committed.
    upsert = (
        f"WITH src AS (SELECT DISTINCT ON (c.id, s.date) c.id AS client_id, s.date, "
        f"{', '.join(f's.{c}' for c in SNAPSHOT_NUMBERS)}, s.trade_count "
        f"FROM {_STAGE} s JOIN ({visible}) c ON c.client_no = s.client_no "
        "ORDER BY c.id, s.date, s.idx DESC), "
        f"old AS (SELECT a.client_id, a.date, {', '.join(f'a.{c}' for c in facts)} "
        "FROM clients_accountsnapshot a "
        # the call's dates as constants: the planner reads only their months' partitions
        "JOIN src ON a.client_id = src.client_id AND a.date = src.date "
        "WHERE a.date BETWEEN %s AND %s), "
        f"up AS (INSERT INTO clients_accountsnapshot (client_id, date, {columns}, "
        f"trade_count, received_at) SELECT src.*, %s::timestamptz FROM src "
        "ORDER BY src.client_id, src.date "
        f"ON CONFLICT (client_id, date) DO UPDATE SET {updates} "
        # the same row sent again writes nothing
        f"WHERE ({unchanged_old}) IS DISTINCT FROM ({unchanged_new}) "
        f"RETURNING client_id, date, {', '.join(facts)}), "
        "written AS (SELECT up.client_id, date_trunc('month', up.date)::date AS month, "
        "old.client_id IS NULL AS inserted, "
        + ", ".join(f"up.{c} - coalesce(old.{c}, 0) AS {c}" for c in facts)
        + ", CASE WHEN up.trade_count > 0 THEN up.date END AS traded_on, "
        # a day that had trades and has none now: its month's last trade is read again
        "coalesce(old.trade_count, 0) > 0 AND up.trade_count = 0 AS untraded "
        "FROM up LEFT JOIN old ON old.client_id = up.client_id AND old.date = up.date), "
        f"months AS ({client_months.moved_by('written')}) "
        "SELECT count(*) FILTER (WHERE inserted), count(*), "
        "array_agg(client_id) FILTER (WHERE untraded), array_agg(month) FILTER (WHERE untraded) "
        "FROM written"
    )
    with transaction.atomic():
        with connection.cursor() as cur:
            # the call's sorts and month sums in memory: 4 MB spilled 10,000 rows to disk
            cur.execute("SET LOCAL work_mem = '64MB'")
            _stage(cur, parsed)
            cur.execute(
                f"SELECT s.idx FROM {_STAGE} s WHERE NOT EXISTS "
                f"(SELECT 1 FROM ({visible}) c WHERE c.client_no = s.client_no)",
                visible_params,
            )
            unknown = {idx for (idx,) in cur.fetchall()}
            _lock_months(cur)
            dates = [values["date"] for _index, values in parsed]
            cur.execute(upsert, [*visible_params, min(dates), max(dates), now])
            created, written, untraded_clients, untraded_months = cur.fetchone()
            if untraded_clients:
                client_months.recompute_last_trade(untraded_clients, untraded_months)
        latest: dict[tuple[str, date], dict] = {}
        for index, values in parsed:
            if index in unknown:
                result.errors.append({"index": index, "client_no": values["client_no"],
                                      "errors": {"client_no": [_("No such client.")]}})  # fmt: skip
            else:
                latest[(values["client_no"], values["date"])] = values
        with_holdings = {key: v["holdings"] for key, v in latest.items()
                         if v["holdings"] is not None}  # fmt: skip
        if with_holdings:
            ids = dict(
                Client.objects.visible_to(user)
                .filter(client_no__in={no for no, _d in with_holdings})
                .values_list("client_no", "id")
            )
            by_id = {(ids[no], day): items for (no, day), items in with_holdings.items()}
            _replace_holdings(dict(sorted(by_id.items())))
        if latest:
            snapshots_changed()
    result.errors.sort(key=lambda e: e["index"])
    result.stored = len(latest)
    result.created = created
    result.updated = written - created
    result.unchanged = len(latest) - written
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
        # the positions by COPY, as the snapshots (the id from the table's sequence)
        lines = [
            f"{cid}\t{day.isoformat()}\t{_copy_text(h['security_code'])}\t"
            f"{_copy_text(h['security_name'])}\t{h['quantity']}\t{h['cost']}\t{h['price']}\n"
            for (cid, day), items in by_key.items()
            for h in items
        ]
        if lines:
            cur.copy_expert(
                f"COPY {Holding._meta.db_table} (client_id, date, security_code, "
                "security_name, quantity, cost, price) FROM STDIN",
                io.StringIO("".join(lines)),
            )


def _client_no_of(row) -> str:
    return str(row.get("client_no") or "")[:20] if isinstance(row, dict) else ""
