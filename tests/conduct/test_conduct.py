"""Staff conduct and investor education: the yearly self-check sent to every active
member of staff once, signed by the person alone, reminded and escalated on the SLA
clock; the misconduct register from substantiated cases and complaints with a staff
cause, seen by compliance and HQ only (404 for everyone else, never the person
concerned); education from attended events and by hand; the suggestion rule; fixed
query counts."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clients.models import AccountSnapshot
from complaints import services as complaint_services
from complaints.models import Complaint
from compliance import services as case_services
from conduct import selectors, services
from conduct.models import (
    EducationRecord,
    EducationSuggestion,
    MisconductEntry,
    SelfCheck,
    SelfCheckForm,
)
from crm import sla
from crm.models import Notification
from crm.workdays import SHANGHAI
from tests.factories import ComplaintFactory, make_client
from visits import services as visit_services
from visits.models import Invitation

QUESTIONS = ["是否存在代客操作？", "是否接受全权委托？"]
NO = [{"answer": "no", "note": ""}, {"answer": "no", "note": ""}]


def send(org, year=None, due_in=10):
    today = timezone.localdate()
    return services.selfcheck_form_send(
        user=org.hq, year=year or today.year, title="年度员工执业行为自查表",
        questions=QUESTIONS, declaration="本人承诺以上内容属实。",
        due_on=today + timedelta(days=due_in),
    )  # fmt: skip


def check_of(user):
    return SelfCheck.objects.select_related("form").get(staff=user)


# --- Self-checks ----------------------------------------------------------------------------
def test_the_form_goes_once_to_every_active_member_of_staff(
    org, django_capture_on_commit_callbacks
):
    org.am2.is_active = False
    org.am2.save()
    with django_capture_on_commit_callbacks(execute=True):
        form, sent = send(org)
    people = set(SelfCheck.objects.filter(form=form).values_list("staff_id", flat=True))
    assert org.am.pk in people and org.hq.pk in people and org.am_sh.pk in people
    assert org.am2.pk not in people  # inactive
    assert org.integration.pk not in people and org.integration_bj.pk not in people
    assert sent == len(people)
    assert Notification.objects.filter(kind="conduct.selfcheck", recipient=org.am).count() == 1
    assert services.selfcheck_send(form=form) == 0  # sent again: nobody twice
    with pytest.raises(ValidationError):  # one form a year
        send(org)


def test_only_compliance_and_hq_define_the_form(org):
    with pytest.raises(PermissionDenied):
        services.selfcheck_form_send(user=org.bm, year=2031, title="x", questions=["q"],
                                     declaration="d", due_on=timezone.localdate())  # fmt: skip


def test_the_person_signs_their_own_with_every_answer_and_the_declaration(org):
    send(org)
    check = check_of(org.am)
    with pytest.raises(PermissionDenied):
        services.selfcheck_sign(user=org.compliance, check=check, answers=NO,
                                declaration_accepted=True)  # fmt: skip
    with pytest.raises(ValidationError) as missing:
        services.selfcheck_sign(user=org.am, check=check, answers=[{"answer": "no"}],
                                declaration_accepted=False)  # fmt: skip
    assert {"q1", "declaration_accepted"} <= set(missing.value.message_dict)
    with pytest.raises(ValidationError) as no_note:
        services.selfcheck_sign(user=org.am, check=check,
                                answers=[{"answer": "yes", "note": ""}, {"answer": "no"}],
                                declaration_accepted=True)  # fmt: skip
    assert "q0_note" in no_note.value.message_dict
    signed = services.selfcheck_sign(
        user=org.am, check=check, answers=[{"answer": "yes", "note": "曾帮客户下过一单"},
                                           {"answer": "no"}], declaration_accepted=True,
    )  # fmt: skip
    assert signed.status == "signed" and signed.signed_at and signed.signature
    assert signed.answers[0] == {"answer": "yes", "note": "曾帮客户下过一单"}
    with pytest.raises(ValidationError):  # signed once
        services.selfcheck_sign(user=org.am, check=check, answers=NO, declaration_accepted=True)


def test_overdue_self_checks_remind_the_person_then_the_branch_compliance_officer(org):
    form, _sent = send(org, due_in=5)
    due = datetime.combine(form.due_on + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    services.selfcheck_sign(user=org.bm, check=check_of(org.bm), answers=NO,
                            declaration_accepted=True)  # fmt: skip
    sla.scan(now=due - timedelta(days=2), only=("conduct.",))
    warned = Notification.objects.filter(kind="conduct.selfcheck:warning")
    assert warned.filter(recipient=org.am).count() == 1
    assert not warned.filter(recipient=org.bm).exists()  # signed: nothing
    assert not Notification.objects.filter(kind__startswith="conduct.selfcheck:escalation").exists()
    sla.scan(now=due + timedelta(hours=1), only=("conduct.",))
    sla.scan(now=due + timedelta(hours=2), only=("conduct.",))  # twice: nothing more
    breach = Notification.objects.filter(kind="conduct.selfcheck:breach")
    assert breach.filter(recipient=org.am).count() == 1
    escalated = Notification.objects.filter(kind="conduct.selfcheck:escalation-1")
    # the BJ01 compliance officer hears of every BJ01 self-check not signed, once each;
    # SH01's go to SH01's officer (none here), never to BJ01's
    pending_bj = SelfCheck.objects.filter(branch=org.bj, status="pending").count()
    assert escalated.filter(recipient=org.compliance).count() == pending_bj > 0
    assert not escalated.exclude(recipient=org.compliance).exists()
    overdue = list(selectors.overdue_queue(org.compliance, due + timedelta(hours=1)))
    assert {c.branch_id for c in overdue} == {org.bj.pk}
    assert org.bm.pk not in {c.staff_id for c in overdue}


def test_self_checks_are_seen_by_their_person_the_branch_compliance_and_hq(org, client):
    send(org)
    assert set(selectors.selfchecks(org.am).values_list("staff_id", flat=True)) == {org.am.pk}
    assert set(selectors.selfchecks(org.bm).values_list("staff_id", flat=True)) == {org.bm.pk}
    branch = {c.branch_id for c in selectors.selfchecks(org.compliance)}
    assert branch == {org.bj.pk}
    assert selectors.selfchecks(org.hq).count() == SelfCheck.objects.count()
    client.force_login(org.am)
    page = client.get(reverse("conduct:my-selfcheck"))
    assert page.status_code == 200 and "是否存在代客操作" in page.content.decode()
    response = client.post(reverse("conduct:my-selfcheck"), {
        "q0": "no", "q1": "no", "declaration_accepted": "on"})  # fmt: skip
    assert response.status_code == 302
    assert check_of(org.am).status == "signed"
    assert client.get(reverse("conduct:form-create")).status_code == 403


# --- The misconduct register ----------------------------------------------------------------
def substantiated_case(org, owner=None):
    c = make_client(owner or org.am, client_no="1100000077", phone="13800000077")
    case = case_services.case_open(user=org.compliance, data={
        "source_kind": "manual", "client": c, "summary": "客户经理代客下单"})  # fmt: skip
    case = case_services.case_investigate(user=org.compliance, case=case)
    return case_services.case_conclude(user=org.compliance, case=case, finding="substantiated",
                                       measures="警告并调离岗位")  # fmt: skip


def closed_staff_complaint(org):
    c = make_client(org.am, client_no="1100000088", phone="13800000088")
    complaint = ComplaintFactory(client=c, topic="staff_conduct", status="reviewed")
    Complaint.objects.filter(pk=complaint.pk).update(caused_by_person="王经理")
    complaint.refresh_from_db()
    return complaint_services.complaint_close(user=org.bm, complaint=complaint)


def test_the_register_takes_substantiated_cases_and_staff_complaints_once(org):
    case = substantiated_case(org)
    closed_staff_complaint(org)
    ComplaintFactory(client=make_client(org.am, client_no="1100000099", phone="13800000099"),
                     topic="trading", status="reviewed")  # no staff cause  # fmt: skip
    assert services.misconduct_sync() == 2
    assert services.misconduct_sync() == 0  # again: nothing twice
    from_case = MisconductEntry.objects.get(source_kind="compliance_case")
    assert from_case.source_id == case.pk and from_case.staff_id == org.am.pk
    assert from_case.measures == "警告并调离岗位"
    from_complaint = MisconductEntry.objects.get(source_kind="complaint")
    assert from_complaint.staff_id == org.am.pk and from_complaint.staff_name == "王经理"


def test_the_register_is_compliance_and_hq_only_and_never_the_person_concerned(org, client):
    substantiated_case(org)
    services.misconduct_sync()
    about_officer = services.misconduct_record(user=org.hq, staff=org.compliance,
                                               occurred_on=timezone.localdate(),
                                               summary="违规泄露客户信息")  # fmt: skip
    assert selectors.misconduct(org.hq).count() == 2
    seen = set(selectors.misconduct(org.compliance).values_list("pk", flat=True))
    assert about_officer.pk not in seen and len(seen) == 1
    for user in (org.am, org.advisor, org.agent, org.bm):
        assert not selectors.misconduct(user).exists()
        client.force_login(user)
        assert client.get(reverse("conduct:misconduct")).status_code == 404
        assert client.get(reverse("conduct:misconduct-create")).status_code == 404
    client.force_login(org.compliance)
    html = client.get(reverse("conduct:misconduct")).content.decode()
    assert "客户经理代客下单" in html and "违规泄露客户信息" not in html
    with pytest.raises(ValidationError):  # not about oneself
        services.misconduct_record(user=org.compliance, staff=org.compliance,
                                   occurred_on=timezone.localdate(), summary="x")  # fmt: skip
    with pytest.raises(ValidationError):  # not of another branch
        services.misconduct_record(user=org.compliance, staff=org.am_sh,
                                   occurred_on=timezone.localdate(), summary="x")  # fmt: skip


# --- Investor education ---------------------------------------------------------------------
def test_attending_an_education_event_records_it_once(org):
    c = make_client(org.am, client_no="1100000011", phone="13800000011")
    event = visit_services.event_create(user=org.bm, kind="education", title="基金定投讲座",
                                        starts_at=timezone.now() - timedelta(days=1),
                                        place="营业部")  # fmt: skip
    vip = visit_services.event_create(
        user=org.bm,
        kind="vip",
        title="联谊会",
        starts_at=timezone.now() - timedelta(days=1),
        place="酒店",
    )
    Invitation.objects.create(event=event, client=c, status="attended")
    Invitation.objects.create(event=vip, client=c, status="attended")
    assert services.education_from_events() == 1
    assert services.education_from_events() == 0
    record = EducationRecord.objects.get()
    assert (record.kind, record.topic, record.event_id) == ("event", "基金定投讲座", event.pk)
    assert list(selectors.education(org.am)) == [record]
    assert not selectors.education(org.am2).exists()  # another account manager's client


def snapshot(c, day, assets, inflow=0):
    AccountSnapshot.objects.create(client=c, date=day, total_assets=assets, net_inflow=inflow)


def test_two_complaints_or_losses_in_two_months_suggest_education(org):
    today = date(2026, 11, 20)
    at = datetime(2026, 10, 15, 10, tzinfo=SHANGHAI)
    complained = make_client(org.am, client_no="1100000021", phone="13800000021")
    once = make_client(org.am, client_no="1100000022", phone="13800000022")
    loser = make_client(org.am, client_no="1100000023", phone="13800000023")
    one_loss = make_client(org.am, client_no="1100000024", phone="13800000024")
    for c in (complained, complained, once):
        ComplaintFactory(client=c, received_at=at)
    # month ends: Aug 100k, Sep 90k (a loss), Oct 95k with 10k paid in (a loss), Nov up;
    # the other: one loss only (October's, the 10k paid in gone)
    for c in (loser, one_loss):
        snapshot(c, date(2026, 8, 31), 100000)
        snapshot(c, date(2026, 9, 30), 90000 if c == loser else 101000)
        snapshot(c, date(2026, 10, 31), 95000 if c == loser else 100000, inflow=10000)
        snapshot(c, date(2026, 11, 19), 96000 if c == loser else 101000)
    assert services.education_suggest(today) == 2
    assert services.education_suggest(today) == 0  # once a quarter
    found = {s.client_id: s for s in EducationSuggestion.objects.all()}
    assert set(found) == {complained.pk, loser.pk}
    assert found[complained.pk].reason == "complaints" and found[complained.pk].complaints == 2
    assert found[loser.pk].reason == "losses" and found[loser.pk].loss_months == 2
    assert found[loser.pk].quarter == date(2026, 10, 1)
    # recorded education closes the suggestion; an educated client is not suggested again
    services.education_record(user=org.am, client=loser, kind="article", topic="风险揭示",
                              on=timezone.localdate())  # fmt: skip
    assert EducationSuggestion.objects.get(client=loser).educated_at is not None
    assert [s.client_id for s in selectors.suggestion_queue(org.am, None)] == [complained.pk]
    assert not selectors.suggestions(org.am2).exists()


def test_education_by_hand_needs_a_client_in_scope_and_no_event_kind(org):
    mine = make_client(org.am, client_no="1100000031", phone="13800000031")
    other = make_client(org.am2, client_no="1100000032", phone="13800000032")
    with pytest.raises(ValidationError):
        services.education_record(user=org.am, client=other, kind="video", topic="x",
                                  on=timezone.localdate())  # fmt: skip
    with pytest.raises(ValidationError):
        services.education_record(user=org.am, client=mine, kind="event", topic="x",
                                  on=timezone.localdate())  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.education_record(user=org.compliance, client=mine, kind="video", topic="x",
                                  on=timezone.localdate())  # fmt: skip


def test_nightly_is_idempotent(org):
    substantiated_case(org)
    first = services.nightly(date(2026, 11, 20))
    assert first["misconduct"] == 1
    assert services.nightly(date(2026, 11, 20)) == {"misconduct": 0, "education": 0,
                                                    "educated": 0, "suggested": 0}  # fmt: skip


# --- Pages: fixed query counts --------------------------------------------------------------
def world(org, n):
    today = timezone.localdate()
    form = SelfCheckForm.objects.create(
        year=today.year,
        title="自查",
        questions=QUESTIONS,
        declaration="承诺",
        due_on=today,
        created_by=org.hq,
    )
    services.selfcheck_send(form=form)
    for i in range(n):
        c = make_client(org.am, client_no=f"115{i:07d}", phone=f"137{i:08d}")
        services.education_record(user=org.am, client=c, kind="video", topic=f"视频{i}",
                                  on=today)  # fmt: skip
        EducationSuggestion.objects.create(client=c, branch=org.bj, quarter=today.replace(day=1),
                                           reason="complaints", complaints=2)  # fmt: skip
        MisconductEntry.objects.create(branch=org.bj, staff=org.am, source_kind="manual",
                                       occurred_on=today, summary=f"违规{i}",
                                       recorded_by=org.hq)  # fmt: skip


@pytest.mark.parametrize("n", [2, 12])
@pytest.mark.parametrize(("name", "who"), [
    ("conduct:selfchecks", "compliance"), ("conduct:selfchecks", "am"),
    ("conduct:my-selfcheck", "am"), ("conduct:misconduct", "hq"),
    ("conduct:education", "am"), ("conduct:suggestions", "am"),
])  # fmt: skip
def test_pages_run_a_fixed_number_of_queries(client, org, query_baseline, n, name, who):
    world(org, n)
    client.force_login(getattr(org, who))
    with query_baseline(f"{name}:{who}"):
        response = client.get(reverse(name))
    assert response.status_code == 200
