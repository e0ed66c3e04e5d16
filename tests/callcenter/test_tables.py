"""The call centre lists on crm.tables: the inspection rounds sort by their headers
through the filter set's `ordering`, ignore a bad order, show their total and each
person's choice of columns, in a fixed number of queries."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from callcenter import selectors
from callcenter.filters import CallbackFilterSet, InspectionRoundFilterSet
from callcenter.models import InspectionRound
from callcenter.tables import CallbackTable, InspectionRoundTable
from crm.tables import TABLES
from tests.factories import CallbackFactory, make_client


def header(html: str) -> str:
    return html.split("<thead>")[1].split("</thead>")[0]


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="round-(\d+)"', html)]


def rounds(org, n=3):
    today = timezone.localdate()
    made = []
    for i, (branch, back) in enumerate([(org.bj, 10), (org.bj, 30), (org.sh, 20)][:n]):
        made.append(InspectionRound.objects.create(
            branch=branch, period_start=today - timedelta(days=back), period_end=today,
            created_by=org.hq, created_at=timezone.now() - timedelta(hours=i),
        ))  # fmt: skip
    return made


@pytest.mark.parametrize(
    "table, filterset",
    [(InspectionRoundTable, InspectionRoundFilterSet), (CallbackTable, CallbackFilterSet)],
)
def test_every_order_is_a_column(table, filterset):
    orders = filterset.base_filters["ordering"].orders
    assert set(orders) <= set(table.base_columns)
    assert TABLES[table.key] is table


def test_callback_queue_tabs_sort_by_due_and_agree_with_the_workbench(client, org):
    now = timezone.now()
    pool = [
        CallbackFactory(client=make_client(org.am, client_no=f"110000000{i}", name=f"客户{i}",
                                           phone=f"1390000000{i}"), due_at=now - timedelta(hours=h))
        for i, h in enumerate((1, 5, 3))
    ]  # fmt: skip
    mine = CallbackFactory(
        client=make_client(org.am, client_no="1100000009", phone="13900000009"),
        claimed_by=org.agent, due_at=now + timedelta(hours=2),
    )  # fmt: skip
    url = reverse("callcenter:queue")
    client.force_login(org.agent)
    html = client.get(url, {"tab": "pool"}).content.decode()
    ids = [int(pk) for pk in re.findall(r'<tr id="callback-(\d+)"', html)]
    assert ids == [pool[1].pk, pool[2].pk, pool[0].pk]  # soonest due first
    assert "共 3 条" in html and "ordering=due_at" in header(html)
    assert "139****0001" not in html  # the phone column is hidden until chosen
    html = client.get(url, {"tab": "pool", "ordering": "-due_at"}).content.decode()
    ids = [int(pk) for pk in re.findall(r'<tr id="callback-(\d+)"', html)]
    assert ids == [pool[0].pk, pool[2].pk, pool[1].pk]
    assert 'aria-sort="descending"' in header(html)
    bad = client.get(url, {"tab": "pool", "ordering": "bogus"})
    assert bad.status_code == 200 and "共 3 条" in bad.content.decode()

    html = client.get(url, {"tab": "mine"}).content.decode()
    assert f'id="callback-{mine.pk}"' in html and "共 1 条" in html
    for tab in selectors.TABS:  # each tab's total is the workbench's count of that queue
        html = client.get(url, {"tab": tab}).content.decode()
        total = selectors.queue(org.agent, tab, timezone.now()).count()
        assert f'data-total="{total}"' in html, tab
    workbench = client.get(reverse("crm:workbench")).content.decode()
    assert 'id="section-callbacks" data-total="1"' in workbench
    assert 'id="section-callback_pool" data-total="3"' in workbench

    columns = reverse("crm:table-columns", args=["callbacks"])
    assert client.post(columns, {"column": ["phone", "due_at"], "next": url}).status_code == 302
    html = client.get(url, {"tab": "pool"}).content.decode()
    assert "139****0001" in html and "拨打尝试" not in header(html)


def test_inspection_rounds_sort_show_the_total_and_keep_to_the_branch(client, org):
    newest, oldest_period, other_branch = rounds(org)
    url = reverse("callcenter:inspections")
    client.force_login(org.hq)
    html = client.get(url).content.decode()
    assert row_ids(html) == [newest.pk, oldest_period.pk, other_branch.pk]  # newest first
    assert "共 3 条" in html
    head = header(html)
    assert "ordering=created_at" in head and "ordering=-period_start" in head
    html = client.get(url, {"ordering": "period_start"}).content.decode()
    assert row_ids(html) == [oldest_period.pk, other_branch.pk, newest.pk]
    assert 'aria-sort="ascending"' in header(html)
    for bad in ("bogus", "-", "x" * 500, "分行"):
        response = client.get(url, {"ordering": bad})
        assert response.status_code == 200 and row_ids(response.content.decode()) == [
            newest.pk, oldest_period.pk, other_branch.pk
        ]  # fmt: skip

    client.force_login(org.bm)  # a branch sees its own rounds only
    html = client.get(url, {"ordering": "-period_start"}).content.decode()
    assert row_ids(html) == [newest.pk, oldest_period.pk] and "共 2 条" in html
    assert "抽样人" not in header(html)
    columns = reverse("crm:table-columns", args=["inspections"])
    assert client.post(columns, {"column": ["created_by"], "next": url}).status_code == 302
    head = header(client.get(url).content.decode())
    assert "抽样人" in head and "抽样时间" not in head


@pytest.mark.parametrize("n", [1, 3])
def test_inspection_list_query_count(client, org, query_baseline, n):
    rounds(org, n)
    client.force_login(org.hq)
    with query_baseline("callcenter:inspections"):
        assert client.get(reverse("callcenter:inspections")).status_code == 200


def test_the_callback_api_refuses_the_order_the_queue_ignores(org):
    api = APIClient()
    api.force_authenticate(org.agent)
    assert api.get("/api/v1/callbacks/", {"ordering": "bogus"}).status_code == 400
    assert api.get("/api/v1/callbacks/", {"ordering": "-due_at"}).status_code == 200
