"""The visit calendar: its feed answers each role with its scope only, bounded ranges,
a fixed number of queries, and the page that draws it (CSP nonce for FullCalendar)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import VisitPlanFactory, make_client
from visits.calendar import calendar_range
from visits.models import Event

FEED = "visits:calendar-feed"


def local(moment):
    return timezone.localtime(moment).replace(tzinfo=None).isoformat(timespec="seconds")


@pytest.fixture
def items(org):
    """Plans of am, am2 (BJ) and am_sh (SH) in two days; an event in BJ and in SH."""
    when = timezone.now() + timedelta(days=2)
    ns = SimpleNamespace(when=when)
    ns.plan_am = VisitPlanFactory(
        client=make_client(org.am, name="甲先生", client_no="1100000001"), planned_at=when
    )
    ns.plan_am2 = VisitPlanFactory(
        client=make_client(org.am2, name="乙女士", client_no="1100000002"),
        planned_at=when, status="approved",
    )  # fmt: skip
    ns.plan_sh = VisitPlanFactory(
        client=make_client(org.am_sh, name="丁先生", client_no="3100000001"), planned_at=when
    )
    ns.event_bj = Event.objects.create(branch=org.bj, kind="education", title="北京投教",
                                       starts_at=when, place="A", created_by=org.bm)  # fmt: skip
    ns.event_sh = Event.objects.create(branch=org.sh, kind="vip", title="上海联谊",
                                       starts_at=when, place="B", created_by=org.bm_sh)  # fmt: skip
    return ns


def feed(client, user, start, end):
    client.force_login(user)
    return client.get(reverse(FEED), {"start": start, "end": end})


def span(items, before=1, after=5):
    return local(items.when - timedelta(days=before)), local(items.when + timedelta(days=after))


@pytest.mark.parametrize(
    "who, expected",
    [
        ("am", {"plan_am", "event_bj"}),
        ("am2", {"plan_am2", "event_bj"}),
        ("advisor", {"event_bj"}),
        ("agent", {"plan_am", "plan_am2", "event_bj"}),
        ("bm", {"plan_am", "plan_am2", "event_bj"}),
        ("compliance", {"plan_am", "plan_am2", "event_bj"}),
        ("bm_sh", {"plan_sh", "event_sh"}),
        ("agent_sh", {"plan_sh", "event_sh"}),
        ("hq", {"plan_am", "plan_am2", "plan_sh", "event_bj", "event_sh"}),
    ],
)
def test_feed_answers_each_role_with_its_scope(client, org, items, who, expected):
    response = feed(client, getattr(org, who), *span(items))
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()}
    names = {
        f"visit-{items.plan_am.pk}": "plan_am", f"visit-{items.plan_am2.pk}": "plan_am2",
        f"visit-{items.plan_sh.pk}": "plan_sh", f"event-{items.event_bj.pk}": "event_bj",
        f"event-{items.event_sh.pk}": "event_sh",
    }  # fmt: skip
    assert {names[i] for i in ids} == expected


def test_feed_items_carry_state_text_colour_class_link_and_masking(client, org, items):
    data = {i["id"]: i for i in feed(client, org.bm, *span(items)).json()}
    approved = data[f"visit-{items.plan_am2.pk}"]
    assert approved["title"] == "乙女士 · 上门拜访 · 已批准"
    assert approved["status"] == "approved" and "cal-visit-approved" in approved["classNames"]
    assert approved["url"] == items.plan_am2.get_absolute_url()
    assert approved["start"] == local(items.when)[:16]  # Shanghai wall-clock time
    event = data[f"event-{items.event_bj.pk}"]
    assert (
        event["title"] == "客户活动 · 北京投教"
        and event["url"] == items.event_bj.get_absolute_url()
    )
    # a service agent sees client names masked, as on every page
    titles = [i["title"] for i in feed(client, org.agent, *span(items)).json()]
    assert "甲** · 上门拜访 · 草稿" in titles and not any("甲先生" in t for t in titles)


def test_feed_keeps_to_the_range(client, org, items):
    later = (local(items.when + timedelta(days=1)), local(items.when + timedelta(days=9)))
    assert feed(client, org.hq, *later).json() == []
    # the end is exclusive, the start inclusive
    exact = (local(items.when), local(items.when + timedelta(minutes=1)))
    assert len(feed(client, org.hq, *exact).json()) == 5
    before = (local(items.when - timedelta(days=3)), local(items.when))
    assert feed(client, org.hq, *before).json() == []


@pytest.mark.parametrize(
    "start, end, word",
    [
        (None, "2026-12-10", "缺少此参数"),
        ("2026-12-01", None, "缺少此参数"),
        ("yesterday", "2026-12-10", "请输入日期"),
        ("2026-02-30", "2026-03-10", "请输入日期"),
        ("2026-12-10", "2026-12-01", "结束时间必须晚于开始时间"),
        ("2026-12-01", "2026-12-01", "结束时间必须晚于开始时间"),
        ("2026-01-01", "2026-12-31", "最多查询 62 天"),
        ("0001-01-01", "0001-02-01", "日期超出范围"),
        ("99999-01-01", "99999-02-01", "请输入日期"),
        ("2026-12-01T00:00:00+25:00", "2026-12-10", "请输入日期"),
    ],
)
def test_bad_ranges_answer_400_in_chinese(client, org, start, end, word):
    client.force_login(org.bm)
    params = {k: v for k, v in (("start", start), ("end", end)) if v is not None}
    response = client.get(reverse(FEED), params)
    assert response.status_code == 400
    assert word in response.json()["detail"]


def test_ranges_accept_dates_local_times_and_offsets():
    a = calendar_range("2026-11-30", "2027-01-11")
    b = calendar_range("2026-11-30T00:00:00", "2027-01-11T00:00:00")
    c = calendar_range("2026-11-29T16:00:00Z", "2027-01-10T16:00:00+00:00")
    d = calendar_range("2026-11-30T00:00:00 08:00", "2027-01-11T00:00:00+08:00")  # '+' unescaped
    assert a == b == c == d
    assert (a.end - a.start).days == 42  # the six weeks of a month grid fit


@pytest.mark.parametrize("plans", [1, 6])
def test_feed_runs_a_fixed_number_of_queries(client, org, query_baseline, plans):
    when = timezone.now() + timedelta(days=2)
    for n in range(plans):
        VisitPlanFactory(
            client=make_client(org.am, client_no=f"11{n:08d}"), planned_at=when + timedelta(hours=n)
        )
        Event.objects.create(branch=org.bj, kind="education", title=f"活动{n}", starts_at=when,
                             place="A", created_by=org.bm)  # fmt: skip
    client.force_login(org.bm)
    start, end = local(when - timedelta(days=1)), local(when + timedelta(days=6))
    with query_baseline("visits:calendar-feed"):
        response = client.get(reverse(FEED), {"start": start, "end": end})
    assert len(response.json()) == 2 * plans


def test_calendar_page_menu_and_nonce_for_the_library(client, org):
    client.force_login(org.am)
    response = client.get(reverse("visits:calendar"), {"date": "2026-12-15"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-feed-url="{reverse(FEED)}"' in html and 'data-initial-date="2026-12-15"' in html
    assert "vendor/fullcalendar/index.global.min.js" in html
    assert "vendor/fullcalendar/zh-cn.global.min.js" in html
    # FullCalendar injects its stylesheet with the page's nonce, and only on this page
    nonce = html.split('<meta name="csp-nonce" content="', 1)[1].split('"', 1)[0]
    policy = response["Content-Security-Policy"]
    style_src = next(p for p in policy.split(";") if p.strip().startswith("style-src"))
    assert f"'nonce-{nonce}'" in style_src and "unsafe-inline" not in style_src
    font_src = next(p for p in policy.split(";") if p.strip().startswith("font-src"))
    assert font_src.split() == ["font-src", "'self'", "data:"]  # its icon font
    other = client.get(reverse("visits:list"))["Content-Security-Policy"]
    assert "nonce" not in next(p for p in other.split(";") if p.strip().startswith("style-src"))
    # the menu under 拜访 leads here; a bad date falls back to today
    assert reverse("visits:calendar") in client.get(reverse("visits:list")).content.decode()
    today = timezone.localdate().isoformat()
    assert (
        f'data-initial-date="{today}"'
        in client.get(reverse("visits:calendar"), {"date": "2026-13-45"}).content.decode()
    )


def test_api_feed_same_items_scoped_and_400_per_field(api, org, items):
    url = reverse("api:visitplan-calendar")
    start, end = span(items)
    api.force_authenticate(org.am)
    data = api.get(url, {"start": start, "end": end}).json()
    assert {i["id"] for i in data} == {f"visit-{items.plan_am.pk}", f"event-{items.event_bj.pk}"}
    assert "classNames" not in data[0] and data[0]["title"]
    api.force_authenticate(org.integration_bj)  # a branch system: its branch, names masked
    titles = [i["title"] for i in api.get(url, {"start": start, "end": end}).json()]
    assert "甲** · 上门拜访 · 草稿" in titles and not any("丁" in t for t in titles)
    bad = api.get(url, {"start": start})
    assert bad.status_code == 400 and "缺少此参数" in bad.json()["end"][0]
    bad = api.get(url, {"start": "2026-01-01", "end": "2026-06-01"})
    assert bad.status_code == 400 and "62" in bad.json()["end"][0]


def test_api_feed_is_in_the_openapi_schema(api, org):
    api.force_authenticate(org.hq)
    schema = api.get(reverse("api-schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/visit-plans/calendar/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"start", "end"}
