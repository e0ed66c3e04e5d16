"""The churn list, the retention board, the access log and the unmasked exports on
crm.tables: sortable headers on their filter sets' `?ordering=`, a total under each,
each person's choice of columns, and a bad ordering ignored on the web, 400 in the API."""

import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.filters import ChurnFilterSet, RetentionCaseFilterSet
from clients.models import Client, RetentionCase
from clients.tables import ChurnTable, RetentionTable
from crm import services
from crm.filters import AccessLogFilterSet, ExportRequestFilterSet
from crm.models import AccessLog, ExportRequest, TablePreference
from crm.references import person_label
from crm.tables import TABLES, AccessLogTable, ExportRequestTable
from crm.workdays import SHANGHAI
from tests.factories import make_client

TABLE_FILTERS = [
    (ChurnTable, ChurnFilterSet),
    (RetentionTable, RetentionCaseFilterSet),
    (AccessLogTable, AccessLogFilterSet),
    (ExportRequestTable, ExportRequestFilterSet),
]


def header(html: str) -> str:
    return html.split("<thead>")[1].split("</thead>")[0]


def row_ids(html: str, prefix: str) -> list[int]:
    return [int(pk) for pk in re.findall(rf'<tr id="{prefix}-(\d+)"', html)]


@pytest.mark.parametrize("table, filterset", TABLE_FILTERS)
def test_every_sortable_column_is_an_order_of_the_filter_set(table, filterset):
    orders = filterset.base_filters["ordering"].orders
    assert set(table.sort_names.values()) <= set(orders)
    assert {table.sort_names.get(c, c) for c in table.base_columns} & set(orders), table
    assert TABLES[table.key] is table  # crm:table-columns accepts the list


@pytest.fixture
def risky(org):
    made = []
    for i, score in enumerate([40, 90, 60]):
        c = make_client(org.am, name=f"客户{i}", client_no=f"110000000{i}")
        Client.objects.filter(pk=c.pk).update(churn_score=score, churn_reasons=["exit_request"])
        made.append(c)
    quiet = make_client(org.am, name="无风险", client_no="1100000009")
    return made, quiet


def test_churn_list_sorts_by_risk_shows_the_total_and_filters(client, org, risky):
    (low, high, mid), _quiet = risky
    client.force_login(org.bm)
    html = client.get(reverse("clients:churn")).content.decode()
    assert row_ids(html, "risk") == [high.pk, mid.pk, low.pk]  # highest risk first
    assert "ordering=-churn_score" in header(html) and 'data-total="3"' in html
    assert "共 3 条" in html and "无风险" not in html and "ordering=tier" not in header(html)
    html = client.get(reverse("clients:churn"), {"ordering": "churn_score"}).content.decode()
    assert row_ids(html, "risk") == [low.pk, mid.pk, high.pk]
    assert 'aria-sort="ascending"' in header(html) and "ordering=-churn_score" in header(html)
    html = client.get(reverse("clients:churn"), {"churn_min": 50}).content.decode()
    assert row_ids(html, "risk") == [high.pk, mid.pk]
    client.force_login(org.bm_sh)  # another branch's clients are not listed
    assert row_ids(client.get(reverse("clients:churn")).content.decode(), "risk") == []


def open_case(org, c, score, days_ago):
    return RetentionCase.objects.create(
        client=c, branch=org.bj, owner=org.am, score_at_open=score,
        opened_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip


def test_retention_board_sorts_keeps_its_tabs_and_shows_the_total(client, org, risky):
    (low, high, mid), _quiet = risky
    a, b = open_case(org, low, 40, 1), open_case(org, high, 90, 5)
    closed = open_case(org, mid, 60, 9)
    RetentionCase.objects.filter(pk=closed.pk).update(status="closed", outcome="retained")
    client.force_login(org.bm)
    html = client.get(reverse("clients:retention-board")).content.decode()
    assert row_ids(html, "case") == [a.pk, b.pk] and 'data-total="2"' in html
    html = client.get(
        reverse("clients:retention-board"), {"ordering": "-score_at_open"}
    ).content.decode()
    assert row_ids(html, "case") == [b.pk, a.pk]
    assert "status=closed" in html and "ordering=-score_at_open" in html  # tabs keep the sort
    html = client.get(reverse("clients:retention-board"), {"status": "closed"}).content.decode()
    assert row_ids(html, "case") == [closed.pk] and "已挽留" in html
    client.force_login(org.am2)  # an account manager sees their own cases only
    assert row_ids(client.get(reverse("clients:retention-board")).content.decode(), "case") == []


@pytest.fixture
def logged(org):
    zhang = make_client(org.am, name="张三", client_no="1100000001")
    entries = []
    for i, user in enumerate([org.am, org.bm, org.am2]):
        e = services.access_log_record(user=user, obj=zhang, field="id_number", action="reveal")
        at = datetime(2026, 3, 1 + i, 10, 0, tzinfo=SHANGHAI)
        AccessLog.objects.filter(pk=e.pk).update(occurred_at=at)
        entries.append(e)
    return entries


def test_access_log_sorts_by_time_filters_by_person_and_shows_the_total(client, org, logged):
    first, second, third = logged
    client.force_login(org.compliance)
    html = client.get(reverse("crm:access-log")).content.decode().replace("&middot;", "·")
    assert row_ids(html, "entry") == [third.pk, second.pk, first.pk]
    assert "ordering=-occurred_at" in header(html) and "共 3 条" in html
    assert f">{person_label(org.bm)}</a>" in html and "证件号码" in html
    html = client.get(reverse("crm:access-log"), {"ordering": "occurred_at"}).content.decode()
    assert row_ids(html, "entry") == [first.pk, second.pk, third.pk]
    html = client.get(
        reverse("crm:access-log"), {"user": org.bm.username, "ordering": "occurred_at"}
    ).content.decode()
    assert row_ids(html, "entry") == [second.pk] and 'data-total="1"' in html
    # the person's link keeps the other filters and the order, back on the first page
    assert f'href="?user={org.bm.username}&amp;ordering=occurred_at"' in html


def request_export(org, user, i):
    return services.export_request_create(
        user=user, kind="clients", params={"q": [f"{i}"]}, reason=f"原因 {i} 说明"
    )


def test_exports_sort_filter_by_status_and_keep_their_buttons(client, org):
    first, second = request_export(org, org.am, 1), request_export(org, org.am, 2)
    ExportRequest.objects.filter(pk=first.pk).update(requested_at=timezone.now() - timedelta(1))
    client.force_login(org.am)
    html = client.get(reverse("crm:exports")).content.decode()
    assert row_ids(html, "export") == [second.pk, first.pk] and "共 2 条" in html
    html = client.get(reverse("crm:exports"), {"ordering": "requested_at"}).content.decode()
    assert row_ids(html, "export") == [first.pk, second.pk]
    services.export_request_decide(user=org.bm, export_request=second, approve=True, note="")
    html = client.get(reverse("crm:exports"), {"status": "approved"}).content.decode()
    assert row_ids(html, "export") == [second.pk]
    assert reverse("crm:export-download", args=[second.pk]) in html  # the one download
    assert 'name="csrfmiddlewaretoken"' in html


@pytest.mark.parametrize("bad", ["bogus", "-", "occurred_at,bogus", "x" * 500, "客户"])
def test_a_bad_ordering_is_ignored_on_the_web_and_refused_by_the_api(client, org, bad):
    client.force_login(org.bm)
    for url in ("clients:churn", "clients:retention-board", "crm:access-log", "crm:exports"):
        response = client.get(reverse(url), {"ordering": bad})
        assert response.status_code == 200, url
    api = APIClient()
    api.force_authenticate(org.bm)
    assert api.get("/api/v1/access-logs/", {"ordering": bad}).status_code == 400
    assert api.get("/api/v1/retention-cases/", {"ordering": bad}).status_code == 400


@pytest.mark.parametrize(
    "key, url, hide, header_text",
    [("churn", "clients:churn", "owner", "客户经理"),
     ("retention", "clients:retention-board", "owner", "客户经理"),
     ("access-log", "crm:access-log", "ip_address", "IP"),
     ("exports", "crm:exports", "reason", "原因")],
)  # fmt: skip
def test_column_choice_is_saved_per_list(client, org, key, url, hide, header_text):
    table = TABLES[key]
    client.force_login(org.bm)
    assert header_text in header(client.get(reverse(url)).content.decode())
    keep = [c for c in table.hideable() if c != hide]
    response = client.post(reverse("crm:table-columns", args=[key]), {"column": keep})
    assert response.status_code == 302
    assert TablePreference.objects.get(user=org.bm, table=key).columns == [
        c for c in table.base_columns if c != hide
    ]
    assert header_text not in header(client.get(reverse(url)).content.decode())
    bad = client.post(reverse("crm:table-columns", args=[key]), {"column": ["nosuch"]})
    assert bad.status_code == 400
