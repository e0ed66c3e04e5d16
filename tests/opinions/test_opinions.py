"""The register of client opinions: each source lands once, the workflow, scoping, the
analysis by category and month, the workbench sections and fixed query counts."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from callcenter import services as callcenter_services
from callcenter.models import Callback
from complaints import services as complaint_services
from crm.services import TransitionNotAllowed
from opinions import selectors, services
from opinions.models import Opinion, Status
from servicedesk import services as sr_services
from tests.complaints.helpers import receive as receive_complaint
from tests.factories import ClientFactory, make_client
from tests.servicedesk.helpers import receive as receive_request


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def manual(org, user=None, client=None, **data):
    if client is None:
        client = make_client(org.am, client_no=f"11{data.pop('seq', 1):08d}",
                             phone=f"138{data.get('phone_seq', 1):08d}")  # fmt: skip
    data.pop("phone_seq", None)
    return services.opinion_create(user=user or org.agent, data={
        "client": client, "category": data.pop("category", "service"),
        "text": data.pop("text", "希望增加投顾服务频次"), **data,
    })  # fmt: skip


# --- Sources ------------------------------------------------------------------------------
def test_a_callback_opinion_lands_once(org):
    c = ClientFactory(owner=org.am, client_no="1100000007", phone="13900000007",
                      opened_on=timezone.localdate() - timedelta(days=5))  # fmt: skip
    callcenter_services.generate_due_callbacks()
    cb = callcenter_services.callback_claim(user=org.agent, callback=Callback.objects.get(client=c))
    callcenter_services.callback_complete(
        user=org.agent, callback=cb, identity_verified=True, trading_by_staff="no",
        risks_disclosed="yes", discretionary_mandate="no", satisfaction=4,
        opinion="希望增加投顾服务频次", opinion_category="service",
    )  # fmt: skip
    opinion = Opinion.objects.get()
    assert (opinion.source_kind, opinion.source_id, opinion.client) == ("callback", cb.pk, c)
    assert opinion.source_url == cb.get_absolute_url() and opinion.branch_id == c.branch_id
    assert opinion.category == "service" and opinion.status == Status.OPEN
    # the same source again: nothing new
    again = services.opinion_record(
        source_kind="callback", source_id=cb.pk, source_url="", branch=c.branch_id, client=c,
        category="fees", text="再次",
    )  # fmt: skip
    assert again.pk == opinion.pk and Opinion.objects.count() == 1
    assert Opinion.objects.get().text == "希望增加投顾服务频次"


def test_a_callback_without_opinion_records_nothing(org):
    c = ClientFactory(owner=org.am, client_no="1100000008", phone="13900000008",
                      opened_on=timezone.localdate() - timedelta(days=5))  # fmt: skip
    callcenter_services.generate_due_callbacks()
    cb = callcenter_services.callback_claim(user=org.agent, callback=Callback.objects.get(client=c))
    callcenter_services.callback_complete(
        user=org.agent, callback=cb, identity_verified=True, trading_by_staff="no",
        risks_disclosed="yes", discretionary_mandate="no", satisfaction=5,
    )  # fmt: skip
    assert not Opinion.objects.exists()


def test_a_complaint_review_comment_lands_once(org):
    c = receive_complaint(org, status="resolved", handler=org.agent, topic="fees")
    reviewed = complaint_services.complaint_review(
        user=org.am, complaint=c, note="复核通过", satisfaction=3,
        satisfaction_comment="希望费用说明更清楚",
    )  # fmt: skip
    opinion = Opinion.objects.get()
    assert (opinion.source_kind, opinion.source_id) == ("complaint_review", reviewed.pk)
    assert opinion.category == "fees" and opinion.text == "希望费用说明更清楚"
    assert opinion.source_url == reviewed.get_absolute_url()


def test_a_closed_service_request_with_the_clients_opinion_lands_once(org):
    sr = receive_request(org)
    sr = sr_services.servicerequest_resolve(user=org.agent, service_request=sr, resolution="已解答")
    sr = sr_services.servicerequest_close(user=org.agent, service_request=sr,
                                          opinion="希望开通线上预约")  # fmt: skip
    opinion = Opinion.objects.get()
    assert (opinion.source_kind, opinion.source_id) == ("service_request", sr.pk)
    assert opinion.client_id == sr.client_id and opinion.text == "希望开通线上预约"
    sr = sr_services.servicerequest_reopen(user=org.agent, service_request=sr, reason="再来电")
    sr = sr_services.servicerequest_resolve(user=org.agent, service_request=sr, resolution="好")
    sr_services.servicerequest_close(user=org.agent, service_request=sr, opinion="再说一次")
    assert Opinion.objects.count() == 1


def test_the_close_form_carries_the_opinion(client, org):
    sr = receive_request(org)
    sr = sr_services.servicerequest_resolve(user=org.agent, service_request=sr, resolution="已解答")
    client.force_login(org.agent)
    response = client.post(reverse("servicedesk:action", args=[sr.pk, "close"]), {
        "close-version": sr.version, "close-note": "关闭", "close-opinion": "营业厅排队太久",
    })  # fmt: skip
    assert response.status_code == 302
    assert Opinion.objects.get().text == "营业厅排队太久"


# --- Workflow -----------------------------------------------------------------------------
def test_route_answer_close_and_the_refused_steps(org):
    o = manual(org)
    with pytest.raises(PermissionDenied):
        services.opinion_route(user=org.agent, opinion=o, department="财富管理部")
    with pytest.raises(ValidationError):
        services.opinion_route(user=org.bm, opinion=o)
    with pytest.raises(ValidationError):  # a person of another branch
        services.opinion_route(user=org.bm, opinion=o, routed_to=org.am_sh)
    o = services.opinion_route(user=org.bm, opinion=o, department="财富管理部", routed_to=org.am)
    assert (o.status, o.department, o.routed_to) == (Status.ROUTED, "财富管理部", org.am)
    with pytest.raises(PermissionDenied):  # not routed to the advisor
        services.opinion_answer(user=org.advisor, opinion=o, answer="好")
    with pytest.raises(TransitionNotAllowed):
        services.opinion_close(user=org.bm, opinion=o)
    o = services.opinion_answer(user=org.am, opinion=o, answer="已与客户沟通")
    assert (o.status, o.answered_by, o.answer) == (Status.ANSWERED, org.am, "已与客户沟通")
    assert o.answered_at is not None
    o = services.opinion_close(user=org.bm, opinion=o, note="客户认可")
    assert o.status == Status.CLOSED and o.closed_at is not None
    with pytest.raises(TransitionNotAllowed):
        services.opinion_answer(user=org.bm, opinion=o, answer="再答")
    o = services.opinion_reopen(user=org.bm, opinion=o, reason="客户再次反映")
    assert o.status == Status.OPEN and o.closed_at is None


def test_api_create_list_steps_and_409(org):
    target = make_client(org.am, client_no="1100000001")
    api = api_for(org.agent)
    created = api.post("/api/v1/opinions/", {"client": target.pk, "category": "fees",
                                             "text": "希望降低佣金"}, format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "open" and created.json()["source_kind"] == "manual"
    bad = api.post("/api/v1/opinions/", {"category": "nope", "text": ""}, format="json")
    assert bad.status_code == 400
    listed = api.get("/api/v1/opinions/", {"category": "fees", "pending": "true"})
    assert [r["id"] for r in listed.json()["results"]] == [pk]
    assert api.get("/api/v1/opinions/", {"month": "2026-13"}).status_code == 400
    bm = api_for(org.bm)
    refused = bm.post(f"/api/v1/opinions/{pk}/close/", {}, format="json")
    assert refused.status_code == 409
    assert Opinion.objects.get(pk=pk).status == "open"
    routed = bm.post(f"/api/v1/opinions/{pk}/route/", {"routed_to": "am"}, format="json")
    assert routed.status_code == 200 and routed.json()["routed_to"] == "am"
    assert api_for(org.am).get("/api/v1/opinions/", {"mine": "true"}).json()["count"] == 1
    missing = api_for(org.am).post(f"/api/v1/opinions/{pk}/answer/", {}, format="json")
    assert missing.status_code == 400
    answered = api_for(org.am).post(f"/api/v1/opinions/{pk}/answer/", {"answer": "已调整"},
                                    format="json")  # fmt: skip
    assert answered.status_code == 200 and answered.json()["status"] == "answered"


def test_another_branch_does_not_see_it(client, org):
    o = manual(org)
    assert api_for(org.bm_sh).get(f"/api/v1/opinions/{o.pk}/").status_code == 404
    assert api_for(org.bm_sh).post(f"/api/v1/opinions/{o.pk}/route/", {"department": "x"},
                                   format="json").status_code == 404  # fmt: skip
    client.force_login(org.bm_sh)
    assert client.get(reverse("opinions:detail", args=[o.pk])).status_code == 404
    assert api_for(org.am2).get(f"/api/v1/opinions/{o.pk}/").status_code == 404
    assert api_for(org.am).get(f"/api/v1/opinions/{o.pk}/").status_code == 200


def test_web_steps_and_manual_entry(client, org):
    target = make_client(org.am, client_no="1100000001")
    client.force_login(org.bm)
    created = client.post(reverse("opinions:create"), {
        "client": f"id:{target.pk}", "category": "systems", "text": "App闪退",
    })  # fmt: skip
    o = Opinion.objects.get()
    assert created.status_code == 302 and created["Location"] == o.get_absolute_url()
    bad = client.post(reverse("opinions:action", args=[o.pk, "route"]), {"route-note": "x"})
    assert bad.status_code == 400 and Opinion.objects.get().status == "open"
    ok = client.post(reverse("opinions:action", args=[o.pk, "route"]),
                     {"route-department": "信息技术部"})  # fmt: skip
    assert ok.status_code == 302 and Opinion.objects.get().status == "routed"
    html = client.get(o.get_absolute_url()).content.decode()
    assert "信息技术部" in html and 'id="act-answer"' in html and 'id="act-close"' not in html
    closed = client.post(reverse("opinions:action", args=[o.pk, "close"]), {"close-note": "x"})
    assert closed.status_code == 302 and Opinion.objects.get().status == "routed"  # refused


# --- Analysis -----------------------------------------------------------------------------
def test_analysis_counts_by_category_and_month(client, org, query_baseline):
    now = timezone.now()
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=15)
    old = timezone.make_aware(datetime(last_month.year, last_month.month, 15, 10))
    manual(org, seq=1, category="fees", received_at=now)
    manual(org, seq=2, phone_seq=2, category="fees", received_at=now)
    manual(org, seq=3, phone_seq=3, category="systems", received_at=old)
    manual(org, seq=4, phone_seq=4, category="fees", received_at=now - timedelta(days=400))
    manual(org, user=org.agent_sh, client=make_client(org.am_sh, client_no="3100000001"))
    data = selectors.analysis(org.bm)
    assert len(data["months"]) == 12 and data["months"][-1] == today.replace(day=1)
    rows = {value: numbers for value, _label, numbers, _total in data["rows"]}
    assert rows["fees"][-1] == 2 and rows["systems"][-2] == 1 and data["total"] == 3
    client.force_login(org.bm)
    with query_baseline("opinions:analysis"):
        html = client.get(reverse("opinions:analysis")).content.decode()
    assert 'id="opinion-total">3<' in html
    assert f'?category=fees&month={today:%Y-%m}">2<' in html
    xlsx = client.get(reverse("opinions:analysis"), {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")
    month = f"{today:%Y-%m}"
    listed = client.get(reverse("opinions:register"), {"category": "fees", "month": month})
    listed = listed.content.decode()
    assert listed.count('<tr id="opinion-') == 2
    assert client.get(reverse("opinions:register"), {"month": "x"}).status_code == 200


@pytest.mark.parametrize("n", [2, 30])
def test_register_query_count_is_fixed(client, org, query_baseline, n):
    for i in range(n):
        o = manual(org, seq=i + 1, phone_seq=i + 1)
        if i % 2:
            services.opinion_route(user=org.bm, opinion=o, department="运营部", routed_to=org.am)
    client.force_login(org.bm)
    with query_baseline("opinions:register"):
        html = client.get(reverse("opinions:register")).content.decode()
    assert html.count('<tr id="opinion-') == min(n, 25)


# --- Workbench ----------------------------------------------------------------------------
def test_workbench_sections_for_the_manager_and_the_routed_person(client, org):
    first = manual(org, seq=1, text="最早的意见", received_at=timezone.now() - timedelta(days=3))
    second = manual(org, seq=2, phone_seq=2, text="第二条意见")
    done = manual(org, seq=3, phone_seq=3, text="已答复的意见")
    services.opinion_route(user=org.bm, opinion=second, department="运营部", routed_to=org.am)
    done = services.opinion_answer(user=org.bm, opinion=done, answer="已处理")
    client.force_login(org.bm)
    html = client.get(reverse("crm:workbench")).content.decode()
    section = html.split('id="section-opinions_pending"')[1].split('id="section-')[0]
    assert section.index("最早的意见") < section.index("第二条意见")
    assert "已答复的意见" not in section
    client.force_login(org.am)
    html = client.get(reverse("crm:workbench")).content.decode()
    mine = html.split('id="section-opinions_mine"')[1].split('id="section-')[0]
    assert "第二条意见" in mine and "最早的意见" not in mine
    assert first.pk != done.pk
