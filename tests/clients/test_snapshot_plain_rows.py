"""The plain snapshot rows take one test a row (clients.services.snapshots._plain_lines),
the others the checks field by field: every row, plain or not, gets the same result
either way (the same errors, the same figures stored, the same monthly rollups)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from clients.models import AccountSnapshot, ClientMonth, Holding
from clients.services import snapshots, snapshots_upsert
from tests.factories import make_client

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _edge_rows() -> list:
    today = timezone.localdate()
    base = {"client_no": "3170000001", "total_assets": "10.00"}
    days = iter(date(2025, 1, 1) + timedelta(days=n) for n in range(400))

    def row(**fields):
        return {**base, "date": next(days).isoformat(), **fields}

    return [
        row(),
        row(total_assets="123456789012345.99", cash="0", net_inflow="-12.5", trade_count="7"),
        row(total_assets=5, cash=0, trade_count=0, commission=1.25, trading_volume=1e2),
        row(total_assets="1234567890123456"),  # 16 digits: the checked path, in range
        row(total_assets="1.005"), row(total_assets="-1"), row(total_assets=""),
        row(total_assets=None), row(total_assets="1e3"), row(total_assets=" 12"),
        row(total_assets=True), row(total_assets=0), row(net_inflow="-0"),
        row(cash=""), row(cash=None), row(cash="-1"), row(market_value="1.5.0"),
        row(trade_count=""), row(trade_count=None), row(trade_count="123456789"),
        row(trade_count="1234567890"), row(trade_count="0012"),
        row(trade_count="2147483647", date="2024-06-03"),  # alone in its month
        row(date="2010-01-04"), row(cash=1.5, net_inflow="-1.25", market_value=7),
        row(client_no="A-1_b"), row(total_assets="1\t2"), row(total_assets="12\n"),
        row(trade_count="2147483648"), row(trade_count="-1"), row(trade_count=3.7),
        row(trade_count=True), row(trade_count=" 4 "), row(trade_count="99999999999"),
        row(date="2025-02-30"), row(date="2025-13-01"), row(date="1900-12-31"),
        row(date="20250105"), row(date="2025-01-05T10:00:00"), row(date=None),
        row(date=(today + timedelta(days=1)).isoformat()), row(date=today.isoformat()),
        row(date=date(2025, 3, 3)), row(date="2025-3-3"),
        row(client_no=0), row(client_no="0"), row(client_no=True), row(client_no=False),
        row(client_no="true"), row(client_no=" 3170000002 "), row(client_no=3170000002),
        row(client_no="3170000003"), row(client_no="9999999999"), row(client_no=""),
        row(client_no=None), row(client_no={}),
        row(client_no=[3170000002]), row(client_no="3170000001\n"),
        row(holdings=None), row(holdings=[]),
        row(holdings=[{"security_code": "600519", "quantity": 1, "price": "10"}]),
        row(holdings="x"), row(extra="ignored"),
        "not an object", None, [1, 2], 5,
        # the same key twice: the last wins, holdings of a key only from its last row
        {**base, "date": "2024-12-01", "holdings": [{"security_code": "1", "quantity": 1}]},
        {**base, "date": "2024-12-01", "total_assets": "11"},
        {**base, "date": "2024-12-02", "total_assets": "11"},
        {**base, "date": "2024-12-02", "holdings": [{"security_code": "2", "quantity": 1}]},
    ]  # fmt: skip


def _state() -> tuple:
    return (
        sorted(AccountSnapshot.objects.values_list(
            "client__client_no", "date", "total_assets", "cash", "market_value", "net_inflow",
            "trading_volume", "commission", "trade_count")),
        sorted(Holding.objects.values_list("client__client_no", "date", "security_code")),
        sorted(ClientMonth.objects.values_list(
            "client__client_no", "month", "days", "assets_sum", "avg_assets", "trading_volume",
            "commission", "trade_count", "net_inflow", "turnover")),
    )  # fmt: skip


def _run(org, rows) -> tuple:
    try:
        with transaction.atomic():
            result = snapshots_upsert(user=org.am, rows=rows).as_dict()
            again = snapshots_upsert(user=org.am, rows=rows).as_dict()
            state = _state()
            raise _Undo
    except _Undo:
        pass
    return result, again, state


def test_plain_rows_get_what_the_checks_give(org, monkeypatch):
    for n in (1, 2, 3):
        make_client(org.am, client_no=f"317000000{n}")
    make_client(org.am_sh, name="上海客户", client_no="3170000009")
    rows = [*_edge_rows(), {"client_no": "3170000009", "date": "2025-01-01",
                            "total_assets": "1"}]  # fmt: skip
    fast, others = snapshots._plain_lines(rows, timezone.localdate())
    assert len(fast) > 10 and len(others) > 40  # the rows reach both ways
    plain = _run(org, rows)
    monkeypatch.setattr(snapshots, "_plain_lines", lambda rows, today: ([], range(len(rows))))
    checked = _run(org, rows)
    assert plain == checked
    result, again, (facts, holdings, _months) = plain
    assert result["stored"] > 20 and result["errors"]
    assert again["unchanged"] == again["stored"] and again["created"] == 0
    assert ("3170000001", date(2024, 12, 1), "1") not in holdings
    assert ("3170000001", date(2024, 12, 2), "2") in holdings
    assert (Decimal("123456789012345.99"), 7) in {(f[2], f[8]) for f in facts}
