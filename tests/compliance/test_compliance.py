"""Compliance cases: a red-flag callback answer opens exactly one case, in the same
transaction; the staff member concerned never sees it (404, web and API); the workflow
and its refusals (409, 412); the SLA clock escalates to HQ; cases opened by hand from a
source; the trend, the workbench; access by role; fixed query counts."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from callcenter import services as callcenter_services
from compliance import selectors, services
from compliance.models import ComplianceCase, ComplianceCaseEvent, Status
from crm import sla
from crm.models import Notification
from crm.services import TransitionNotAllowed
from tests.access import ApiAccessCase, WebAccessCase
from tests.complaints.helpers import receive as receive_complaint
from tests.factories import CallbackFactory, make_client

CLEAN = {"identity_verified": True, "trading_by_staff": "no", "risks_disclosed": "yes",
         "discretionary_mandate": "no", "satisfaction": 4}  # fmt: skip


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def held_callback(org, seq=1, owner=None, agent=None):
    c = make_client(owner or org.am, client_no=f"11{seq:08d}", phone=f"138{seq:08d}")
    return CallbackFactory(client=c, claimed_by=agent or org.agent, claimed_at=timezone.now())


def complete(org, cb, agent=None, **answers):
    return callcenter_services.callback_complete(
        user=agent or org.agent, callback=cb, **{**CLEAN, **answers}
    )


def red_flag_case(org, seq=1, owner=None, **answers):
    cb = held_callback(org, seq, owner=owner)
    complete(org, cb, **(answers or {"trading_by_staff": "yes"}))
    return ComplianceCase.objects.get(source_kind="callback", source_id=cb.pk)


def manual_case(org, user=None, **data):
    client = data.pop("client", None) or make_client(org.am, client_no="1199999999",
                                                     phone="13899999999")  # fmt: skip
    return services.case_open(user=user or org.compliance, data={
        "source_kind": "manual", "client": client, "summary": "客户反映客户经理承诺保本", **data,
    })  # fmt: skip


# --- Red flags from callbacks ---------------------------------------------------------------
def test_a_red_flag_answer_opens_exactly_one_case(org, django_capture_on_commit_callbacks):
    cb = held_callback(org)
    with django_capture_on_commit_callbacks(execute=True):
        complete(org, cb, trading_by_staff="yes")
    case = ComplianceCase.objects.get()
    assert (case.source_kind, case.source_id, case.source_url) == (
        "callback",
        cb.pk,
        cb.get_absolute_url(),
    )
    assert case.branch == org.bj and case.client == cb.client and case.status == Status.OPENED
    assert case.staff_concerned == org.am  # the client's account manager at the time
    assert case.assignee == org.compliance and case.opened_by is None
    assert case.red_flags == [{"question": "trading_by_staff", "answer": "yes"}]
    assert case.due_at > case.opened_at
    assert list(case.events.values_list("action", flat=True)) == ["open"]
    assert (
        Notification.objects.filter(recipient=org.compliance, kind="compliance.opened").count() == 1
    )
    assert not Notification.objects.filter(recipient=org.am, kind="compliance.opened").exists()
    # completing it again is refused by the call center, and the hook again opens nothing
    with pytest.raises(TransitionNotAllowed):
        complete(org, cb, trading_by_staff="yes")
    again = services.case_from_callback(form=cb.form)
    assert again.pk == case.pk and ComplianceCase.objects.count() == 1
    assert ComplianceCaseEvent.objects.count() == 1


@pytest.mark.parametrize("answers, question", [
    ({"discretionary_mandate": "yes"}, "discretionary_mandate"),
    ({"risks_disclosed": "no"}, "risks_disclosed"),
])  # fmt: skip
def test_each_red_flag_opens_a_case(org, answers, question):
    case = red_flag_case(org, **answers)
    assert [f["question"] for f in case.red_flags] == [question]


def test_identity_not_verified_is_a_red_flag():
    flags = services.red_flags({**CLEAN, "identity_verified": False, "trading_by_staff": "yes"})
    assert [f["question"] for f in flags] == ["trading_by_staff", "identity_verified"]


def test_clean_answers_open_nothing(org):
    complete(org, held_callback(org))
    assert not ComplianceCase.objects.exists()


def test_the_case_is_opened_in_the_completion_transaction(org, monkeypatch):
    """A failure opening the case rolls the completion back: no form without its case."""
    cb = held_callback(org)

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "_create", broken)
    with pytest.raises(RuntimeError):
        complete(org, cb, trading_by_staff="yes")
    cb.refresh_from_db()
    assert cb.status == "open" and not ComplianceCase.objects.exists()


# --- The staff member concerned never sees the case ----------------------------------------
def test_the_staff_member_concerned_never_sees_the_case(org, client):
    # a case about the branch's compliance officer, opened by HQ
    case = manual_case(org, user=org.hq, staff_concerned=org.compliance)
    assert case.assignee is None  # not assigned to the person concerned
    assert not ComplianceCase.objects.visible_to(org.compliance).exists()
    assert ComplianceCase.objects.visible_to(org.hq).get() == case
    client.force_login(org.compliance)
    assert client.get(reverse("compliance:detail", args=[case.pk])).status_code == 404
    listed = client.get(reverse("compliance:list")).content.decode()
    assert f'id="case-{case.pk}"' not in listed
    post = client.post(reverse("compliance:action", args=[case.pk, "investigate"]), {})
    assert post.status_code == 404
    api = api_for(org.compliance)
    assert api.get(reverse("api:compliancecase-detail", args=[case.pk])).status_code == 404
    assert api.get(reverse("api:compliancecase-list")).json()["count"] == 0
    step = api.post(reverse("api:compliancecase-investigate", args=[case.pk]), {})
    assert step.status_code == 404
    # the account manager concerned by a red-flag case: refused by role, never the data
    flagged = red_flag_case(org, seq=2)
    client.force_login(org.am)
    assert client.get(reverse("compliance:detail", args=[flagged.pk])).status_code == 403
    assert api_for(org.am).get(reverse("api:compliancecase-detail",
                                       args=[flagged.pk])).status_code == 403  # fmt: skip
    # HQ sees both
    assert api_for(org.hq).get(reverse("api:compliancecase-list")).json()["count"] == 2


def test_a_compliance_officer_cannot_open_a_case_about_themself(org):
    with pytest.raises(ValidationError) as exc:
        manual_case(org, staff_concerned=org.compliance)
    assert "staff_concerned" in exc.value.message_dict


# --- Workflow -------------------------------------------------------------------------------
def test_workflow_steps_and_refusals(org):
    case = red_flag_case(org)
    with pytest.raises(PermissionDenied):
        services.case_investigate(user=org.bm, case=case)
    with pytest.raises(TransitionNotAllowed):
        services.case_conclude(user=org.compliance, case=case, finding="unsubstantiated")
    case = services.case_investigate(user=org.compliance, case=case, note="调取录音")
    assert case.status == Status.INVESTIGATING and case.investigation_started_at
    with pytest.raises(ValidationError) as exc:  # substantiated needs the measures taken
        services.case_conclude(user=org.compliance, case=case, finding="substantiated")
    assert "measures" in exc.value.message_dict
    case = services.case_conclude(user=org.compliance, case=case, finding="substantiated",
                                  measures="约谈客户经理", reported_to_hq=True)  # fmt: skip
    assert case.status == Status.CONCLUDED and case.reported_to_hq_at and case.concluded_at
    case = services.case_close(user=org.compliance, case=case, note="整改完成")
    assert case.status == Status.CLOSED and case.closed_at and case.version == 4
    assert list(case.events.values_list("action", flat=True)) == [
        "open",
        "investigate",
        "conclude",
        "close",
    ]


def test_api_workflow_409_and_412(org):
    case = red_flag_case(org)
    api = api_for(org.compliance)
    url = reverse("api:compliancecase-detail", args=[case.pk])
    read = api.get(url)
    assert read.status_code == 200 and read["ETag"] == '"1"'
    assert read.json()["red_flags"] == [{"question": "trading_by_staff", "answer": "yes"}]
    conclude = reverse("api:compliancecase-conclude", args=[case.pk])
    assert api.post(conclude, {"finding": "unsubstantiated"}, format="json").status_code == 409
    investigate = reverse("api:compliancecase-investigate", args=[case.pk])
    assert api.post(investigate, {"note": "开始"}, format="json").status_code == 200
    stale = api.post(conclude, {"finding": "unsubstantiated"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert api.post(conclude, {}, format="json").status_code == 400  # the finding is required
    done = api.post(conclude, {"finding": "unsubstantiated", "version": 2}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "concluded"
    events = api.get(reverse("api:compliancecase-events", args=[case.pk])).json()
    assert [e["action"] for e in events] == ["open", "investigate", "conclude"]


def test_web_steps(org, client):
    case = red_flag_case(org)
    client.force_login(org.compliance)
    page = client.get(reverse("compliance:detail", args=[case.pk])).content.decode()
    assert 'id="case-flags"' in page and case.source_url in page
    assert reverse("compliance:action", args=[case.pk, "investigate"]) in page
    url = reverse("compliance:action", args=[case.pk, "investigate"])
    assert client.post(url, {"investigate-version": 1}).status_code == 302
    conclude = reverse("compliance:action", args=[case.pk, "conclude"])
    missing = client.post(conclude, {"conclude-version": 2, "conclude-finding": "substantiated"})
    assert missing.status_code == 400 and "measures" not in missing.content.decode()[:0]
    ok = client.post(
        conclude,
        {
            "conclude-version": 2,
            "conclude-finding": "substantiated",
            "conclude-measures": "约谈",
            "conclude-reported_to_hq": "on",
        },
    )
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.status == "concluded" and case.reported_to_hq_at is not None
    # the wrong state: a message, nothing applied
    assert client.post(url, {"investigate-version": 3}).status_code == 302
    case.refresh_from_db()
    assert case.status == "concluded"


# --- SLA ------------------------------------------------------------------------------------
def test_an_overdue_case_is_escalated_to_hq(org):
    case = red_flag_case(org)
    sent = sla.scan(now=case.due_at + timedelta(days=2), only=("compliance.",))
    assert sent >= 2
    kinds = dict(Notification.objects.filter(kind__startswith="compliance.case:")
                 .values_list("recipient__username", "kind"))  # fmt: skip
    assert kinds.get("hq") == "compliance.case:escalation-1"
    assert "am" not in kinds  # never the person concerned
    assert Notification.objects.filter(recipient=org.compliance,
                                       kind="compliance.case:breach").exists()  # fmt: skip
    # a second scan sends nothing again; a concluded case is off the clock
    assert sla.scan(now=case.due_at + timedelta(days=2), only=("compliance.",)) == 0


# --- By hand, from a source -----------------------------------------------------------------
def test_a_case_opened_from_a_complaint(org, client):
    complaint = receive_complaint(org)
    case = services.case_open(
        user=org.compliance,
        data={
            "source_kind": "complaint",
            "source_id": complaint.ticket_no,
            "summary": "投诉涉及代客操作",
        },
    )
    assert case.source_id == complaint.pk and case.source_url == complaint.get_absolute_url()
    assert case.staff_concerned == org.am and case.client == complaint.client
    assert case.opened_by == org.compliance
    # the form opened from the complaint's page is filled in
    client.force_login(org.compliance)
    page = client.get(
        reverse("compliance:create"), {"source": "complaint", "source_id": complaint.pk}
    ).content.decode()
    assert f'value="{complaint.pk}"' in page
    # another branch's complaint: no such record
    other = receive_complaint(
        org, user=org.agent_sh, client=make_client(org.am_sh, client_no="3100000001")
    )
    with pytest.raises(ValidationError) as exc:
        services.case_open(user=org.compliance, data={
            "source_kind": "complaint", "source_id": other.pk, "summary": "x"})  # fmt: skip
    assert "source_id" in exc.value.message_dict


def test_a_callback_with_a_case_cannot_get_a_second_by_hand(org):
    case = red_flag_case(org)
    with pytest.raises(ValidationError) as exc:
        services.case_open(user=org.compliance, data={
            "source_kind": "callback", "source_id": case.source_id, "summary": "再次"})  # fmt: skip
    assert "source_id" in exc.value.message_dict


def test_web_create(org, client):
    c = make_client(org.am, client_no="1100000042", phone="13800000042")
    client.force_login(org.compliance)
    bad = client.post(reverse("compliance:create"), {"source_kind": "call", "summary": ""})
    assert bad.status_code == 400
    ok = client.post(
        reverse("compliance:create"),
        {"source_kind": "manual", "client": f"id:{c.pk}", "summary": "客户经理私下收取费用"},
    )
    assert ok.status_code == 302
    case = ComplianceCase.objects.get()
    assert case.staff_concerned == org.am and case.client == c


# --- Trend and workbench --------------------------------------------------------------------
def test_trend_counts_by_source_and_finding(org, client, query_baseline):
    red_flag_case(org, seq=1)
    case = red_flag_case(org, seq=2, risks_disclosed="no")
    case = services.case_investigate(user=org.compliance, case=case)
    services.case_conclude(user=org.compliance, case=case, finding="unsubstantiated")
    manual_case(org)
    data = selectors.trend(org.hq)
    sources = {v: total for v, _label, _n, total in data["by_source"]}
    findings = {v: total for v, _label, _n, total in data["by_finding"]}
    assert sources["callback"] == 2 and sources["manual"] == 1 and data["total"] == 3
    assert findings["unsubstantiated"] == 1 and findings["none"] == 2
    assert [(b.code, opened, still) for b, opened, still, _y, _n in data["by_branch"]] == [
        ("BJ01", 3, 2)
    ]
    client.force_login(org.hq)
    with query_baseline("compliance:trend"):
        html = client.get(reverse("compliance:trend")).content.decode()
    assert 'id="trend-total">3<' in html
    # other roles: not theirs
    client.force_login(org.bm)
    assert client.get(reverse("compliance:trend")).status_code == 403


def test_workbench_sections(org, client):
    red_flag_case(org)
    client.force_login(org.compliance)
    html = client.get(reverse("crm:workbench")).content.decode()
    assert "data-case=" in html
    client.force_login(org.am)
    assert "data-case=" not in client.get(reverse("crm:workbench")).content.decode()


@pytest.mark.parametrize("n", [2, 30])
def test_list_query_count_is_fixed(client, org, query_baseline, n):
    for i in range(n):
        red_flag_case(org, seq=i + 1)
    client.force_login(org.compliance)
    with query_baseline("compliance:list"):
        html = client.get(reverse("compliance:list")).content.decode()
    assert html.count('<tr id="case-') == min(n, 25)
    with query_baseline("api:compliancecase-list"):
        data = api_for(org.hq).get(reverse("api:compliancecase-list")).json()
    assert data["count"] == n


# --- Access by role -------------------------------------------------------------------------
CASE_READERS = {"compliance": {"list": 200, "detail": 200, "create": 201},
                "hq": {"list": 200, "detail": 200, "create": 201}}  # fmt: skip


class CaseScopes:
    def make_in_scope(self, org, user):
        c = make_client(org.am, client_no="1100000777", phone="13800000777")
        return services.case_open(user=org.hq, data={
            "source_kind": "manual", "client": c, "summary": "核实"})  # fmt: skip

    def make_out_of_scope(self, org, user):
        if user is not None and user.staff.role == "hq":
            return None  # HQ sees every branch's cases
        c = make_client(org.am_sh, client_no="3100000777", phone="13800000778")
        return services.case_open(user=org.hq, data={
            "source_kind": "manual", "client": c, "summary": "核实"})  # fmt: skip


class TestCaseApiAccess(CaseScopes, ApiAccessCase):
    list_url = "api:compliancecase-list"
    detail_url = "api:compliancecase-detail"
    expected = CASE_READERS

    def create_payload(self, org, user):
        c = make_client(org.am, client_no="1100000778", phone="13800000779")
        return {"source_kind": "manual", "client": c.pk, "summary": "客户经理承诺收益"}


class TestCaseWebAccess(CaseScopes, WebAccessCase):
    list_url = "compliance:list"
    detail_url = "compliance:detail"
    expected = {"compliance": {"list": 200, "detail": 200}, "hq": {"list": 200, "detail": 200}}


def test_source_pages_offer_the_button_to_compliance_only(org, client):
    complaint = receive_complaint(org)
    cb = held_callback(org, seq=5)
    complete(org, cb)
    for user, shown in ((org.compliance, True), (org.hq, True), (org.bm, False),
                        (org.agent, False)):  # fmt: skip
        client.force_login(user)
        for url, source, pk in ((complaint.get_absolute_url(), "complaint", complaint.pk),
                                (cb.get_absolute_url(), "callback", cb.pk)):  # fmt: skip
            html = client.get(url).content.decode()
            link = f"/compliance/new/?source={source}&amp;source_id={pk}"
            assert (link in html) is shown, (user.username, url)


def test_demo_cases_in_every_state_and_idempotent(org):
    import io

    from compliance.demo import seed_cases

    red_flag_case(org, seq=1)  # a demo callback's red flag (callcenter seeds first)
    for i in range(2, 9):
        complete(org, held_callback(org, seq=i))
    seed_cases({"comp_bj": org.compliance}, io.StringIO())
    states = list(ComplianceCase.objects.values_list("status", flat=True))
    assert {"opened", "investigating", "concluded", "closed"} <= set(states)
    assert set(ComplianceCase.objects.values_list("finding", flat=True)) == {
        "",
        "substantiated",
        "unsubstantiated",
    }
    count = len(states)
    seed_cases({"comp_bj": org.compliance}, io.StringIO())
    assert ComplianceCase.objects.count() == count
    assert selectors.trend(org.hq)["total"] == count
