"""The call centre lists on crm.tables: the inspection rounds sort by their headers
through the filter set's `ordering`, ignore a bad order, show their total and each
person's choice of columns, in a fixed number of queries."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from callcenter.filters import InspectionRoundFilterSet
from callcenter.models import InspectionRound
from callcenter.tables import InspectionRoundTable
from crm.tables import TABLES


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


def test_every_order_is_a_column():
    orders = InspectionRoundFilterSet.base_filters["ordering"].orders
    assert set(orders) <= set(InspectionRoundTable.base_columns)
    assert TABLES["inspections"] is InspectionRoundTable


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
