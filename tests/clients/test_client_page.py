"""The client 360 page: the frame answers first, the assets chart with the holdings, the
timeline and the change history follow in their own requests (clients.views.ClientPartView).
Each part is scoped like the page, runs a fixed number of queries, answers a partial to
HTMX and a whole page to a plain link, and writes no access log entry."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from clients import services
from clients.models import AccountSnapshot, Client, Holding
from crm.models import AccessLog
from tests.clients.test_api import ClientScopes
from tests.factories import make_client
from tests.roles import ORG_ROLE_USERS

ID = "11010519491231002X"
PARTS = ["clients:detail-assets", "clients:detail-timeline", "clients:detail-history"]
# what each part shows of the client made by `rich_client`
MARKS = {
    "clients:detail-assets": ["600519", 'id="asset-chart"', "asset-series"],
    "clients:detail-timeline": ['id="timeline"', "档案变更"],
    "clients:detail-history": ['id="history"', "地址3", "地址4"],
}
# roles that open the client page (every staff role); the integration account has no
# staff page, so it is refused (403) before the client is looked up
PAGE_ROLES = ["account_manager", "advisor", "service_agent", "branch_manager", "compliance", "hq"]


def rich_client(owner, months=3, changes=5):
    c = make_client(owner, name="赵明", client_no="1100000001", id_number=ID)
    AccountSnapshot.objects.bulk_create(
        AccountSnapshot(client=c, date=date(2025, 1, 1) + timedelta(days=30 * m),
                        total_assets=1_000_000 + m, cash=2_000, commission=m)
        for m in range(months)
    )  # fmt: skip
    Holding.objects.create(
        client=c, date=date(2025, 1, 1), security_code="600519", quantity=100, price=1500
    )
    for i in range(changes):
        services.client_update(
            user=owner, client=Client.objects.get(pk=c.pk), data={"address": f"地址{i}"}
        )
    return c


def in_scope(org, role):
    user = getattr(org, ORG_ROLE_USERS[role])
    c = rich_client(org.am)
    if role == "advisor":
        Client.objects.filter(pk=c.pk).update(advisor=user)
    return user, c


# --- The frame ----------------------------------------------------------------------------
@pytest.mark.parametrize("months", [2, 36])
def test_frame_query_count_is_fixed_and_leaves_the_parts_out(client, org, query_baseline, months):
    c = rich_client(org.am, months=months)
    client.force_login(org.am)
    with query_baseline("clients:detail"):
        response = client.get(reverse("clients:detail", args=[c.pk]))
    html = response.content.decode()
    figures = html.split('id="key-figures"')[1].split("</section>")[0]
    assert "¥1,000,0" in figures and "¥2,000.00" in figures  # the latest snapshot's figures
    for name in PARTS:  # each part is asked for after the frame, with a link without JS
        url = reverse(name, args=[c.pk])
        assert f'hx-get="{url}" hx-trigger="load"' in html
        assert f'<a class="ms-1" href="{url}">' in html
    # what the parts show is not in the frame
    assert 'id="holdings"' not in html and "地址3" not in html and "asset-series" not in html
    assert 'id="timeline"' not in html and 'id="history"' not in html


def test_frame_without_snapshots_says_so(client, org):
    c = make_client(org.am, name="钱亮", client_no="1100000002")
    client.force_login(org.am)
    html = client.get(reverse("clients:detail", args=[c.pk])).content.decode()
    assert "尚未收到账户数据" in html.split('id="key-figures"')[1].split("</section>")[0]


# --- Each part: query counts, content, partial or page --------------------------------------
@pytest.mark.parametrize("size", [(2, 1), (36, 12)])
@pytest.mark.parametrize("name", PARTS)
def test_part_query_count_is_fixed(client, org, query_baseline, name, size):
    months, changes = size
    c = rich_client(org.am, months=months, changes=changes)
    client.force_login(org.am)
    with query_baseline(name):
        response = client.get(reverse(name, args=[c.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<nav" not in html  # the partial alone
    assert "HX-Request" in response["Vary"]
    marks = MARKS[name] if changes > 4 else MARKS[name][:1]
    for mark in marks:
        assert mark in html, (name, mark)


@pytest.mark.parametrize("name", PARTS)
def test_part_opened_without_javascript_is_a_page_with_the_way_back(client, org, name):
    c = rich_client(org.am)
    client.force_login(org.am)
    response = client.get(reverse(name, args=[c.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert f'href="{c.get_absolute_url()}"' in html and "返回客户" in html
    assert MARKS[name][0] in html


def test_history_part_masks_the_phone_and_names_people(client, org):
    c = rich_client(org.am, changes=0)
    services.client_update(
        user=org.am, client=Client.objects.get(pk=c.pk), data={"phone": "13912345678"},
        reason="客户更换手机号",
    )  # fmt: skip
    client.force_login(org.agent)
    html = client.get(reverse("clients:detail-history", args=[c.pk]), HTTP_HX_REQUEST="true")
    html = html.content.decode()
    assert "139****5678" in html and "138****8000" in html and "客户更换手机号" in html
    assert not re.search(r"1[38]\d{9}", html)
    assert org.am.username not in html  # the person's name, not the login


# --- Scoping: each role, 404 out of scope, no access log -------------------------------------
@pytest.mark.parametrize("name", PARTS)
@pytest.mark.parametrize("role", PAGE_ROLES)
def test_each_role_opens_the_parts_of_a_client_in_scope(client, org, role, name):
    user, c = in_scope(org, role)
    client.force_login(user)
    response = client.get(reverse(name, args=[c.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200, (role, name)
    assert MARKS[name][0] in response.content.decode()


@pytest.mark.parametrize("name", PARTS)
@pytest.mark.parametrize("role", PAGE_ROLES)
def test_a_part_of_a_client_out_of_scope_is_404(client, org, role, name):
    user = getattr(org, ORG_ROLE_USERS[role])
    other = ClientScopes().make_out_of_scope(org, user)
    if other is None:
        pytest.skip(f"{role} sees every branch")
    if role == "account_manager":  # another account manager's client of the same branch
        other = make_client(org.am2, name="别人的客户", client_no="1100000009")
    client.force_login(user)
    for headers in ({"HTTP_HX_REQUEST": "true"}, {}):
        response = client.get(reverse(name, args=[other.pk]), **headers)
        assert response.status_code == 404, (role, name, headers)
        assert "上海客户" not in response.content.decode()
    assert client.get(reverse(name, args=[999_999])).status_code == 404


@pytest.mark.parametrize("name", PARTS)
def test_anonymous_and_the_integration_account_get_no_part(client, org, name):
    c = rich_client(org.am)
    response = client.get(reverse(name, args=[c.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(org.integration)
    assert client.get(reverse(name, args=[c.pk])).status_code == 403


def test_viewing_the_page_and_its_parts_writes_no_access_log(client, org):
    c = rich_client(org.am)
    client.force_login(org.bm)
    before = AccessLog.objects.count()
    for name in ["clients:detail", *PARTS]:
        assert client.get(reverse(name, args=[c.pk]), HTTP_HX_REQUEST="true").status_code == 200
    assert AccessLog.objects.count() == before  # only revealing a value is logged
    client.post(reverse("clients:reveal", args=[c.pk, "phone"]))
    assert AccessLog.objects.count() == before + 1
