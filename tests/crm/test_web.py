from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import AccessLog, Holiday, Notification, Todo


def make_todos(user, n, overdue=0):
    now = timezone.now()
    Todo.objects.bulk_create(
        Todo(
            branch=user.staff.branch,
            title=f"待办{i}",
            assignee=user,
            created_by=user,
            due_at=now + (timedelta(hours=-1 - i) if i < overdue else timedelta(hours=2 + i)),
        )
        for i in range(n)
    )


def test_login_page_is_chinese_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "营业部客户关系管理" in html and "用户名" in html and 'lang="zh-hans"' in html


def test_language_switch_to_english(client, org):
    client.force_login(org.am)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert "Workbench" in html and "工作台" not in html


def test_login_logout_flow(client, org):
    response = client.post(reverse("login"), {"username": "am", "password": "Test-pass-2026"})
    assert response.status_code == 302 and response.url == reverse("crm:workbench")
    assert client.get("/").status_code == 200
    client.post(reverse("logout"))
    assert client.get("/").status_code == 302


def test_wrong_password_gives_clear_message(client, org):
    response = client.post(reverse("login"), {"username": "am", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


@pytest.mark.parametrize("n", [3, 30])
def test_workbench_query_count_is_fixed(client, org, query_baseline, n):
    make_todos(org.am, n, overdue=2)
    client.force_login(org.am)
    with query_baseline("crm:workbench"):  # one query per workbench section
        response = client.get("/")
    html = response.content.decode()
    assert "我的待办" in html and "待办0" in html


@pytest.mark.parametrize("n", [3, 60])
def test_todo_list_query_count_is_fixed(client, org, query_baseline, n):
    make_todos(org.am, n, overdue=1)
    client.force_login(org.am)
    with query_baseline("crm:todo-list"):
        response = client.get(reverse("crm:todo-list"))
    assert response.status_code == 200
    assert response.content.decode().count('<tr id="todo-') == min(n, 25)


def test_todo_list_filters_and_htmx_partial(client, org):
    make_todos(org.am, 5, overdue=2)
    client.force_login(org.am)
    response = client.get(reverse("crm:todo-list"), {"overdue": "true"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert '<nav class="navbar' not in html  # only the table
    assert html.count('<tr id="todo-') == 2


def test_todo_detail_query_count(client, org, query_baseline):
    make_todos(org.am, 1)
    todo = Todo.objects.get()
    client.force_login(org.am)
    with query_baseline("crm:todo-detail"):
        response = client.get(todo.get_absolute_url())
    assert "待办0" in response.content.decode()


def test_todo_form_errors_are_chinese_and_store_nothing(client, org):
    client.force_login(org.am)
    response = client.post(reverse("crm:todo-create"), {"title": "", "due_at": "2020-01-01T10:00"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "该字段是必填项" in html and "到期时间必须晚于现在" in html
    assert not Todo.objects.exists()


def test_todo_complete_via_htmx_returns_row(client, org):
    make_todos(org.am, 1)
    todo = Todo.objects.get()
    client.force_login(org.am)
    url = reverse("crm:todo-action", args=[todo.pk, "complete"])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "完成" in response.content.decode()
    assert client.post(url, HTTP_HX_REQUEST="true").status_code == 409
    assert client.post(reverse("crm:todo-list") + f"{todo.pk}/delete/").status_code == 404


def test_notifications_page_and_badge(client, org, query_baseline):
    for i in range(30):
        services.notify(users=[org.am], title=f"通知{i}")
    client.force_login(org.am)
    with query_baseline("crm:notifications"):
        response = client.get(reverse("crm:notifications"))
    assert "通知29" in response.content.decode()
    badge = client.get(reverse("crm:notification-badge")).content.decode()
    assert ">30<" in badge
    one = Notification.objects.filter(recipient=org.am).first()
    response = client.post(reverse("crm:notification-read", args=[one.pk]), HTTP_HX_REQUEST="true")
    assert ">29<" in response.content.decode()
    client.post(reverse("crm:notification-read-all"))
    assert not Notification.objects.filter(recipient=org.am, read_at__isnull=True).exists()
    others = services.notify(users=[org.am2], title="别人的通知")[0]
    assert client.post(reverse("crm:notification-read", args=[others.pk])).status_code == 404


@pytest.mark.parametrize(
    "user_attr,status", [("bm", 200), ("compliance", 200), ("hq", 200), ("am", 403), ("agent", 403)]
)
def test_dashboard_access(client, org, user_attr, status):
    client.force_login(getattr(org, user_attr))
    assert client.get(reverse("crm:dashboard")).status_code == status


def test_calendar_pages_and_missing_year_warning(client, org):
    client.force_login(org.agent)
    html = client.get(reverse("crm:calendar"), {"year": 2025}).content.decode()
    assert "国庆节" in html
    assert client.get(reverse("crm:calendar-edit")).status_code == 403
    client.force_login(org.hq)
    import time_machine

    with time_machine.travel("2026-11-22 10:00 +0800"):
        html = client.get("/").content.decode()
        assert 'id="calendar-warning"' in html and "2027" in html
    assert client.get(reverse("crm:calendar-edit"), {"year": 2027}).status_code == 200
    bad = client.post(reverse("crm:calendar-edit"), {"year": 2027, "schedule": "2027-02-30 休"})
    assert bad.status_code == 400 and "日期不存在" in bad.content.decode()
    ok = client.post(
        reverse("crm:calendar-edit"),
        {"year": 2027, "schedule": "2027-01-01 休 元旦\n2027-02-06~2027-02-12 休 春节"},
    )
    assert ok.status_code == 302
    assert Holiday.objects.filter(date__year=2027).count() == 8
    with time_machine.travel("2026-11-22 10:00 +0800"):
        assert 'id="calendar-warning"' not in client.get("/").content.decode()


def test_access_log_page_scoped(client, org):
    make_todos(org.am, 1)
    todo = Todo.objects.get()
    services.access_log_record(user=org.am, obj=todo, field="title")
    sh_todo = Todo.objects.create(
        branch=org.sh, title="上海", assignee=org.am_sh, created_by=org.am_sh, due_at=timezone.now()
    )
    services.access_log_record(user=org.am_sh, obj=sh_todo, field="title")
    client.force_login(org.compliance)
    html = client.get(reverse("crm:access-log")).content.decode()
    assert "待办0" in html and "上海" not in html
    client.force_login(org.am)
    assert client.get(reverse("crm:access-log")).status_code == 403
    assert AccessLog.objects.count() == 2


def test_healthz_reports_each_part(client, db, monkeypatch):
    from config.celery import app

    monkeypatch.setattr(app.control, "ping", lambda timeout: [])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "redis": "ok",
        "worker": "error: no worker answered",
    }
    monkeypatch.setattr(app.control, "ping", lambda timeout: [{"w@host": {"ok": "pong"}}])
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_healthz_when_redis_is_down(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")
    assert response.json()["checks"]["database"] == "ok"


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo")
    counts = (Todo.objects.count(), Notification.objects.count())
    call_command("seed_demo")
    assert (Todo.objects.count(), Notification.objects.count()) == counts
    assert counts[0] > 0
    # the security pages have something to show: a request to decide, one to download
    from crm.models import AccessLog, ExportRequest

    assert set(ExportRequest.objects.values_list("status", flat=True)) == {"pending", "approved"}
    assert AccessLog.objects.filter(action="reveal").count() == 4
    # the callbacks' opinions reached the register through the callback service, once
    from opinions.models import Opinion

    opinions = Opinion.objects.count()
    assert Opinion.objects.filter(source_kind="callback", text="希望增加投顾服务频次").exists()
    assert {"open", "routed", "closed"} <= set(Opinion.objects.values_list("status", flat=True))
    call_command("seed_demo")
    assert Opinion.objects.count() == opinions
    _assert_demo_is_consistent()
    # the call centre: calls waiting for agent_bj's wrap-up code, a few repeat contacts
    from callcenter.models import Call

    waiting = Call.objects.filter(agent__username="agent_bj", wrap_up=None, ended_at__isnull=False)
    assert waiting.count() == 3
    assert Call.objects.filter(repeat_contact=True).count() >= 3


def _assert_demo_is_consistent():
    """Holdings add up to the latest snapshot, C1 clients hold no equities, staff work
    (calls, completed callbacks, visits) happens on weekdays in office hours."""
    from django.db.models import F, Sum
    from django.utils import timezone

    from callcenter.models import Call, Callback
    from clients.demo import LOW_RISK_SECURITIES
    from clients.models import AccountSnapshot, Holding
    from visits.models import VisitPlan

    held = dict(
        Holding.objects.values("client_id").annotate(v=Sum(F("quantity") * F("price")))
        .values_list("client_id", "v")
    )  # fmt: skip
    latest = AccountSnapshot.objects.order_by("client_id", "-date").distinct("client_id")
    assert len(latest) > 1000
    for snapshot in latest:
        assert snapshot.total_assets == snapshot.cash + snapshot.market_value
        assert held.get(snapshot.client_id, 0) == snapshot.market_value, snapshot.client_id
    low_risk = {code for code, _name in LOW_RISK_SECURITIES}
    c1_codes = set(
        Holding.objects.filter(client__risk_level="C1").values_list("security_code", flat=True)
    )
    assert c1_codes and c1_codes <= low_risk
    completed = Callback.objects.exclude(completed_at=None)
    moments = [*Call.objects.values_list("started_at", flat=True),
               *completed.values_list("completed_at", flat=True),
               *VisitPlan.objects.values_list("planned_at", flat=True)]  # fmt: skip
    last_hour = timezone.now() - timezone.timedelta(hours=1)
    for moment in moments:
        local = timezone.localtime(moment)
        assert (local.weekday() < 5 and 9 <= local.hour < 17) or moment > last_hour, local
    _assert_service_requests_are_consistent(last_hour)


def _assert_service_requests_are_consistent(last_hour):
    """About 60 service requests received in office hours over two months; resolved after
    received, closed after resolved, none in the future; some resolved on first contact,
    some overdue, one escalated to a complaint."""
    from django.utils import timezone

    from servicedesk.models import ServiceRequest

    now = timezone.now()
    requests = list(ServiceRequest.objects.all())
    assert 55 <= len(requests) <= 70
    for r in requests:
        local = timezone.localtime(r.received_at)
        assert (local.weekday() < 5 and 9 <= local.hour < 17) or r.received_at > last_hour
        assert r.received_at <= now and (r.resolved_at or r.received_at) <= now
        if r.resolved_at:
            assert r.received_at <= r.resolved_at <= (r.closed_at or now)
        assert (r.closed_at or now) <= now
    assert sum(r.first_contact_resolved for r in requests) >= 10
    assert sum(r.is_open and r.due_at < now for r in requests) >= 3
    escalated = [r for r in requests if r.status == "escalated"]
    assert len(escalated) == 1 and escalated[0].complaint_id is not None
    assert len({r.category_id for r in requests}) >= 6


def test_morning_agenda_once_per_day(org):
    make_todos(org.am, 3, overdue=2)
    make_todos(org.am2, 1)  # due later than today? it is due in 2h, so today or tomorrow
    sent = services.morning_agenda_send()
    assert sent >= 1
    assert services.morning_agenda_send() == 0
    note = Notification.objects.get(recipient=org.am, title__contains="今日待办提醒")
    assert "我的待办" in note.body


def test_chinese_even_for_an_english_browser_until_the_user_switches(client, org):
    client.force_login(org.am)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "工作台" in html


def test_names_in_chinese_order(org):
    from crm.models import person_name

    org.am.last_name, org.am.first_name = "王", "建国"
    assert person_name(org.am) == "王建国"
    org.am.last_name, org.am.first_name = "Smith", "Anna"
    assert person_name(org.am) == "Anna Smith"
