"""The lists on crm.tables: sortable headers on the filter sets' `?ordering=` (the API's
parameter), a total under every list (exact, or estimated beyond a cap), and each
person's choice of columns."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from callcenter.filters import CallFilterSet
from callcenter.tables import CallTable
from clients.filters import ClientFilterSet
from clients.models import Client
from clients.tables import ClientTable
from complaints.filters import ComplaintFilterSet
from complaints.tables import ComplaintTable
from crm import paging
from crm.filters import TodoFilterSet
from crm.models import TablePreference, Todo
from crm.tables import TABLES, TodoTable
from tests.factories import ComplaintFactory, make_client

# each table with the filter set whose `ordering` it links to
TABLE_FILTERS = [
    (ClientTable, ClientFilterSet),
    (ComplaintTable, ComplaintFilterSet),
    (TodoTable, TodoFilterSet),
    (CallTable, CallFilterSet),
]


def header(html: str) -> str:
    return html.split("<thead>")[1].split("</thead>")[0]


def row_ids(html: str, prefix: str) -> list[int]:
    return [int(pk) for pk in re.findall(rf'<tr id="{prefix}-(\d+)"', html)]


@pytest.mark.parametrize("table, filterset", TABLE_FILTERS)
def test_every_order_of_a_filter_set_is_a_column_and_every_sort_is_an_order(table, filterset):
    """One place for what may be sorted: the filter set's OrderingFilter; the table's
    sortable columns are exactly the orders it has a column for."""
    orders = filterset.base_filters["ordering"].orders
    names = {table.sort_names.get(c, c) for c in table.base_columns}
    assert set(table.sort_names.values()) <= set(orders)
    sortable = names & set(orders)
    assert sortable, table
    assert TABLES[table.key] is table


def test_client_headers_link_to_the_api_orders_and_show_the_active_one(client, org):
    for i, assets in enumerate([500, 90_000_000, 20_000]):
        made = make_client(org.am, name=f"客户{i}", client_no=f"110000000{i}")
        Client.objects.filter(pk=made.pk).update(avg_assets=assets)  # the nightly job's
    client.force_login(org.bm)
    html = client.get(reverse("clients:list")).content.decode()
    head = header(html)
    for param in ("client_no", "name", "-opened_on", "completeness", "-avg_assets"):
        assert f"ordering={param}" in head, param
    assert "ordering=stage" not in head and "ordering=phone" not in head
    assert "¥9,000.00万" in html and "¥2.00万" in html and "¥500<" in html  # |yuan_short

    html = client.get(reverse("clients:list"), {"ordering": "-avg_assets"}).content.decode()
    names = re.findall(r'<a href="/clients/\d+/">([^<]+)</a>', html)
    assert names == ["客户1", "客户2", "客户0"]
    assert 'aria-sort="descending"' in header(html) and "ordering=avg_assets" in header(html)
    html = client.get(reverse("clients:list"), {"ordering": "avg_assets"}).content.decode()
    assert re.findall(r'<a href="/clients/\d+/">([^<]+)</a>', html) == ["客户0", "客户2", "客户1"]


@pytest.mark.parametrize("ordering", ["received_at", "-received_at", "resolution_due_at",
                                      "-resolution_due_at", "severity", "-severity"])  # fmt: skip
def test_desk_sorts_like_the_api(client, org, ordering):
    for severity in (3, 1, 5):
        ComplaintFactory(client=make_client(org.am), severity=severity)
    client.force_login(org.bm)
    html = client.get(reverse("complaints:desk"), {"ordering": ordering}).content.decode()
    api = APIClient()
    api.force_authenticate(org.bm)
    rest = api.get("/api/v1/complaints/", {"ordering": ordering, "open": "true"}).json()
    assert row_ids(html, "complaint") == [r["id"] for r in rest["results"]]
    assert len(row_ids(html, "complaint")) == 3


@pytest.mark.parametrize("bad", ["bogus", "-", "severity,bogus", "x" * 500, "客户"])
def test_a_bad_ordering_is_ignored_on_the_web_and_refused_by_the_api(client, org, bad):
    ComplaintFactory(client=make_client(org.am))
    client.force_login(org.bm)
    for url in ("complaints:desk", "clients:list", "crm:todo-list"):
        response = client.get(reverse(url), {"ordering": bad, "sort": bad})
        assert response.status_code == 200, url
    api = APIClient()
    api.force_authenticate(org.bm)
    assert api.get("/api/v1/complaints/", {"ordering": bad}).status_code == 400


def test_todo_list_sorts_by_title_and_pages_with_a_total(client, org):
    now = timezone.now()
    for i, title in enumerate(["乙", "甲", "丙"]):
        Todo.objects.create(
            title=title,
            assignee=org.am,
            created_by=org.am,
            branch=org.bj,
            due_at=now + timedelta(days=i),
        )
    client.force_login(org.am)
    html = client.get(reverse("crm:todo-list"), {"ordering": "title"}).content.decode()
    titles = re.findall(r'<a href="/todos/\d+/">([^<]+)</a>', html)
    assert titles == sorted(titles) and len(titles) == 3
    assert 'data-total="3"' in html and "共 3 条" in html


def test_the_total_is_exact_up_to_the_cap_then_estimated(org, monkeypatch):
    for i in range(4):
        make_client(org.am, name=f"客户{i}")
    qs = Client.objects.all()
    assert paging.cheap_total(qs, exact_up_to=10) == (4, False)
    total, estimated = paging.cheap_total(qs, exact_up_to=2)
    assert estimated and total >= 3  # at least the rows counted, else the planner's figure


def test_an_estimated_total_reads_about_n(client, org, monkeypatch):
    for i in range(3):
        make_client(org.am, name=f"客户{i}")
    monkeypatch.setattr(paging, "EXACT_UP_TO", 1)
    monkeypatch.setattr(paging, "estimated_rows", lambda qs: 12345)
    client.force_login(org.bm)
    html = client.get(reverse("clients:list")).content.decode()
    assert "约 12,345 条" in html


def test_column_choice_is_saved_per_person_and_checked(client, org):
    make_client(org.am, name="王五", client_no="1100000009")
    url = reverse("crm:table-columns", args=["clients"])
    client.force_login(org.bm)
    response = client.post(url, {"column": ["stage", "assets"], "next": "/clients/"})
    assert response.status_code == 302 and response["Location"] == "/clients/"
    saved = TablePreference.objects.get(user=org.bm, table="clients")
    assert saved.columns == ["select", "name", "stage", "assets"]  # required ones kept
    html = client.get(reverse("clients:list")).content.decode()
    head = header(html)
    assert "阶段" in head and "客户经理" not in head and "手机" not in head
    assert "王五" in html

    # someone else still sees the default columns
    client.force_login(org.bm_sh)
    assert "客户经理" in header(client.get(reverse("clients:list")).content.decode())

    # an unknown column or list changes nothing
    client.force_login(org.bm)
    response = client.post(url, {"column": ["stage", "id_number"]})
    assert response.status_code == 400 and "没有" in response.content.decode()
    assert TablePreference.objects.get(user=org.bm, table="clients").columns == saved.columns
    missing = client.post(reverse("crm:table-columns", args=["nosuch"]), {"column": ["x"]})
    assert missing.status_code == 404

    # back to the default
    assert client.post(url, {"reset": "1"}).status_code == 302
    assert not TablePreference.objects.filter(user=org.bm).exists()
    assert "客户经理" in header(client.get(reverse("clients:list")).content.decode())


def test_a_saved_column_since_removed_is_dropped(client, org):
    TablePreference.objects.create(user=org.bm, table="complaints", columns=["gone", "status"])
    client.force_login(org.bm)
    response = client.get(reverse("complaints:desk"))
    assert response.status_code == 200
    head = header(response.content.decode())
    assert "状态" in head and "类别" not in head


def test_desk_filters_status_as_checks_and_severity_as_levels(client, org):
    ComplaintFactory(client=make_client(org.am), severity=4)
    ComplaintFactory(client=make_client(org.am), severity=2, status="acknowledged")
    client.force_login(org.bm)
    html = client.get(reverse("complaints:desk")).content.decode()
    assert 'type="checkbox" name="status"' in html and '<select name="status"' not in html
    assert re.search(r'name="severity".*?<option value="5"[^>]*>5 · 特别严重<', html, re.S)
    html = client.get(
        reverse("complaints:desk"), {"status": ["received"], "severity": "4"}
    ).content.decode()
    assert len(row_ids(html, "complaint")) == 1
    html = client.get(reverse("complaints:desk"), {"severity": "9"}).content.decode()
    assert len(row_ids(html, "complaint")) == 2  # out of range: ignored on the web
    api = APIClient()
    api.force_authenticate(org.bm)
    assert api.get("/api/v1/complaints/", {"severity": "9"}).status_code == 400
    assert len(api.get("/api/v1/complaints/", {"severity": "4"}).json()["results"]) == 1


def test_out_of_scope_rows_are_never_listed(client, org):
    mine = ComplaintFactory(client=make_client(org.am))
    other = ComplaintFactory(client=make_client(org.am_sh))
    client.force_login(org.bm)
    for ordering in ("", "severity", "-received_at"):
        html = client.get(reverse("complaints:desk"), {"ordering": ordering}).content.decode()
        assert row_ids(html, "complaint") == [mine.pk]
        assert 'data-total="1"' in html
    assert other.pk not in row_ids(client.get(reverse("complaints:desk")).content.decode(), "x")
