from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import Client
from crm import sla
from crm.models import Notification, Reminder
from crm.services import TransitionNotAllowed
from tests.access import ApiAccessCase
from tests.factories import VisitPlanFactory, make_client
from visits import services
from visits.models import Consultation, Invitation, VisitPlan
from visits.signals import visit_completed


def client_of(org, owner=None, no="1100000001", **extra):
    return make_client(owner or org.am, client_no=no, **extra)


def new_plan(org, client=None, user=None, **kwargs):
    return VisitPlanFactory(client=client or client_of(org), user=user or org.am, **kwargs)


def test_workflow_and_forbidden_steps(org):
    plan = new_plan(org)
    with pytest.raises(TransitionNotAllowed):
        services.visit_plan_complete(user=org.am, plan=plan, presented="x")
    with pytest.raises(TransitionNotAllowed):
        services.visit_plan_approve(user=org.bm, plan=plan)  # still a draft
    services.visit_plan_submit(user=org.am, plan=plan)
    assert Notification.objects.filter(recipient=org.bm).exists()
    with pytest.raises(PermissionDenied):
        services.visit_plan_approve(user=org.am, plan=plan)
    with pytest.raises(PermissionDenied):
        services.visit_plan_approve(user=org.bm_sh, plan=plan)  # another branch's manager
    with pytest.raises(ValidationError):
        services.visit_plan_reject(user=org.bm, plan=plan, reason=" ")
    plan = services.visit_plan_approve(user=org.bm, plan=plan)
    assert plan.status == "approved" and plan.record_due_at > plan.planned_at
    with pytest.raises(TransitionNotAllowed):
        services.visit_plan_approve(user=org.bm, plan=plan)


def test_record_updates_preferences_with_history_and_signals(
    org, django_capture_on_commit_callbacks
):
    plan = new_plan(org)
    services.visit_plan_submit(user=org.am, plan=plan)
    services.visit_plan_approve(user=org.bm, plan=plan)
    sent = []
    visit_completed.connect(lambda sender, plan, record, **kw: sent.append(plan.pk), weak=False)
    with (
        time_machine.travel(plan.planned_at + timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        record = services.visit_plan_complete(
            user=org.am, plan=plan, presented="介绍资产配置", investment_direction="红利低波",
            risk_preference="稳健", research_request="REITs",
        )  # fmt: skip
    client = Client.objects.get(pk=plan.client_id)
    assert (client.investment_direction, client.risk_preference) == ("红利低波", "稳健")
    assert "拜访" in client.history.first().history_change_reason
    assert record.plan.status == "completed" and sent == [plan.pk]


def approved_plan(org, client=None, **kwargs):
    return new_plan(org, client=client, status="approved", approver=org.bm, **kwargs)


def test_a_visit_is_not_recorded_done_before_its_planned_time(org):
    plan = approved_plan(org)
    with pytest.raises(ValidationError) as raised:
        services.visit_plan_complete(user=org.am, plan=plan, presented=" ")
    assert set(raised.value.message_dict) == {"presented", "__all__"}  # both in one round
    assert "拜访计划时间为" in raised.value.message_dict["__all__"][0]
    with (
        time_machine.travel(plan.planned_at - timedelta(minutes=1), tick=False),
        pytest.raises(ValidationError),
    ):
        services.visit_plan_complete(user=org.am, plan=plan, presented="介绍")
    plan.refresh_from_db()
    assert plan.status == "approved" and not hasattr(plan, "record")
    with time_machine.travel(plan.planned_at, tick=False):
        record = services.visit_plan_complete(user=org.am, plan=plan, presented="介绍")
    assert record.plan.status == "completed"


def test_the_web_form_refuses_an_early_record_in_chinese(client, org):
    plan = approved_plan(org)
    client.force_login(org.am)
    url = reverse("visits:action", args=[plan.pk, "complete"])
    response = client.post(url, {"presented": "介绍资产配置"})
    assert response.status_code == 400
    assert "只能在拜访发生后登记" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "approved"


def test_the_timeline_never_shows_a_future_visit_as_done(org):
    from clients.timeline import client_timeline

    past = approved_plan(org, planned_at=timezone.now() - timedelta(days=1))
    services.visit_plan_complete(user=org.am, plan=past, presented="介绍")
    future = approved_plan(org, client=past.client)
    VisitPlan.objects.filter(pk=future.pk).update(status="completed")  # bad data of old
    visits = [e for e in client_timeline(past.client) if e.kind == "visit"]
    assert [e.url for e in visits] == [past.get_absolute_url()]


def test_rejected_plan_can_be_resubmitted(org):
    plan = new_plan(org)
    services.visit_plan_submit(user=org.am, plan=plan)
    services.visit_plan_reject(user=org.bm, plan=plan, reason="时间冲突")
    plan = services.visit_plan_submit(user=org.am, plan=plan)
    assert plan.status == "submitted"


def test_plan_validation(org):
    with pytest.raises(ValidationError) as exc:
        services.visit_plan_create(user=org.am, client=client_of(org), kind="x",
                                   planned_at=timezone.now() - timedelta(hours=1), place="",
                                   purpose="")  # fmt: skip
    assert set(exc.value.message_dict) == {"kind", "planned_at", "place", "purpose"}
    other = client_of(org, owner=org.am_sh, no="3100000001")
    with pytest.raises(ValidationError):
        new_plan(org, client=other)
    assert not VisitPlan.objects.exists()


RECORDED = {"recording_ref": "SL-TEST-0001", "recorded_at": timezone.now() - timedelta(hours=1)}


@pytest.mark.parametrize("client_kwargs,level,extra,outcome", [
    ({"lowest_category": True, "risk_level": "C1"}, "R2", {}, "blocked"),
    ({"lowest_category": True, "risk_level": "C1"}, "R1", {}, "ok"),
    ({"risk_level": "C3"}, "R3", {}, "ok"),
    ({"risk_level": "C3"}, "R4", {}, "needs_warning"),
    ({"risk_level": "C3"}, "R4", {"client_insists_in_writing": True,
                                 "special_warning_given": True, **RECORDED}, "ok_with_warning"),
    ({"risk_level": "C3"}, "R4", {"client_insists_in_writing": True,
                                 "special_warning_given": True}, "needs_recording"),
    ({"risk_level": "C1", "investor_class": "professional"}, "R5", RECORDED, "ok"),
    ({"risk_level": "C5"}, "R5", {}, "needs_recording"),
])  # fmt: skip
def test_suitability_rule(org, client_kwargs, level, extra, outcome):
    client = client_of(org)
    Client.objects.filter(pk=client.pk).update(**client_kwargs)
    client.refresh_from_db()
    sheet = services.consultation_file(
        user=org.am, client=client, advisor=org.advisor, question="是否买入"
    )
    product = {"name": "某产品", "risk_level": level, **extra}
    if outcome in ("blocked", "needs_warning", "needs_recording"):
        with pytest.raises(ValidationError) as exc:
            services.consultation_answer(
                user=org.advisor, consultation=sheet, analysis="a", advice="b", products=[product]
            )
        message = " ".join(exc.value.messages)
        expected = {"blocked": "最低类别", "needs_warning": "书面", "needs_recording": "双录"}
        assert expected[outcome] in message
        assert Consultation.objects.get(pk=sheet.pk).status == "open"
    else:
        sheet = services.consultation_answer(
            user=org.advisor, consultation=sheet, analysis="a", advice="b", products=[product]
        )
        saved = sheet.products.get()
        assert saved.above_client_level is (outcome == "ok_with_warning")
        assert (saved.special_warning_given_at is not None) is (outcome == "ok_with_warning")


def test_consultation_holdings_deadline_and_reminders_once(org):
    from clients.models import Holding

    client = client_of(org)
    Holding.objects.create(
        client=client, date=timezone.localdate(), security_code="600519", quantity=100, price=1500
    )
    sheet = services.consultation_file(
        user=org.am, client=client, advisor=org.advisor, question="q"
    )
    assert sheet.holdings[0]["security_code"] == "600519"
    Notification.objects.all().delete()
    with time_machine.travel(sheet.due_at + timedelta(minutes=5), tick=False):
        sla.scan()
        sla.scan()
    kinds = set(Reminder.objects.filter(clock="consultation.answer").values_list("kind", flat=True))
    assert kinds == {"breach", "escalation-1"}
    assert Notification.objects.filter(recipient=org.advisor).count() == 1
    assert Notification.objects.filter(recipient=org.bm).count() == 1
    with time_machine.travel(sheet.due_at + timedelta(minutes=10), tick=False):
        sheet = services.consultation_answer(
            user=org.advisor, consultation=sheet, analysis="a", advice="b"
        )
    assert sheet.answered_in_time is False
    with pytest.raises(TransitionNotAllowed):
        services.consultation_answer(user=org.advisor, consultation=sheet, analysis="a", advice="b")
    for user in (org.agent, org.compliance, org.integration):  # they change nothing here
        with pytest.raises(PermissionDenied):
            services.consultation_deliver(user=user, consultation=sheet, note="当面交付")
    assert (
        services.consultation_deliver(user=org.am, consultation=sheet, note="当面交付").status
        == "delivered"
    )


def test_event_invitations_from_a_segment(org):
    vip = client_of(org, no="1100000001")
    mass = client_of(org, no="1100000002", name="李四")
    Client.objects.filter(pk=vip.pk).update(tier="vip")
    Client.objects.filter(pk=mass.pk).update(tier="mass")
    event = services.event_create(
        user=org.bm,
        kind="exchange",
        title="交流会",
        starts_at=timezone.now() + timedelta(days=3),
        place="多功能厅",
    )
    assert services.event_invite_segment(user=org.bm, event=event, tiers=["vip"]) == 1
    assert services.event_invite_segment(user=org.bm, event=event, tiers=["vip", "mass"]) == 1
    assert services.event_invite_segment(user=org.bm, event=event, tiers=["vip"]) == 0
    inv = Invitation.objects.get(client=vip)
    services.invitation_update(user=org.agent, invitation=inv, status="attended", feedback="好")
    api = APIClient()
    api.force_authenticate(org.am)
    entries = api.get(f"/api/v1/clients/{vip.pk}/timeline/").json()
    assert any(e["kind"] == "event" for e in entries)


def test_quota_board(org, client):
    services.quota_set(user=org.bm, account_manager=org.am, contacts_target=2, patrols_target=1)
    c = client_of(org)
    services.quota_log(user=org.am, kind="contact", client=c)
    services.quota_log(user=org.am, kind="contact", client=c)
    with pytest.raises(ValidationError):
        services.quota_log(user=org.am, kind="patrol")
    services.quota_log(user=org.am, kind="patrol", room="大户室A")
    with pytest.raises(PermissionDenied):
        services.quota_set(user=org.am, account_manager=org.am, contacts_target=1, patrols_target=1)
    client.force_login(org.bm)
    html = client.get(reverse("visits:quota")).content.decode()
    assert "2/2" in html and "1/1" in html


class VisitScopes:
    def make_in_scope(self, org, user):
        plan = new_plan(org, client=client_of(org, no=f"11{user.pk:08d}"))
        if user.staff.role == "advisor":
            Client.objects.filter(pk=plan.client_id).update(advisor=user)
        return plan

    def make_out_of_scope(self, org, user):
        if user.staff.sees_all_branches:
            return None
        return new_plan(
            org, client=client_of(org, owner=org.am_sh, no="3100000001"), user=org.am_sh
        )


class TestVisitPlanApiAccess(VisitScopes, ApiAccessCase):
    list_url = "api:visitplan-list"
    detail_url = "api:visitplan-detail"
    expected = {
        "account_manager": {"list": 200, "detail": 200, "create": 201},
        "advisor": {"list": 200, "detail": 200},
        "service_agent": {"list": 200, "detail": 200},
        "branch_manager": {"list": 200, "detail": 200, "create": 201},
        "compliance": {"list": 200, "detail": 200},
        "hq": {"list": 200, "detail": 200},
        "integration": {"list": 200, "detail": 200},
    }

    def create_payload(self, org, user):
        c = client_of(org, no="1100009999")
        return {
            "client": c.pk,
            "kind": "door_to_door",
            "place": "客户家",
            "planned_at": (timezone.now() + timedelta(days=1)).isoformat(),
            "purpose": "回访",
        }


def test_api_actions_answer_409_and_404(org):
    plan = new_plan(org)
    am, bm = APIClient(), APIClient()
    am.force_authenticate(org.am)
    bm.force_authenticate(org.bm)
    url = f"/api/v1/visit-plans/{plan.pk}"
    assert am.post(f"{url}/complete/", {"presented": "x"}).status_code == 409
    assert am.post(f"{url}/submit/").json()["status"] == "submitted"
    assert am.post(f"{url}/approve/").status_code == 403
    assert bm.post(f"{url}/reject/", {}).status_code == 400
    assert bm.post(f"{url}/approve/").json()["status"] == "approved"
    assert am.post(f"{url}/complete/", {}).status_code == 400
    too_early = am.post(f"{url}/complete/", {"presented": "介绍"})
    assert too_early.status_code == 400 and "non_field_errors" in too_early.json()
    with time_machine.travel(plan.planned_at + timedelta(minutes=5)):
        done = am.post(f"{url}/complete/", {"presented": "介绍"})
    assert done.json()["status"] == "completed"
    other = APIClient()
    other.force_authenticate(org.am2)
    assert other.get(f"{url}/").status_code == 404


def test_web_action_urls_answer_post_only(client, org):
    plan = new_plan(org)
    client.force_login(org.am)
    url = reverse("visits:action", args=[plan.pk, "submit"])
    assert client.get(url).status_code == 405  # was a 500 (the page view got `action`)
    assert client.post(url).status_code == 302


@pytest.mark.parametrize("n", [2, 25])
def test_pages_query_counts(client, org, query_baseline, n):
    for i in range(n):
        plan = new_plan(org, client=client_of(org, no=f"11{i:08d}"))
        services.visit_plan_submit(user=org.am, plan=plan)
        services.consultation_file(
            user=org.am, client=plan.client, advisor=org.advisor, question="q"
        )
        services.event_create(
            user=org.bm, kind="vip", title=f"联谊会{i}", starts_at=timezone.now(), place="营业部"
        )
    client.force_login(org.bm)
    for name in ("visits:list", "visits:approvals", "visits:consultations", "visits:events"):
        with query_baseline(name):
            assert client.get(reverse(name)).status_code == 200
    with query_baseline("visits:detail"):
        assert client.get(plan.get_absolute_url()).status_code == 200


def test_quota_compliance_counts_every_working_day_of_every_account_manager(org):
    """The dashboard's daily quota (person-days met): walked over the logs, equal to
    checking every working day of every account manager up to today."""
    from crm.measures import Filters, Period
    from crm.models import Role, StaffProfile
    from crm.workdays import get_calendar
    from visits.measures import quota
    from visits.models import DailyQuota, QuotaLog

    DailyQuota.objects.create(user=org.am, contacts_target=2, patrols_target=1, set_by=org.bm)
    DailyQuota.objects.create(user=org.am_sh, contacts_target=0, patrols_target=0,
                              set_by=org.bm)  # fmt: skip
    start = timezone.localdate().replace(day=1) - timedelta(days=45)
    logs = []
    for i in range(70):
        day = start + timedelta(days=i)
        for user in (org.am, org.am_sh):
            for _ in range(i % 4):
                logs.append(QuotaLog(user=user, branch=user.staff.branch, day=day, kind="contact"))
            if i % 3:
                logs.append(QuotaLog(user=user, branch=user.staff.branch, day=day, kind="patrol",
                                     room="A"))  # fmt: skip
    QuotaLog.objects.bulk_create(logs)
    today = timezone.localdate()
    current = Period(today.replace(day=1) - timedelta(days=20), today + timedelta(days=10))
    filters = Filters(None, None, current, current.previous())
    cells = quota(filters)["quota_compliance"]

    calendar, expected = get_calendar(), {}
    targets = {org.am.pk: (2, 1), org.am_sh.pk: (0, 0)}
    people = StaffProfile.objects.filter(role=Role.ACCOUNT_MANAGER)
    for index, period in enumerate(filters.periods):
        day = period.start
        while day <= min(period.end, today):
            if calendar.is_workday(day):
                for staff in people:
                    ct, pt = targets.get(staff.user_id, (5, 2))
                    mine = QuotaLog.objects.filter(user_id=staff.user_id, day=day)
                    met = (mine.filter(kind="contact").count() >= ct
                           and mine.filter(kind="patrol").count() >= pt)  # fmt: skip
                    cell = expected.setdefault((index, staff.branch_id), [0, 0])
                    cell[0] += met
                    cell[1] += 1
            day += timedelta(days=1)
    assert cells == {k: tuple(v) for k, v in expected.items()}
    assert any(num for num, _den in cells.values())
