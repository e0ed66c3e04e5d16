"""The visit lists on crm.tables: visit plans, consultation sheets and events sort by
their headers through the filter sets' `ordering` (the API's), ignore a bad order, show
their total and each person's choice of columns."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from crm.models import TablePreference
from crm.tables import TABLES
from tests.factories import VisitPlanFactory, make_client
from visits import services
from visits.filters import ConsultationFilterSet, EventFilterSet, VisitPlanFilterSet
from visits.tables import ConsultationTable, EventTable, VisitPlanTable


def header(html: str) -> str:
    return html.split("<thead>")[1].split("</thead>")[0]


def row_ids(html: str, prefix: str) -> list[int]:
    return [int(pk) for pk in re.findall(rf'<tr id="{prefix}-(\d+)"', html)]


@pytest.mark.parametrize(
    "table, filterset",
    [
        (VisitPlanTable, VisitPlanFilterSet),
        (ConsultationTable, ConsultationFilterSet),
        (EventTable, EventFilterSet),
    ],
)
def test_sortable_columns_are_the_filter_sets_orders(table, filterset):
    orders = filterset.base_filters["ordering"].orders
    names = {table.sort_names.get(c, c) for c in table.base_columns}
    assert names & set(orders) == set(orders)  # every order has its column
    assert TABLES[table.key] is table


def test_visit_plans_sort_by_planned_for_with_a_total_and_columns(client, org):
    made = [
        VisitPlanFactory(
            user=org.am,
            client=make_client(org.am, client_no=f"110000000{i}", name=f"客户{i}"),
            planned_at=timezone.now() + timedelta(days=days),
        )
        for i, days in enumerate((3, 1, 2))
    ]
    client.force_login(org.bm)
    url = reverse("visits:list")
    html = client.get(url).content.decode()
    assert row_ids(html, "plan") == [made[0].pk, made[2].pk, made[1].pk]  # latest first
    assert "ordering=planned_at" in header(html) and "共 3 条" in html
    assert "客户经理" in header(html) and "地点" not in header(html)  # place hidden by default
    html = client.get(url, {"ordering": "planned_at"}).content.decode()
    assert row_ids(html, "plan") == [made[1].pk, made[2].pk, made[0].pk]
    assert 'aria-sort="ascending"' in header(html)
    for bad in ("bogus", "-", "x" * 500, "客户"):
        response = client.get(url, {"ordering": bad})
        assert response.status_code == 200
        assert row_ids(response.content.decode(), "plan") == [made[0].pk, made[2].pk, made[1].pk]

    columns = reverse("crm:table-columns", args=["visit_plans"])
    assert client.post(columns, {"column": ["place", "status"], "next": url}).status_code == 302
    assert TablePreference.objects.get(user=org.bm, table="visit_plans").columns == [
        "planned_at", "place", "status"
    ]  # fmt: skip
    head = header(client.get(url).content.decode())
    assert "地点" in head and "客户经理" not in head
    assert client.post(columns, {"column": ["nosuch"]}).status_code == 400


def test_consultations_sort_by_filed_at_and_keep_the_open_default(client, org):
    cl = make_client(org.am)
    sheets = [
        services.consultation_file(user=org.am, client=cl, advisor=org.advisor, question=q)
        for q in ("甲", "乙")
    ]
    client.force_login(org.bm)
    url = reverse("visits:consultations")
    html = client.get(url).content.decode()
    assert sorted(row_ids(html, "sheet")) == sorted(s.pk for s in sheets)
    assert "共 2 条" in html and "ordering=due_at" in header(html)
    assert "创建时间" in header(html) and "ordering=-created_at" in header(html)
    html = client.get(url, {"ordering": "-created_at", "status": "open"}).content.decode()
    assert 'aria-sort="descending"' in header(html) and "ordering=created_at" in header(html)
    assert row_ids(html, "sheet") == [sheets[1].pk, sheets[0].pk]
    assert client.get(url, {"ordering": "bogus"}).status_code == 200
    assert row_ids(client.get(url, {"status": "answered"}).content.decode(), "sheet") == []


def test_events_sort_by_start_and_show_the_total(client, org):
    now = timezone.now()
    events = [
        services.event_create(user=org.bm, kind="vip", title=f"联谊会{i}", place="营业部",
                              starts_at=now + timedelta(days=days))
        for i, days in enumerate((2, 5, 1))
    ]  # fmt: skip
    client.force_login(org.bm)
    url = reverse("visits:events")
    html = client.get(url).content.decode()
    assert row_ids(html, "event") == [events[1].pk, events[0].pk, events[2].pk]
    assert "共 3 条" in html and "ordering=starts_at" in header(html)
    html = client.get(url, {"ordering": "starts_at"}).content.decode()
    assert row_ids(html, "event") == [events[2].pk, events[0].pk, events[1].pk]
    assert client.get(url, {"ordering": "bogus"}).status_code == 200


@pytest.mark.parametrize("path", ["visit-plans", "consultations", "events"])
def test_the_api_refuses_the_order_the_web_list_ignores(org, path):
    api = APIClient()
    api.force_authenticate(org.bm)
    assert api.get(f"/api/v1/{path}/", {"ordering": "bogus"}).status_code == 400
    assert api.get(f"/api/v1/{path}/", {"ordering": "-created_at" if path == "consultations"
                                        else "planned_at" if path == "visit-plans"
                                        else "starts_at"}).status_code == 200  # fmt: skip
