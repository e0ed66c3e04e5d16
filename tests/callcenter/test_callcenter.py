import math
import threading
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from callcenter import selectors, services
from callcenter.models import Call, Callback, CallbackPolicy, InspectionItem, InspectionRound
from clients import segmentation
from clients.masking import mask_name
from clients.models import Client
from complaints import services as complaint_services
from complaints.models import Complaint
from crm.services import TransitionNotAllowed
from tests.access import ApiAccessCase
from tests.factories import CallbackFactory, ClientFactory, VisitPlanFactory
from tests.roles import ORG_ROLES


def opened(org, no, owner=None, days=400, **extra):
    return ClientFactory(
        owner=owner or org.am,
        client_no=no,
        name=f"客户{no[-3:]}",
        opened_on=timezone.localdate() - timedelta(days=days),
        phone=f"139{no[-8:]}",
        **extra,
    )


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_generation_is_idempotent_with_new_account_and_annual_sample(org):
    new = opened(org, "1100000001", days=10)
    olds = [opened(org, f"11000001{i:02d}", days=800) for i in range(25)]
    Client.objects.filter(pk=olds[0].pk).update(stage="dormant")
    Client.objects.filter(pk=olds[1].pk).update(account_status="suspended")
    first = services.generate_due_callbacks()
    assert first["new_account"] == 1
    assert Callback.objects.filter(client=new, reason="new_account").count() == 1
    sample = Callback.objects.filter(reason="annual_sample")
    eligible = 23  # 25 clients at last year-end, less the dormant and the suspended one
    assert sample.count() >= math.ceil(0.1 * eligible)
    assert not sample.filter(client__in=[olds[0], olds[1]]).exists()  # dormant, suspended
    second = services.generate_due_callbacks()
    assert second == {"new_account": 0, "annual_sample": 0, "periodic": 0, "retention": 0}
    assert Callback.objects.filter(reason="annual_sample").count() == sample.count()


def test_periodic_from_policy_and_never_two_open(org):
    vip = opened(org, "1100000002", days=400)
    Client.objects.filter(pk=vip.pk).update(tier="vip")
    CallbackPolicy.objects.create(tier="vip", interval_days=90, assignee="owner")
    services.generate_due_callbacks()
    cb = Callback.objects.get(client=vip, reason="periodic")
    assert cb.assignee == org.am
    services.generate_due_callbacks()
    assert Callback.objects.filter(client=vip, reason="periodic").count() == 1


def test_generated_callbacks_are_due_at_closing_time_on_a_working_day(org):
    """A deadline is the end of a working day, not the minute the nightly job ran."""
    from crm.workdays import SHANGHAI, is_workday

    new = opened(org, "1100000004", days=10)
    vip = opened(org, "1100000005", days=400)
    Client.objects.filter(pk=vip.pk).update(tier="vip")
    CallbackPolicy.objects.create(tier="vip", interval_days=90, assignee="owner")
    services.generate_due_callbacks()
    due = {cb.client_id: timezone.localtime(cb.due_at, SHANGHAI) for cb in Callback.objects.all()}
    assert due[new.pk].date() == new.opened_on + timedelta(days=30)
    for moment in (due[new.pk], due[vip.pk]):
        assert (moment.hour, moment.minute) == (17, 0)
    assert is_workday(due[vip.pk].date())
    assert due[vip.pk].date() >= timezone.localdate() + timedelta(days=7)


def test_retries_then_unreachable(org, settings):
    settings.CRM_CALLBACK_MAX_ATTEMPTS = 3
    c = opened(org, "1100000003", days=5)
    services.generate_due_callbacks()
    cb = Callback.objects.get(client=c)
    with pytest.raises(TransitionNotAllowed):
        services.callback_fail(user=org.agent, callback=cb, outcome="busy")  # not claimed
    for outcome in ("no_answer", "busy"):
        services.callback_claim(user=org.agent, callback=cb)
        cb = services.callback_fail(user=org.agent, callback=cb, outcome=outcome)
        assert cb.status == "open" and cb.next_attempt_at > timezone.now()
    services.callback_claim(user=org.agent, callback=cb)
    cb = services.callback_fail(user=org.agent, callback=cb, outcome="no_answer")
    assert (cb.status, cb.attempts) == ("unreachable", 3)


def test_wrong_number_closes_at_once(org):
    c = opened(org, "1100000004", days=5)
    services.generate_due_callbacks()
    cb = services.callback_claim(user=org.agent, callback=Callback.objects.get(client=c))
    assert (
        services.callback_fail(user=org.agent, callback=cb, outcome="wrong_number").status
        == "unreachable"
    )


def test_claim_sequential_one_wins(org):
    c = opened(org, "1100000005", days=5)
    services.generate_due_callbacks()
    cb = Callback.objects.get(client=c)
    services.callback_claim(user=org.agent, callback=cb)
    from tests.factories import make_staff

    other = make_staff("agent2", org.bj, "service_agent")
    with pytest.raises(TransitionNotAllowed):
        services.callback_claim(user=other, callback=cb)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_claim_race_two_agents_one_wins(org):
    from tests.factories import make_staff

    c = opened(org, "1100000006", days=5)
    services.generate_due_callbacks()
    cb = Callback.objects.get(client=c)
    other = make_staff("agent2", org.bj, "service_agent")
    barrier = threading.Barrier(2)
    results = []

    def claim(user):
        barrier.wait()
        try:
            services.callback_claim(user=user, callback=Callback.objects.get(pk=cb.pk))
            results.append("won")
        except TransitionNotAllowed:
            results.append("lost")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (org.agent, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["lost", "won"]


def test_opinion_becomes_a_complaint_and_negative_answer_raises_churn(org):
    c = opened(org, "1100000007", days=5)
    services.generate_due_callbacks()
    cb = services.callback_claim(user=org.agent, callback=Callback.objects.get(client=c))
    form = services.callback_complete(
        user=org.agent, callback=cb, identity_verified=True, trading_by_staff="yes",
        risks_disclosed="yes", discretionary_mandate="no", satisfaction=2,
        opinion="客户经理替我下单了", opinion_category="staff", make_complaint=True,
    )  # fmt: skip
    assert form.negative and form.complaint.channel == "callback"
    assert form.complaint.client == c and form.complaint.first_responder == org.agent
    assert Callback.objects.get(pk=cb.pk).status == "completed"
    segmentation.run()
    assert {"negative_callback", "complaint"} <= set(Client.objects.get(pk=c.pk).churn_reasons)


def test_completion_validation(org):
    c = opened(org, "1100000008", days=5)
    services.generate_due_callbacks()
    cb = services.callback_claim(user=org.agent, callback=Callback.objects.get(client=c))
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.callback_complete(
            user=org.agent,
            callback=cb,
            identity_verified=False,
            trading_by_staff="maybe",
            risks_disclosed="yes",
            discretionary_mandate="no",
            satisfaction=9,
            make_complaint=True,
        )
    assert set(exc.value.message_dict) == {
        "identity_verified",
        "trading_by_staff",
        "satisfaction",
        "opinion",
    }
    assert not Complaint.objects.exists()


def test_callbacks_after_closed_complaint_and_visit(org, django_capture_on_commit_callbacks):
    c = opened(org, "1100000009", days=400)
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_services.complaint_receive(
            user=org.agent,
            data={"client": c, "channel": "phone", "topic": "fees", "description": "x"},
        )
        complaint = complaint_services.complaint_acknowledge(user=org.agent, complaint=complaint)
        complaint = complaint_services.complaint_resolve(
            user=org.agent, complaint=complaint, resolution="r", feedback="f"
        )
        complaint = complaint_services.complaint_review(user=org.bm, complaint=complaint, note="ok")
        complaint_services.complaint_close(user=org.bm, complaint=complaint)
    assert (
        Callback.objects.filter(client=c, reason="complaint_closed", source_id=complaint.pk).count()
        == 1
    )
    from visits import services as visit_services

    plan = VisitPlanFactory(
        client=c,
        user=org.am,
        status="approved",
        approver=org.bm,
        place="x",
        purpose="y",
        planned_at=timezone.now() - timedelta(hours=1),  # the visit has taken place
    )
    with django_capture_on_commit_callbacks(execute=True):
        visit_services.visit_plan_complete(user=org.am, plan=plan, presented="介绍")
    assert Callback.objects.filter(client=c, reason="visit").count() == 1


def test_call_post_idempotent_and_matching(org):
    a = opened(org, "1100000010", days=400)
    telephony = api(org.integration_bj)
    payload = {"call_id": "T-1", "direction": "inbound", "phone": f"+86 {a.phone}",
               "started_at": "2025-11-03T10:00:00+08:00", "ended_at": "2025-11-03T10:03:20+08:00",
               "agent": "agent", "notes": "咨询"}  # fmt: skip
    first = telephony.post("/api/v1/calls/", payload, format="json")
    assert first.status_code == 201 and first.json()["client"] == a.pk
    assert first.json()["duration"] == 200
    again = telephony.post("/api/v1/calls/", {**payload, "notes": "更新"}, format="json")
    assert again.status_code == 200 and Call.objects.count() == 1
    assert Call.objects.get().notes == "更新"
    bad = telephony.post("/api/v1/calls/", {**payload, "call_id": "T-2",
                                           "ended_at": "2025-11-03T09:00:00+08:00"},
                         format="json")  # fmt: skip
    assert bad.status_code == 400 and "ended_at" in bad.json()
    unknown = telephony.post(
        "/api/v1/calls/", {**payload, "call_id": "T-3", "phone": "13000000000"}, format="json"
    )
    assert unknown.json()["client"] is None


def test_screen_pop_matches_with_and_without_prefix_and_several(org, client):
    a = opened(org, "1100000011", days=400)
    b = opened(org, "1100000012", days=400)
    Client.objects.filter(pk=b.pk).update(phone_alt=a.phone)
    client.force_login(org.bm)
    for number in (a.phone, f"+86{a.phone}", f"0086 {a.phone[:3]} {a.phone[3:]}"):
        html = client.get(reverse("callcenter:pop"), {"phone": number}).content.decode()
        assert a.name in html and b.name in html
    client.force_login(org.agent)  # the same cards, names masked for a service agent
    html = client.get(reverse("callcenter:pop"), {"phone": a.phone}).content.decode()
    assert a.client_no in html and b.client_no in html and mask_name(a.name) in html
    assert a.name not in html and b.name not in html
    html = client.get(reverse("callcenter:pop"), {"phone": "13000000000"}).content.decode()
    assert "?phone=13000000000" in html


def test_csi_arithmetic():
    assert services.csi([5, 4, 3, 2, 5]) == 60.0
    assert services.csi([4, 4, 4, 4, 4, 4, 4, 4, 4, 5]) == 100.0
    assert services.csi([]) is None


def test_csi_table_combines_callbacks_and_complaints(org):
    c = opened(org, "1100000013", days=5)
    services.generate_due_callbacks()
    cb = services.callback_claim(user=org.agent, callback=Callback.objects.get(client=c))
    services.callback_complete(
        user=org.agent,
        callback=cb,
        identity_verified=True,
        trading_by_staff="no",
        risks_disclosed="yes",
        discretionary_mandate="no",
        satisfaction=5,
    )
    from crm.selectors import BranchScope

    today = timezone.localdate()
    rows = selectors.csi_table(BranchScope.for_user(org.bm), today - relativedelta(months=1), today)
    assert rows == [{"key": org.bj.name, "n": 1, "csi": 100.0}]


def test_inspection_by_hq_only(org):
    c = opened(org, "1100000014", days=5)
    services.generate_due_callbacks()
    cb = services.callback_claim(user=org.agent, callback=Callback.objects.get(client=c))
    services.callback_complete(
        user=org.agent,
        callback=cb,
        identity_verified=True,
        trading_by_staff="no",
        risks_disclosed="yes",
        discretionary_mandate="no",
        satisfaction=4,
    )
    today = timezone.localdate()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.inspection_draw(user=org.bm, branch=org.bj, period_start=today, period_end=today)
    inspection = services.inspection_draw(
        user=org.hq, branch=org.bj, period_start=today, period_end=today
    )
    item = inspection.items.get()
    item = services.inspection_score(
        user=org.hq, item=item, checks={"identity": True, "script": True}, comment="ok"
    )
    assert item.score == 40


def test_inspection_page_lists_only_callbacks_in_the_users_scope(org, client):
    mine, theirs = (opened(org, no, owner=owner, days=5) for no, owner in
                    (("1100000015", org.am), ("1100000016", org.am2)))  # fmt: skip
    now = timezone.now()
    round_ = InspectionRound.objects.create(
        branch=org.bj, period_start=now.date(), period_end=now.date(), created_by=org.hq
    )
    for c in (mine, theirs):
        cb = CallbackFactory(
            client=c, reason="annual_sample", due_at=now, status="completed", completed_at=now
        )
        InspectionItem.objects.create(round=round_, callback=cb)
    url = reverse("callcenter:inspection", args=[round_.pk])
    for user, shown in ((org.am, [mine]), (org.bm, [mine, theirs])):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert [c for c in (mine, theirs) if c.name in html] == shown


class CallbackScopes:
    def make_in_scope(self, org, user):
        c = opened(org, f"11{user.pk:08d}", days=5)
        services.generate_due_callbacks()
        cb = Callback.objects.get(client=c)
        if user.staff.role == "advisor":
            Callback.objects.filter(pk=cb.pk).update(assignee=user)
        return cb

    def make_out_of_scope(self, org, user):
        if user.staff.sees_all_branches:
            return None
        c = opened(org, "3100000001", owner=org.am_sh, days=5)
        services.generate_due_callbacks()
        return Callback.objects.get(client=c)


class TestCallbackApiAccess(CallbackScopes, ApiAccessCase):
    list_url = "api:callback-list"
    detail_url = "api:callback-detail"
    expected = {role: {"list": 200, "detail": 200} for role in ORG_ROLES}


def test_api_claim_complete_fail(org):
    c = opened(org, "1100000015", days=5)
    services.generate_due_callbacks()
    cb = Callback.objects.get(client=c)
    url = f"/api/v1/callbacks/{cb.pk}"
    agent = api(org.agent)
    assert agent.post(f"{url}/complete/", {}).status_code == 400
    body = {"identity_verified": True, "trading_by_staff": "no", "risks_disclosed": "yes",
            "discretionary_mandate": "no", "satisfaction": 5}  # fmt: skip
    assert agent.post(f"{url}/complete/", body).status_code == 409  # not claimed yet
    assert agent.post(f"{url}/claim/").json()["claimed_by"] == "agent"
    assert api(org.agent_sh).post(f"{url}/claim/").status_code == 404
    assert api(org.compliance).post(f"{url}/claim/").status_code == 403
    assert agent.post(f"{url}/fail/", {"outcome": "reached"}).status_code == 400
    assert agent.post(f"{url}/complete/", body).json()["status"] == "completed"
    assert agent.post(f"{url}/complete/", body).status_code == 409


@pytest.mark.parametrize("n", [3, 30])
def test_queue_and_call_log_query_counts(client, org, query_baseline, n):
    for i in range(n):
        opened(org, f"11{i:08d}", days=5)
    services.generate_due_callbacks()
    client.force_login(org.agent)
    for tab in selectors.TABS:
        with query_baseline(f"callcenter:queue?tab={tab}"):
            assert client.get(reverse("callcenter:queue"), {"tab": tab}).status_code == 200
    with query_baseline("callcenter:calls"):
        assert client.get(reverse("callcenter:calls")).status_code == 200
    cb = Callback.objects.first()
    services.callback_claim(user=org.agent, callback=cb)
    with query_baseline("callcenter:callback"):
        assert client.get(cb.get_absolute_url()).status_code == 200
    client.force_login(org.bm)
    with query_baseline("callcenter:stats"):
        assert client.get(reverse("callcenter:stats")).status_code == 200


def test_callback_after_a_suitability_change(org, django_capture_on_commit_callbacks):
    from datetime import date

    from clients import services as client_services

    c = opened(org, "1100000016", days=400)
    with django_capture_on_commit_callbacks(execute=True):
        client_services.risk_assessment_record(
            user=org.am, client=c, assessed_on=date(2025, 1, 1), score=40, risk_level="C2"
        )
    assert not Callback.objects.filter(client=c, reason="suitability").exists()  # first one
    with django_capture_on_commit_callbacks(execute=True):
        client_services.risk_assessment_record(
            user=org.am, client=c, assessed_on=date(2025, 6, 1), score=80, risk_level="C4"
        )
    assert Callback.objects.filter(client=c, reason="suitability").count() == 1


def test_agent_workbench_shows_pool_callbacks_due(org, client):
    c = opened(org, "1100000017", days=5)
    services.generate_due_callbacks()
    Callback.objects.filter(client=c).update(due_at=timezone.now() - timedelta(hours=1))
    client.force_login(org.agent)
    html = client.get("/").content.decode()
    assert "section-callback_pool" in html and mask_name(c.name) in html  # 张*: an agent
    assert c.name not in html
