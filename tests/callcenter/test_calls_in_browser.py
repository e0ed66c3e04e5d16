"""Calls in the browser (#18 item 2): calls logged by hand with their wrap-up code and the
follow-up opened in the same step; a call without a wrap-up code blocks the agent's next
one; repeat contacts flagged; the measures."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from callcenter import services
from callcenter.measures import compute_calls
from callcenter.models import Call, Callback, WrapUpCode
from complaints.models import Complaint
from crm.measures import Filters, Period
from servicedesk.models import ServiceRequest
from tests.factories import ClientFactory
from tests.servicedesk.helpers import category

BLOCKED = "请先为上一通电话选择结束码"


def code(key="consultation", name="业务咨询"):
    """A seeded code (migration 0004), recreated after a flush."""
    return WrapUpCode.objects.get_or_create(code=key, defaults={"name": name})[0]


def client_of(org, no="1100000901", owner=None):
    return ClientFactory(owner=owner or org.am, client_no=no, name=f"客户{no[-3:]}",
                         phone=f"139{no[-8:]}")  # fmt: skip


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def posted(org, client, no, minutes_ago=10, wrap_up=None, agent=None, by=None):
    """A call the telephony posted for the agent (ended; without a code unless given)."""
    start = timezone.now() - timedelta(minutes=minutes_ago)
    call, _created = services.call_record(user=by or org.integration_bj, data={
        "call_id": f"T-{no}", "direction": "inbound", "phone": client.phone,
        "agent": agent or org.agent, "started_at": start, "ended_at": start + timedelta(minutes=2),
        "wrap_up": wrap_up,
    })  # fmt: skip
    return call


def form(client=None, **extra):
    data = {"direction": "inbound", "phone": "13912345678", "duration_minutes": "2.5",
            "wrap_up": code().pk, "notes": "客户咨询开户材料", "follow_up": ""}  # fmt: skip
    if client is not None:
        data["client"] = f"id:{client.pk}"
    data.update(extra)
    return data


# --- Wrap-up codes ---------------------------------------------------------------------------
def test_the_issue_codes_are_seeded_in_order_and_inactive_ones_are_not_offered(org):
    for key, name in (("consultation", "业务咨询"), ("business", "业务办理"),
                      ("wrong_number", "打错电话")):  # fmt: skip
        code(key, name)
    WrapUpCode.objects.filter(code="wrong_number").update(is_active=False)
    body = api(org.agent).get("/api/v1/wrap-up-codes/").json()
    codes = [c["code"] for c in body]
    assert "consultation" in codes and "business" in codes and "wrong_number" not in codes
    c = client_of(org)
    with pytest.raises(ValidationError) as err:
        services.call_log(user=org.agent, data={"direction": "inbound", "client": c,
                                                "wrap_up": "wrong_number"})  # fmt: skip
    assert "wrap_up" in err.value.message_dict
    assert not Call.objects.exists()


# --- Logging a call with its follow-up -------------------------------------------------------
def test_log_a_call_and_open_a_service_request(client, org):
    c = client_of(org)
    category("account")
    client.force_login(org.agent)
    response = client.post(reverse("callcenter:call_new"), form(
        c, follow_up="service_request", category=category("account").pk))  # fmt: skip
    call = Call.objects.get()
    sr = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == sr.get_absolute_url()
    assert call.service_request == sr and call.client == c and call.agent == org.agent
    assert call.wrap_up.code == "consultation" and call.duration == 150
    assert call.ended_at == call.started_at + timedelta(seconds=150)
    assert sr.client == c and sr.channel == "phone" and call.call_id in sr.description


def test_a_service_request_answered_during_the_call_is_resolved_on_first_contact(client, org):
    c = client_of(org)
    client.force_login(org.agent)
    url = reverse("callcenter:call_new")
    body = form(c, follow_up="service_request", category=category("account").pk,
                resolved_now="on")  # fmt: skip
    refused = client.post(url, body)  # no resolution given: nothing stored, said in Chinese
    assert refused.status_code == 400 and not Call.objects.exists()
    assert "resolution" in refused.context["form"].errors
    response = client.post(url, {**body, "resolution": "已告知开户所需材料"})
    sr = ServiceRequest.objects.get()
    assert response.status_code == 302 and sr.first_contact_resolved
    assert (sr.status, sr.resolution) == ("resolved", "已告知开户所需材料")
    assert Call.objects.get().service_request == sr


def test_log_a_call_and_open_a_complaint(org):
    c = client_of(org)
    call, made = services.call_log(user=org.agent, data={
        "direction": "inbound", "client": c, "wrap_up": code("complaint", "投诉"),
        "duration": 300, "notes": "客户投诉委托未成交", "follow_up": "complaint",
        "topic": "trading",
    })  # fmt: skip
    assert isinstance(made, Complaint) and call.complaint == made
    assert made.client == c and made.topic == "trading" and "委托未成交" in made.description


def test_log_a_call_and_promise_a_callback(org):
    c = client_of(org)
    call, made = services.call_log(user=org.agent, data={
        "direction": "outbound", "client": c, "wrap_up": code("callback", "回访"),
        "duration": 60, "follow_up": "callback",
    })  # fmt: skip
    assert isinstance(made, Callback) and call.follow_up_callback == made
    assert made.reason == "call" and made.source_id == call.pk and made.assignee == org.agent
    assert made.due_at > timezone.now()


def test_a_refused_follow_up_stores_no_call(client, org):
    """The call and its follow-up are one step: a service request without its category
    stores nothing and shows the form again."""
    c = client_of(org)
    client.force_login(org.agent)
    response = client.post(reverse("callcenter:call_new"), form(c, follow_up="service_request"))
    assert response.status_code == 400
    assert not Call.objects.exists() and not ServiceRequest.objects.exists()
    with pytest.raises(ValidationError):  # a callback needs a client
        services.call_log(
            user=org.agent,
            data={
                "direction": "inbound",
                "phone": "13900000000",
                "wrap_up": code(),
                "follow_up": "callback",
            },
        )
    assert not Call.objects.exists()


def test_an_unknown_caller_is_logged_without_a_client(client, org):
    client.force_login(org.agent)
    response = client.post(reverse("callcenter:call_new"), form())
    assert response.status_code == 302
    call = Call.objects.get()
    assert call.client is None and call.phone == "13912345678" and call.branch == org.bj


def test_bad_input_is_a_400_in_chinese(client, org):
    client.force_login(org.agent)
    url = reverse("callcenter:call_new")
    for bad in ({"wrap_up": ""}, {"duration_minutes": "-1"}, {"direction": "sideways"},
                {"follow_up": "nonsense"}, {"wrap_up": "999999"}):  # fmt: skip
        response = client.post(url, form(**bad))
        assert response.status_code == 400, bad
    assert not Call.objects.exists()
    assert client.post(url, form(wrap_up="")).content.decode().count("该字段是必填项") >= 1


# --- A call without a wrap-up code cannot be left --------------------------------------------
def test_a_posted_call_without_code_blocks_the_next_until_set_web(client, org):
    c = client_of(org)
    waiting = posted(org, c, 1)
    assert waiting.waiting_for_wrap_up
    client.force_login(org.agent)
    # the workbench lists it
    html = client.get(reverse("crm:workbench")).content.decode()
    assert re.search(r'id="section-calls_wrap_up" data-total="1"', html)
    # the screen pop and the manual form show the banner instead of the form
    pop = client.get(reverse("callcenter:pop"), {"phone": c.phone}).content.decode()
    assert BLOCKED in pop and f'id="wrap-up-{waiting.pk}"' in pop and "call-log-form" not in pop
    page = client.get(reverse("callcenter:call_new")).content.decode()
    assert BLOCKED in page and "call-log-form" not in page
    # the service refuses a new call
    response = client.post(reverse("callcenter:call_new"), form(c))
    assert response.status_code == 400 and BLOCKED in response.content.decode()
    assert Call.objects.count() == 1
    # someone else may not set it; the agent does, back to the pop
    other = client_of(org, "1100000902")
    assert other  # (a second client: the call log keeps its own)
    back = reverse("callcenter:pop") + f"?phone={c.phone}"
    wrap_url = reverse("callcenter:call_wrap_up", args=[waiting.pk])
    response = client.post(wrap_url, {"wrap_up": code().pk, "next": back})
    assert response.status_code == 302 and response["Location"] == back
    waiting.refresh_from_db()
    assert waiting.wrap_up.code == "consultation" and not waiting.waiting_for_wrap_up
    pop = client.get(back).content.decode()
    assert BLOCKED not in pop and "call-log-form" in pop
    assert client.post(reverse("callcenter:call_new"), form(c)).status_code == 302
    assert Call.objects.count() == 2


def test_an_external_next_is_not_followed(client, org):
    waiting = posted(org, client_of(org), 1)
    client.force_login(org.agent)
    response = client.post(
        reverse("callcenter:call_wrap_up", args=[waiting.pk]),
        {"wrap_up": code().pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("callcenter:calls")


def test_a_call_without_code_blocks_the_next_until_set_api(org):
    c = client_of(org)
    waiting = posted(org, c, 2)
    agent = api(org.agent)
    body = {"call_id": "A-1", "direction": "inbound", "phone": c.phone,
            "started_at": timezone.now().isoformat()}  # fmt: skip
    response = agent.post("/api/v1/calls/", body)
    assert response.status_code == 400 and BLOCKED in response.content.decode()
    listed = agent.get("/api/v1/calls/", {"wrapped": "false"}).json()["results"]
    assert [r["id"] for r in listed] == [waiting.pk] and listed[0]["waiting_for_wrap_up"]
    url = f"/api/v1/calls/{waiting.pk}/wrap-up/"
    assert agent.post(url, {"wrap_up": "no-such-code"}).status_code == 400
    assert api(org.am).post(url, {"wrap_up": "consultation"}).status_code == 403
    assert api(org.agent_sh).post(url, {"wrap_up": "consultation"}).status_code == 404
    code()
    out = agent.post(url, {"wrap_up": "consultation", "notes": "已解答"}).json()
    assert out["wrap_up"] == "consultation" and out["waiting_for_wrap_up"] is False
    assert agent.post("/api/v1/calls/", body).status_code == 201
    # the telephony itself is never blocked: it posts what happened
    posted(org, c, 3)
    assert posted(org, c, 4).pk


def test_the_call_log_marks_the_calls_waiting(client, org):
    posted(org, client_of(org), 5)
    client.force_login(org.agent)
    html = client.get(
        reverse("callcenter:calls"), {"wrapped": "false", "agent__username": "agent"}
    ).content.decode()
    assert "缺少结束码" in html


# --- Repeat contacts -------------------------------------------------------------------------
def test_repeat_contact_within_7_days_with_the_same_code(org):
    c = client_of(org)
    consult, business = code(), code("business", "业务办理")
    now = timezone.now()

    def log(days_ago, wrap_up, who=c):
        call, _made = services.call_log(user=org.agent, data={
            "direction": "inbound", "client": who, "wrap_up": wrap_up, "duration": 60,
            "started_at": now - timedelta(days=days_ago),
        })  # fmt: skip
        return call

    first = log(20, consult)
    assert not first.repeat_contact
    assert not log(12, consult).repeat_contact  # 8 days after the first: no
    assert log(6, consult).repeat_contact  # 6 days after the second: yes
    assert not log(5, business).repeat_contact  # another code: no
    assert not log(5, consult, client_of(org, "1100000903")).repeat_contact  # another client
    assert Call.objects.filter(repeat_contact=True).count() == 1
    # the telephony's call, wrapped up later, is flagged when its code is set
    late = posted(org, c, 9, minutes_ago=60 * 24 * 2)
    assert not late.repeat_contact
    late = services.call_wrap_up(user=org.agent, call=late, wrap_up=business)
    assert late.repeat_contact
    # the filter (web and API) and the badge
    rows = api(org.agent).get("/api/v1/calls/", {"repeat_contact": "true"}).json()["results"]
    assert {r["id"] for r in rows} == set(
        Call.objects.filter(repeat_contact=True).values_list("pk", flat=True)
    )


def test_repeat_badge_in_the_call_log_and_the_pop(client, org):
    c = client_of(org)
    posted(org, c, 10, minutes_ago=60 * 24 * 3, wrap_up=code())
    repeat = posted(org, c, 11, wrap_up=code())
    assert repeat.repeat_contact
    client.force_login(org.agent)
    log = client.get(reverse("callcenter:calls"), {"repeat_contact": "true"}).content.decode()
    assert log.count("repeat-badge") == 1
    pop = client.get(reverse("callcenter:pop"), {"phone": c.phone}).content.decode()
    assert "repeat-badge" in pop


# --- Scoping ---------------------------------------------------------------------------------
def test_another_branch_call_is_404(client, org):
    sh_client = ClientFactory(owner=org.am_sh, client_no="2100000001", phone="13700000001")
    call = posted(org, sh_client, 20, agent=org.agent_sh, by=org.integration)  # HQ system
    assert call.branch == org.sh
    client.force_login(org.agent)
    response = client.post(
        reverse("callcenter:call_wrap_up", args=[call.pk]), {"wrap_up": code().pk}
    )
    assert response.status_code == 404
    assert api(org.agent).get(f"/api/v1/calls/{call.pk}/").status_code == 404
    assert (
        api(org.agent)
        .post(f"/api/v1/calls/{call.pk}/wrap-up/", {"wrap_up": "consultation"})
        .status_code
        == 404
    )
    call.refresh_from_db()
    assert call.wrap_up is None
    # nor may a call be logged for another branch's client
    response = client.post(reverse("callcenter:call_new"), form(sh_client))
    assert response.status_code == 400 and not Call.objects.filter(agent=org.agent).exists()


# --- Measures and query counts ---------------------------------------------------------------
def test_average_handling_time_and_repeat_rate(org):
    c = client_of(org)
    now = timezone.now()
    for i, (minutes, days) in enumerate(((2, 3), (4, 1), (6, 0))):
        services.call_log(user=org.agent, data={
            "direction": "inbound", "client": c, "wrap_up": code(), "duration": minutes * 60,
            "started_at": now - timedelta(days=days, minutes=i),
        })  # fmt: skip
    today = timezone.localdate()
    current = Period(today - timedelta(days=10), today)
    out = compute_calls(Filters((org.bj.pk,), None, current, current.previous()))
    seconds_min, n = out["call_handling_time"][(0, org.bj.pk)]
    assert n == 3 and seconds_min == 12  # 12 minutes over 3 calls: 4 per call
    assert out["repeat_contact_rate"][(0, org.bj.pk)] == (2, 3)


@pytest.mark.parametrize("n", [2, 10])
def test_call_log_and_screen_pop_query_counts(client, org, query_baseline, n):
    c = client_of(org)
    for i in range(n):
        posted(org, c, 100 + i, minutes_ago=60 * (i + 1), wrap_up=code())
        posted(org, client_of(org, f"11000010{i:02d}"), 200 + i, minutes_ago=30 * i + 5)
    client.force_login(org.agent)
    with query_baseline("callcenter:calls (wrap-up)"):
        assert client.get(reverse("callcenter:calls")).status_code == 200
    with query_baseline("callcenter:pop (waiting)"):
        assert client.get(reverse("callcenter:pop"), {"phone": c.phone}).status_code == 200
    Call.objects.update(wrap_up=code())
    with query_baseline("callcenter:pop"):
        assert client.get(reverse("callcenter:pop"), {"phone": c.phone}).status_code == 200
    with query_baseline("callcenter:call_new"):
        assert client.get(reverse("callcenter:call_new"), {"client": c.pk}).status_code == 200
