"""Notifications grouped by kind: one line per kind or subject, expandable, read by group
or all in one click, in a fixed number of queries; the unread badge stays right."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import services, sla
from crm.models import Notification, Todo
from crm.notifications import notification_groups, notification_mark_read
from crm.views.notifications import _policy_names, group_title

RISK = "client.risk_reassessment:escalation"


def flood(user, n_risk, n_other=3):
    """n_risk escalations of expired risk assessments (one per client, as the SLA scan
    sends them), a few todo reminders and a few untyped notices."""
    Notification.objects.bulk_create(
        [Notification(recipient=user, title=f"已超时并升级：客户{i:03d}的风险测评到期",
                      url=f"/clients/{i}/", level="danger", kind=RISK) for i in range(n_risk)]
        + [Notification(recipient=user, title=f"即将到期：待办{i}", kind="todo.due:warning",
                        level="warning") for i in range(n_other)]
        + [Notification(recipient=user, title="欢迎使用") for _ in range(2)]
    )  # fmt: skip


def unread(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def test_groups_summarise_by_kind(org):
    flood(org.am, 37)
    rows = {r["group"]: r for r in notification_groups(org.am)}
    assert set(rows) == {RISK, "todo.due:warning", "欢迎使用"}
    assert rows[RISK]["n"] == 37 and rows[RISK]["danger"] == 37
    names = _policy_names()
    assert (
        group_title(rows[RISK], names) == "37 条已超时并升级：风险测评到期重测（期限为测评有效期）"
    )
    assert group_title(rows["欢迎使用"], names) == "2 条：欢迎使用"


def test_mark_one_group_read_leaves_the_others(org):
    flood(org.am, 5)
    flood(org.am2, 5)
    assert notification_mark_read(user=org.am, group=RISK) == 5
    assert unread(org.am) == 5 and unread(org.am2) == 10  # another's group is untouched
    assert notification_mark_read(user=org.am, group="欢迎使用") == 2
    assert notification_mark_read(user=org.am) == 3
    assert unread(org.am) == 0


@pytest.mark.parametrize("n", [5, 170])
def test_page_is_one_line_per_group_in_fixed_queries(client, org, query_baseline, n):
    flood(org.am, n)
    client.force_login(org.am)
    with query_baseline("crm:notifications"):
        response = client.get(reverse("crm:notifications"))
    html = response.content.decode()
    assert html.count('class="list-group-item notification-group') == 3
    assert f'data-group-size="{n}"' in html
    assert "风险测评到期重测" in html  # the clock's policy name, not one card per client
    assert "客户001" not in html  # the list only when expanded


def test_expand_a_group_is_paged(client, org):
    flood(org.am, 45)
    client.force_login(org.am)
    url = reverse("crm:notifications")
    part = client.get(url, {"group": RISK}, HTTP_HX_REQUEST="true").content.decode()
    assert '<nav class="navbar' not in part
    assert part.count('id="notification-') == 20 and "更多（共 45 条）" in part
    page3 = client.get(url, {"group": RISK, "page": 3}, HTTP_HX_REQUEST="true").content.decode()
    assert page3.count('id="notification-') == 5
    full = client.get(url, {"group": RISK}).content.decode()  # without HTMX: the whole page
    assert '<nav class="navbar' in full and full.count('id="notification-') == 20


def test_mark_group_read_by_htmx_updates_the_badge(client, org):
    flood(org.am, 37)
    client.force_login(org.am)
    assert ">42<" in client.get(reverse("crm:notification-badge")).content.decode()
    response = client.post(
        reverse("crm:notification-read-all"), {"group": RISK}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="unread-badge" hx-swap-oob="true"' in html and ">5<" in html
    assert unread(org.am) == 5
    response = client.post(reverse("crm:notification-read-all"), HTTP_HX_REQUEST="true")
    assert "暂无未读通知。" in response.content.decode() and unread(org.am) == 0
    page = client.get(reverse("crm:notifications")).content.decode()
    assert "暂无未读通知。" in page
    assert len(re.findall("notification-group", client.get(
        reverse("crm:notifications"), {"state": "all"}).content.decode())) >= 3  # fmt: skip


def test_csrf_is_required_to_mark_read(org):
    from django.test import Client

    flood(org.am, 3)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(org.am)
    response = strict.post(reverse("crm:notification-read-all"), {"group": RISK})
    assert response.status_code == 403 and unread(org.am) == 8


def test_sla_reminders_carry_their_kind(org):
    now = timezone.now()
    Todo.objects.bulk_create(
        Todo(branch=org.bj, title=f"核对{i}", assignee=org.am, created_by=org.am,
             created_at=now - timedelta(days=3), due_at=now - timedelta(hours=2))
        for i in range(3)
    )  # fmt: skip
    sla.scan(now)
    kinds = set(Notification.objects.filter(recipient=org.am).values_list("kind", flat=True))
    assert kinds and all(k.startswith("todo.due:") for k in kinds)
    rows = list(notification_groups(org.am))
    assert [r["n"] for r in rows if r["kind"].startswith("todo.due:")] == [3] * len(kinds)
    services.notify(users=[org.am], title="提醒", kind="manual")
    assert Notification.objects.filter(recipient=org.am, kind="manual").count() == 1
