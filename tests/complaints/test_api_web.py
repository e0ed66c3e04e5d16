from datetime import timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from complaints import services
from complaints.models import Complaint
from tests.access import ApiAccessCase, WebAccessCase
from tests.complaints.helpers import receive
from tests.factories import ComplaintFactory, make_client
from tests.roles import STAFF_ROLES

READ = {"list": 200, "detail": 200}
WRITE_API = {**READ, "create": 201}


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


class ComplaintScopes:
    def make_in_scope(self, org, user):
        c = receive(org, seq=user.pk)
        if user.staff.role in ("account_manager", "advisor"):
            Complaint.objects.filter(pk=c.pk).update(handler=user)
        return c

    def make_out_of_scope(self, org, user):
        if user.staff.sees_all_branches:
            return None
        client = make_client(org.am_sh, name="上海客户", client_no="3100000001")
        return ComplaintFactory(
            client=client, user=org.agent_sh, topic="fees", description="上海投诉"
        )


class TestComplaintApiAccess(ComplaintScopes, ApiAccessCase):
    list_url = "api:complaint-list"
    detail_url = "api:complaint-detail"
    expected = {
        "account_manager": WRITE_API,
        "advisor": WRITE_API,
        "service_agent": WRITE_API,
        "branch_manager": WRITE_API,
        "compliance": READ,
        "hq": WRITE_API,
        "integration": READ,
    }

    def create_payload(self, org, user):
        client = make_client(org.am, name="来电客户", client_no="1100009999")
        if user.staff.role == "advisor":
            return {
                "complainant_name": "来电人",
                "channel": "phone",
                "topic": "fees",
                "description": "收费不明",
            }
        return {"client": client.pk, "channel": "phone", "topic": "fees", "description": "收费不明"}


class TestComplaintWebAccess(ComplaintScopes, WebAccessCase):
    list_url = "complaints:desk"
    detail_url = "complaints:detail"
    expected = dict.fromkeys(STAFF_ROLES, READ)


def test_account_manager_sees_only_own_clients_complaints(org):
    mine = receive(org, seq=1)
    other = receive(org, seq=2, client=make_client(org.am2, name="李四", client_no="1100000002"))
    api = api_for(org.am)
    assert [c["id"] for c in api.get("/api/v1/complaints/").json()["results"]] == [mine.pk]
    assert api.get(f"/api/v1/complaints/{other.pk}/").status_code == 404


def test_api_workflow_with_409_for_steps_not_allowed(org):
    api = api_for(org.agent)
    c = receive(org)
    url = f"/api/v1/complaints/{c.pk}"
    assert api.post(f"{url}/resolve/", {"resolution": "r", "feedback": "f"}).status_code == 409
    assert api.post(f"{url}/acknowledge/", {}).json()["status"] == "acknowledged"
    assert api.post(f"{url}/acknowledge/", {}).status_code == 409
    bad = api.post(f"{url}/resolve/", {"resolution": "", "feedback": ""})
    assert bad.status_code == 400 and set(bad.json()) == {"resolution", "feedback"}
    assert api.post(f"{url}/resolve/", {"resolution": "r", "feedback": "f"}).status_code == 200
    assert api.post(f"{url}/review/", {"note": "mine"}).status_code == 403  # the handler
    assert api_for(org.bm).post(f"{url}/review/", {"note": "ok"}).status_code == 200
    assert api.post(f"{url}/close/", {}).json()["status"] == "closed"
    assert api.post(f"{url}/reopen/", {}).status_code == 400
    assert api.post(f"{url}/reopen/", {"reason": "客户不满意"}).json()["status"] == "investigating"
    events = api.get(f"{url}/events/").json()
    assert [e["action"] for e in events][-2:] == ["close", "reopen"]
    assert api_for(org.compliance).post(f"{url}/pause/", {"note": "x"}).status_code == 403


def test_two_people_acting_at_once_cannot_both_succeed(org):
    c = receive(org)
    first = api_for(org.agent).post(f"/api/v1/complaints/{c.pk}/acknowledge/", {"version": 1})
    second = api_for(org.bm).post(
        f"/api/v1/complaints/{c.pk}/refuse/", {"reason": "重复投诉", "version": 1}
    )
    assert first.status_code == 200 and second.status_code == 412
    assert Complaint.objects.get(pk=c.pk).status == "acknowledged"


def test_etag_if_match_412_and_409_stays_for_steps(org):
    c = receive(org)
    url = f"/api/v1/complaints/{c.pk}"
    agent, bm = api_for(org.agent), api_for(org.bm)
    assert agent.get(f"{url}/")["ETag"] == '"1"' == bm.get(f"{url}/")["ETag"]
    # both transfer the complaint they read: the second is refused, not overwritten
    first = agent.post(f"{url}/transfer/", {"handler": "am"}, HTTP_IF_MATCH='"1"')
    assert first.status_code == 200 and first["ETag"] == '"2"'
    second = bm.post(f"{url}/transfer/", {"handler": "am2"}, HTTP_IF_MATCH='"1"')
    assert second.status_code == 412 and second.json()["detail"]
    assert Complaint.objects.get(pk=c.pk).handler.username == "am"
    # with the current version, a step the status does not allow is still 409
    closing = bm.post(f"{url}/close/", {}, HTTP_IF_MATCH='"2"')
    assert closing.status_code == 409 and closing.json()["detail"]
    assert Complaint.objects.get(pk=c.pk).version == 2


def test_api_transfer_and_compensation(org):
    c = receive(org, category="major_economic", claimed_compensation=1000)
    url = f"/api/v1/complaints/{c.pk}"
    api_for(org.agent).post(f"{url}/acknowledge/", {})
    assert api_for(org.agent).post(f"{url}/transfer/", {}).status_code == 400
    moved = api_for(org.agent).post(f"{url}/transfer/", {"handler": "am2"}).json()
    assert (moved["handler"], moved["first_responder"]) == ("am2", "agent")
    assert (
        api_for(org.agent).post(f"{url}/approve-compensation/", {"amount": "800"}).status_code
        == 403
    )
    assert (
        api_for(org.bm)
        .post(f"{url}/approve-compensation/", {"amount": "800"})
        .json()["approved_compensation"]
        == "800.00"
    )


def test_api_create_validation_and_filters(org):
    api = api_for(org.agent)
    bad = api.post("/api/v1/complaints/", {"channel": "fax", "topic": "x"}, format="json")
    assert bad.status_code == 400 and {"channel", "topic", "description"} <= set(bad.json())
    assert not Complaint.objects.exists()
    receive(org, seq=1, severity=5)
    receive(org, seq=2, category="major_economic")
    assert api.get("/api/v1/complaints/", {"severity": 5}).json()["count"] == 1
    assert api.get("/api/v1/complaints/", {"category": "major_economic"}).json()["count"] == 1
    assert api.get("/api/v1/complaints/", {"open": "true"}).json()["count"] == 2
    assert api.get("/api/v1/complaints/", {"overdue": "true"}).json()["count"] == 0
    assert api.get("/api/v1/complaints/", {"status": "nope"}).status_code == 400


@pytest.mark.parametrize("n", [2, 30])
def test_desk_query_count_is_fixed(client, org, query_baseline, n):
    for i in range(n):
        receive(org, seq=i + 1)
    client.force_login(org.bm)
    with query_baseline("complaints:desk"):
        html = client.get(reverse("complaints:desk")).content.decode()
    assert html.count('<tr id="complaint-') == min(n, 25)


@pytest.mark.parametrize("steps", [1, 12])
def test_detail_query_count_is_fixed(client, org, query_baseline, steps):
    c = receive(org)
    for i in range(steps):
        services.complaint_transfer(
            user=org.bm, complaint=c, handler=org.am if i % 2 == 0 else org.agent
        )
    client.force_login(org.bm)
    with query_baseline("complaints:detail"):
        html = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    assert c.ticket_no in html and "first-responder" in html


def test_intake_form_registers_the_picked_client(client, org):
    target = make_client(org.am, name="王先生", client_no="1100000001", phone="13912345678")
    client.force_login(org.agent)  # the service agent takes the call
    bad = client.post(
        reverse("complaints:intake"),
        {"channel": "phone", "category": "general", "severity": 2, "topic": "fees"},
    )
    assert bad.status_code == 400 and "该字段是必填项" in bad.content.decode()
    response = client.post(reverse("complaints:intake"), {
        "client": f"id:{target.pk}", "channel": "phone", "category": "general", "severity": 3,
        "topic": "fees", "description": "佣金收取有误",
    })  # fmt: skip
    complaint = Complaint.objects.get()
    assert response.url == complaint.get_absolute_url()
    assert complaint.first_responder == org.agent and complaint.client == target


def test_web_actions_and_forbidden_step(client, org):
    c = receive(org)
    client.force_login(org.agent)
    url = reverse("complaints:action", args=[c.pk, "acknowledge"])
    assert client.post(url, {"acknowledge-note": "已联系"}).status_code == 302
    again = client.post(url, {"acknowledge-note": ""}, follow=True)
    assert "不能" in again.content.decode() or "not possible" in again.content.decode()
    bad = client.post(
        reverse("complaints:action", args=[c.pk, "resolve"]),
        {"resolve-resolution": "", "resolve-feedback": ""},
    )
    assert bad.status_code == 400


def test_web_two_tabs_the_second_step_is_refused_not_applied(client, org):
    """Two tabs show the complaint at version 1; the first transfers it, the second
    transfers it too: refused with the message, the typed note kept, nothing applied."""
    c = receive(org)
    client.force_login(org.bm)
    page = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    assert 'name="transfer-version" value="1"' in page
    url = reverse("complaints:action", args=[c.pk, "transfer"])
    first = client.post(url, {"transfer-handler": org.am.pk, "transfer-version": 1})
    assert first.status_code == 302
    second = client.post(
        url, {"transfer-handler": org.am2.pk, "transfer-note": "请跟进", "transfer-version": 1}
    )
    assert second.status_code == 409
    html = second.content.decode()
    assert "其他人" in html  # "someone else changed this complaint", in Chinese
    assert "请跟进" in html and 'name="transfer-version" value="2"' in html
    c.refresh_from_db()
    assert (c.handler, c.version) == (org.am, 2)
    # sent again from the refreshed form, knowing the current state: applied
    again = client.post(url, {"transfer-handler": org.am2.pk, "transfer-version": 2})
    assert again.status_code == 302
    c.refresh_from_db()
    assert c.handler == org.am2


def test_web_stale_step_that_is_no_longer_allowed_says_so(client, org):
    c = receive(org)
    client.force_login(org.agent)
    ack = reverse("complaints:action", args=[c.pk, "acknowledge"])
    assert client.post(ack, {"acknowledge-version": 1}).status_code == 302
    again = client.post(ack, {"acknowledge-version": 1})
    assert again.status_code == 409 and "其他人" in again.content.decode()
    assert Complaint.objects.get(pk=c.pk).events.filter(action="acknowledge").count() == 1


def test_attachment_download_is_scoped(client, org, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    c = receive(org)
    a = services.attachment_add(
        user=org.agent, complaint=c, upload=SimpleUploadedFile("letter.pdf", b"%PDF-1.4 test")
    )
    url = reverse("complaints:attachment", args=[c.pk, a.pk])
    client.force_login(org.agent)
    assert b"".join(client.get(url).streaming_content) == b"%PDF-1.4 test"
    client.force_login(org.agent_sh)
    assert client.get(url).status_code == 404


def test_analysis_page_and_exports(client, org):
    c = receive(org)
    c = services.complaint_acknowledge(user=org.agent, complaint=c)
    c = services.complaint_resolve(user=org.agent, complaint=c, resolution="r", feedback="f")
    c = services.complaint_review(user=org.bm, complaint=c, note="ok", satisfaction=5)
    services.complaint_close(user=org.bm, complaint=c)
    client.force_login(org.bm)
    html = client.get(reverse("complaints:analysis")).content.decode()
    assert "交易" in html
    xlsx = client.get(reverse("complaints:analysis"), {"export": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    year = c.received_at.year
    summary = client.get(reverse("complaints:regulator"), {"year": year})
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(summary.content))
    values = list(book.worksheets[0].iter_rows(values_only=True))
    assert values[1][1] == 1  # complaints received
    client.force_login(org.agent)
    assert client.get(reverse("complaints:analysis")).status_code == 403


def test_dashboard_panel_and_workbench(client, org):
    c = receive(org)
    Complaint.objects.filter(pk=c.pk).update(resolution_due_at=c.received_at - timedelta(days=1))
    client.force_login(org.bm)
    html = client.get(reverse("crm:dashboard")).content.decode()
    assert "measure-complaints_received" in html
    client.force_login(org.agent)
    assert c.ticket_no in client.get("/").content.decode()
