"""Campaigns: the workflow (approval before sending), the segment, recipients after
consent and caps, the run (idempotent), recurring birthdays and holidays, results."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from campaigns import selectors, services
from campaigns.models import CampaignRun, DormantRecipient, Status
from clients.models import AccountSnapshot, Client
from crm.models import Holiday
from crm.services import TransitionNotAllowed
from outreach.models import Message, Reply
from outreach.services.consent import client_opt_out
from outreach.services.messages import message_apply_receipts, message_send
from outreach.sms import Receipt
from tests.campaigns.helpers import approved, campaign
from tests.factories import make_client as _make_client
from tests.outreach.helpers import local, sms_template

NOW = local(2026, 12, 1, 10)
# set by the nightly segmentation or by imports, not by client_create
COMPUTED = ("tier", "stage", "account_status", "risk_level", "tags", "last_trade_on")


_numbers = itertools.count(1)


def make_client(owner, **extra):
    computed = {k: extra.pop(k) for k in COMPUTED if k in extra}
    extra.setdefault("client_no", f"88{next(_numbers):08d}")  # an opened account
    c = _make_client(owner, **extra)
    if computed:
        Client.objects.filter(pk=c.pk).update(**computed)
        c.refresh_from_db()
    return c


def clients(org, n, *, owner=None, consent=True, **extra):
    return [
        make_client(owner or org.am, name=f"客户{i}", phone=f"13900{i:06d}", consent_sms=consent,
                    **extra)
        for i in range(n)
    ]  # fmt: skip


# --- Workflow -----------------------------------------------------------------------------
@time_machine.travel(NOW, tick=False)
def test_a_marketing_campaign_needs_approval_before_it_sends(
    org, django_capture_on_commit_callbacks
):
    clients(org, 3)
    c = campaign(org, user=org.am, scheduled_at=NOW - timedelta(minutes=1))
    assert services.run_due(NOW)["ran"] == {}  # a draft does not run
    assert services.campaign_run(c, NOW) is None
    c = services.campaign_submit(user=org.am, campaign=c)
    assert c.status == Status.SUBMITTED
    assert services.run_due(NOW)["ran"] == {}  # nor one awaiting approval
    assert not Message.objects.exists()
    # the owner never approves their own; the branch manager does
    with pytest.raises(PermissionDenied):
        services.campaign_approve(user=org.am, campaign=c)
    with pytest.raises(PermissionDenied):
        services.campaign_approve(user=org.bm_sh, campaign=c)
    c = services.campaign_approve(user=org.bm, campaign=c, note="同意")
    assert c.status == Status.APPROVED and c.approved_by == org.bm
    with django_capture_on_commit_callbacks(execute=True):
        ran = services.run_due(NOW)
    assert ran["ran"] == {c.pk: 3}
    c.refresh_from_db()
    assert c.status in (Status.SENDING, Status.DONE)
    assert Message.objects.filter(source_kind="campaign", source_id=c.pk).count() == 3


def test_a_branch_managers_own_campaign_goes_to_hq(org):
    c = services.campaign_submit(user=org.bm, campaign=campaign(org))
    with pytest.raises(PermissionDenied):
        services.campaign_approve(user=org.bm, campaign=c)
    assert services.campaign_approve(user=org.hq, campaign=c).status == Status.APPROVED


def test_a_service_campaign_is_approved_when_submitted(org):
    t = sms_template(code="notice", purpose="service", body="{{ client_name }}您好，营业部搬迁通知")
    c = services.campaign_submit(user=org.am, campaign=campaign(org, user=org.am, template=t,
                                                                purpose="service"))  # fmt: skip
    assert c.status == Status.APPROVED and c.approved_by is None and c.approved_at


def test_reject_edit_and_resubmit(org):
    c = services.campaign_submit(user=org.am, campaign=campaign(org, user=org.am))
    with pytest.raises(ValidationError):
        services.campaign_reject(user=org.bm, campaign=c, reason="")
    c = services.campaign_reject(user=org.bm, campaign=c, reason="文案需修改")
    assert c.status == Status.REJECTED
    with pytest.raises(TransitionNotAllowed):
        services.campaign_approve(user=org.bm, campaign=c)
    c = services.campaign_update(user=org.am, campaign=c, data={"name": "新文案"})
    assert c.status == Status.DRAFT and c.rejected_reason == ""
    c = services.campaign_submit(user=org.am, campaign=c)
    assert c.status == Status.SUBMITTED
    with pytest.raises(TransitionNotAllowed):
        services.campaign_update(user=org.am, campaign=c, data={"name": "再改"})
    assert services.campaign_cancel(user=org.am, campaign=c).status == Status.CANCELLED


def test_every_error_at_once(org):
    email = sms_template(code="em")
    email.channel = "email"
    email.save()
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(user=org.am, data={
            "name": "", "purpose": "marketing", "channel": "sms", "template": email,
            "kind": "one_off", "scheduled_at": None, "owner": org.am2,
            "segment": {"tiers": ["gold"], "client_query": "tier=nope&foo=1"},
        })  # fmt: skip
    errors = exc.value.message_dict
    assert set(errors) >= {"name", "template", "scheduled_at", "owner", "tiers", "client_query"}
    with pytest.raises(PermissionDenied):
        services.campaign_create(user=org.agent, data={"name": "x"})


# --- Segment and recipients ------------------------------------------------------------------
@time_machine.travel(NOW, tick=False)
def test_recipients_are_counted_after_consent_and_caps(org, settings):
    settings.OUTREACH_MARKETING_MONTHLY_CAP = 1
    vip = clients(org, 4, tier="vip")
    clients(org, 2, consent=False, tier="vip")  # no consent
    make_client(org.am, name="无手机", phone="", consent_sms=True, tier="vip")
    make_client(org.am, name="大众", phone="13911112222", consent_sms=True, tier="mass")
    opted = vip[3]
    client_opt_out(client=opted, channel="sms", source="sms_reply")
    message_send(client=vip[0], channel="sms", purpose="marketing", template=sms_template(),
                 source_kind="manual", idempotency_key="earlier")  # vip[0] at the cap  # fmt: skip
    make_client(org.am2, name="别人的", phone="13922223333", consent_sms=True, tier="vip")
    # the account manager's campaign reaches their own clients only
    c = campaign(org, user=org.am, segment={"tiers": ["vip"]})
    r = services.campaign_recipients(c, at=NOW)
    assert (r.total, r.eligible, r.no_consent, r.capped, r.no_address) == (7, 2, 3, 1, 1)
    # the branch manager's reaches the branch: the other account manager's client too
    c2 = campaign(org, segment={"tiers": ["vip"]})
    assert services.campaign_recipients(c2, at=NOW).eligible == 3


@time_machine.travel(NOW, tick=False)
def test_segment_keys(org):
    a = make_client(org.am, name="甲", phone="13900000001", consent_sms=True, tier="vip",
                    stage="dormant", risk_level="C3", tags=["两融"],
                    birth_date=date(1980, 12, 20))  # fmt: skip
    b = make_client(org.am, name="乙", phone="13900000002", consent_sms=True, tier="vip",
                    account_status="dormant", birth_date=date(1980, 5, 1))  # fmt: skip
    make_client(org.am, name="丙", phone="13900000003", consent_sms=True, tier="mass",
                account_status="closed", stage="dormant")  # closed: never  # fmt: skip

    def ids(segment):
        c = campaign(org, segment=segment)
        return set(services.segment_clients(c).values_list("pk", flat=True))

    assert ids({"dormant": True}) == {a.pk, b.pk}
    assert ids({"tags": ["两融", "期权"]}) == {a.pk}
    assert ids({"risk_levels": ["C3"], "tiers": ["vip"]}) == {a.pk}
    assert ids({"birthday_this_month": True}) == {a.pk}
    assert ids({"client_query": "/clients/?account_status=dormant&ordering=name"}) == {b.pk}
    from visits.models import Event, Invitation

    event = Event.objects.create(branch=org.bj, title="VIP联谊会", kind="vip",
                                 starts_at=NOW + timedelta(days=3), created_by=org.bm)  # fmt: skip
    Invitation.objects.create(event=event, client=a)
    Invitation.objects.create(event=event, client=b, status="declined")
    assert ids({"event": event.pk}) == {a.pk}


# --- Running ---------------------------------------------------------------------------------
@time_machine.travel(NOW, tick=False)
def test_running_twice_queues_nothing_twice(org, django_capture_on_commit_callbacks):
    clients(org, 5)
    c = approved(org, scheduled_at=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.campaign_run(c, NOW)
    assert first.queued == 5
    with django_capture_on_commit_callbacks(execute=True):
        again = services.campaign_run(c, NOW + timedelta(days=1))  # a one-off keeps its date
        services.run_due(NOW + timedelta(minutes=5))
    assert again.queued == 5 and again.already_queued == 5
    rows = Message.objects.filter(source_kind="campaign", source_id=c.pk)
    assert rows.count() == 5
    assert rows.values("idempotency_key").distinct().count() == 5
    assert CampaignRun.objects.filter(campaign=c).count() == 1
    c.refresh_from_db()
    assert c.status == Status.DONE  # every message sent by the logging backend


@time_machine.travel(local(2026, 12, 1, 9, 30), tick=False)
def test_birthday_campaign_recurs_daily_for_todays_birthdays(
    org, django_capture_on_commit_callbacks
):
    today_born = make_client(org.am, name="寿星", phone="13900000011", consent_sms=True,
                             birth_date=date(1975, 12, 1))  # fmt: skip
    tomorrow_born = make_client(org.am, name="明天", phone="13900000012", consent_sms=True,
                                birth_date=date(1988, 12, 2))  # fmt: skip
    make_client(org.am, name="无生日", phone="13900000013", consent_sms=True)
    c = approved(org, kind="birthday", scheduled_at=None)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.run_due(now)["ran"] == {c.pk: 1}
        assert services.run_due(now + timedelta(minutes=5))["ran"] == {}  # once a day
    sent = Message.objects.filter(source_kind="campaign", source_id=c.pk)
    assert list(sent.values_list("client_id", flat=True)) == [today_born.pk]
    with (
        time_machine.travel(local(2026, 12, 2, 9, 30), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.run_due(timezone.now())["ran"] == {c.pk: 1}
    assert set(sent.values_list("client_id", flat=True)) == {today_born.pk, tomorrow_born.pk}
    c.refresh_from_db()
    assert c.status == Status.SENDING  # recurring: runs on
    # before the time of day it does not run
    with time_machine.travel(local(2026, 12, 3, 8, 0), tick=False):
        assert services.due_campaigns(timezone.now()) == []


def test_holiday_campaign_runs_on_the_first_day_of_a_holiday(org):
    Holiday.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦")
    Holiday.objects.create(date=date(2027, 1, 2), kind="holiday", name="元旦")
    with time_machine.travel(local(2026, 12, 30, 10), tick=False):
        c = approved(org, kind="holiday", scheduled_at=None)
        assert services.due_campaigns(timezone.now()) == []
    with time_machine.travel(local(2027, 1, 1, 10), tick=False):
        assert services.due_campaigns(timezone.now()) == [c]
    with time_machine.travel(local(2027, 1, 2, 10), tick=False):
        assert services.due_campaigns(timezone.now()) == []


# --- Results ---------------------------------------------------------------------------------
@time_machine.travel(NOW, tick=False)
def test_results_report_reactivated_dormant_accounts(org, django_capture_on_commit_callbacks):
    dormant = clients(org, 3, stage="dormant")
    active = make_client(org.am, name="活跃", phone="13900000099", consent_sms=True)
    c = approved(org, scheduled_at=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_run(c, NOW)
    assert DormantRecipient.objects.filter(campaign=c).count() == 3
    messages = Message.objects.filter(source_kind="campaign", source_id=c.pk)
    m = {x.client_id: x for x in messages}
    message_apply_receipts(m[dormant[0].pk].provider, [
        Receipt(m[x.pk].provider_message_id, True) for x in (*dormant, active)])  # fmt: skip
    # one dormant account trades 10 days later, one 40 days later (too late), the active one too
    AccountSnapshot.objects.create(client=dormant[0], date=date(2026, 12, 11), total_assets=1000,
                                   trade_count=2)  # fmt: skip
    AccountSnapshot.objects.create(client=dormant[1], date=date(2027, 1, 12), total_assets=1000,
                                   trade_count=1)  # fmt: skip
    Client.objects.filter(pk=active.pk).update(last_trade_on=date(2026, 12, 3))
    Reply.objects.create(client=dormant[2], message=m[dormant[2].pk], provider="logging",
                         phone=dormant[2].phone, text="谢谢")  # fmt: skip
    client_opt_out(client=dormant[2], channel="sms", source="sms_reply")
    r = selectors.results(c)
    assert (r.replied, r.traded, r.dormant, r.reactivated) == (1, 2, 3, 1)
    p = selectors.progress(c)
    assert (p.delivered, p.opted_out) == (4, 1)
    assert [x.client_id for x in selectors.reactivated_clients(c)] == [dormant[0].pk]


# --- Pages -----------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [3, 30])
@time_machine.travel(NOW, tick=False)
def test_campaign_page_query_count_is_fixed(client, org, query_baseline, n,
                                            django_capture_on_commit_callbacks):  # fmt: skip
    clients(org, n, stage="dormant")
    c = approved(org, scheduled_at=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_run(c, NOW)
    client.force_login(org.bm)
    with query_baseline("campaigns:detail"):
        html = client.get(reverse("campaigns:detail", args=[c.pk])).content.decode()
    assert 'id="preview-body"' in html and "【华信证券】" in html
    with query_baseline("campaigns:list"):
        assert client.get(reverse("campaigns:list")).status_code == 200


def test_create_page_shows_every_error_in_one_round(client, org):
    client.force_login(org.am)
    response = client.post(reverse("campaigns:create"), {"name": "", "kind": "one_off",
                                                         "purpose": "marketing",
                                                         "channel": "sms"})  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("invalid-feedback") >= 2


def test_workbench_lists_campaigns_awaiting_approval(client, org):
    c = services.campaign_submit(user=org.am, campaign=campaign(org, user=org.am, name="待批活动"))
    client.force_login(org.bm)
    html = client.get(reverse("crm:workbench")).content.decode()
    assert f'data-campaign="{c.pk}"' in html


def test_demo_campaigns(db):
    """The demo's three campaigns: recurring birthdays approved, a dormant-account
    re-activation with results, one awaiting approval; seeding twice adds nothing."""
    import io

    from campaigns.demo import seed_campaigns
    from campaigns.models import Campaign
    from tests.factories import BranchFactory, make_staff

    bj = BranchFactory(code="BJ01", name="北京营业部")
    users = {"am_bj": make_staff("am_bj", bj, "account_manager"),
             "bm_bj": make_staff("bm_bj", bj, "branch_manager")}  # fmt: skip
    for i in range(3):
        make_client(users["am_bj"], name=f"休眠{i}", phone=f"1390000100{i}", stage="dormant")
    out = io.StringIO()
    seed_campaigns(users, out)
    seed_campaigns(users, out)
    assert Campaign.objects.count() == 3
    assert set(Campaign.objects.values_list("status", flat=True)) == {
        "approved",
        "submitted",
        "done",
    }
    dormant = Campaign.objects.get(name="休眠账户唤醒")
    r = selectors.results(dormant)
    assert r.dormant == 3 and r.reactivated == 2
    assert selectors.progress(dormant).delivered == 3


def test_buttons_are_the_allowed_steps(client, org):
    import re

    from campaigns.workflow import CAMPAIGN_WORKFLOW

    c = campaign(org, user=org.am)

    def shown_to(user):
        client.force_login(user)
        page = client.get(reverse("campaigns:detail", args=[c.pk])).content.decode()
        return set(re.findall(r'id="act-(\w+)"', page))

    def allowed(user):
        return {s.name for s in CAMPAIGN_WORKFLOW.allowed(user, c) if s.web}

    assert shown_to(org.am) == allowed(org.am) == {"submit", "cancel"}
    assert shown_to(org.compliance) == allowed(org.compliance) == set()
    c = services.campaign_submit(user=org.am, campaign=c)
    assert shown_to(org.am) == allowed(org.am) == {"cancel"}
    assert shown_to(org.bm) == allowed(org.bm) == {"approve", "reject", "cancel"}
