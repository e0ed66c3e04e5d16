"""Exports masked unless approved: request, approval by another person, one download."""

from datetime import timedelta
from urllib.parse import unquote

import pytest
import tablib
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import AccessLog, ExportRequest, Notification
from crm.services import TransitionNotAllowed
from tests.factories import make_client, valid_id_number

ID_1, ID_2 = valid_id_number(1), valid_id_number(2)


@pytest.fixture
def clients(org):
    return [
        make_client(org.am, name="张三", client_no="1100000001", id_number=ID_1,
                    phone="13812345678"),
        make_client(org.am, name="李四", id_number=ID_2, phone="13987654321"),  # potential
        make_client(org.am2, name="王五", client_no="1100000003", phone="13700000003"),
    ]  # fmt: skip


def request_export(org, user=None, params=None, reason="客户要求提供完整档案核对"):
    return services.export_request_create(
        user=user or org.am, kind="clients", params=params or {}, reason=reason
    )


def download(client, export, fmt="csv"):
    return client.post(reverse("crm:export-download", args=[export.pk]), {"format": fmt})


def body_of(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


# --- Services -------------------------------------------------------------------------
def test_request_notifies_the_branch_approvers_and_is_logged(org, clients):
    export = request_export(org, params={"stage": ["new"], "page": ["3"]})
    assert export.status == "pending" and export.branch == org.bj
    assert export.params == {"stage": ["new"]}  # the page number is not a filter
    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assert notified == {"bm", "compliance"}
    log = AccessLog.objects.get()
    assert (log.action, log.user, log.object_id, log.field) == ("request", org.am, export.pk,
                                                                 "clients")  # fmt: skip


def test_who_may_request(org, clients):
    for user in (org.agent, org.advisor, org.integration):
        with pytest.raises(PermissionDenied):
            request_export(org, user=user)
    with pytest.raises(ValidationError):
        request_export(org, reason=" ")
    with pytest.raises(ValidationError):
        services.export_request_create(user=org.am, kind="nothing", params={}, reason="原因原因")
    assert request_export(org, user=org.compliance).status == "pending"


def test_decided_by_the_branch_or_hq_never_by_the_requester(org, clients):
    own = request_export(org, user=org.bm)
    with pytest.raises(PermissionDenied):
        services.export_request_decide(user=org.bm, export_request=own, approve=True)
    with pytest.raises(PermissionDenied):
        services.export_request_decide(user=org.bm_sh, export_request=own, approve=True)
    with pytest.raises(PermissionDenied):
        services.export_request_decide(user=org.am2, export_request=own, approve=True)
    assert (
        services.export_request_decide(user=org.compliance, export_request=own, approve=True).status
        == "approved"
    )
    other = request_export(org)
    with pytest.raises(ValidationError):
        services.export_request_decide(user=org.hq, export_request=other, approve=False)
    decided = services.export_request_decide(
        user=org.hq, export_request=other, approve=False, note="范围过大"
    )
    assert decided.status == "rejected" and decided.expires_at is None
    with pytest.raises(TransitionNotAllowed):
        services.export_request_decide(user=org.bm, export_request=other, approve=True)
    assert list(AccessLog.objects.filter(action__in=["approve", "reject"]).values_list(
        "action", "user__username")) == [("reject", "hq"), ("approve", "compliance")]  # fmt: skip
    assert Notification.objects.filter(
        Q(title__contains="rejected") | Q(title__contains="驳回"), recipient=org.am
    ).exists()


def test_download_once_by_the_requester_within_the_hours(org, clients, settings):
    export = request_export(org)
    with pytest.raises(TransitionNotAllowed):  # not approved yet
        services.export_request_download(user=org.am, export_request=export)
    services.export_request_decide(user=org.bm, export_request=export, approve=True)
    with pytest.raises(PermissionDenied):
        services.export_request_download(user=org.bm, export_request=export)
    done = services.export_request_download(user=org.am, export_request=export)
    assert done.status == "downloaded" and done.downloaded_at
    with pytest.raises(TransitionNotAllowed):
        services.export_request_download(user=org.am, export_request=export)
    late = request_export(org)
    services.export_request_decide(user=org.bm, export_request=late, approve=True)
    hours = settings.CRM_UNMASKED_EXPORT_HOURS
    with (
        time_machine.travel(timezone.now() + timedelta(hours=hours, minutes=1)),
        pytest.raises(TransitionNotAllowed),
    ):
        services.export_request_download(user=org.am, export_request=late)
    assert AccessLog.objects.filter(action="export", user=org.am).count() == 1


# --- Web ------------------------------------------------------------------------------
def test_full_flow_through_the_pages(client, org, clients):
    client.force_login(org.am)
    listing = client.get(reverse("clients:list"), {"stage": "new"}).content.decode()
    assert f"{reverse('crm:export-request')}?kind=clients&amp;stage=new" in listing
    form = client.get(reverse("crm:export-request"), {"kind": "clients", "stage": "new"})
    assert form.status_code == 200 and "阶段：新开户" in form.content.decode()
    sent = client.post(reverse("crm:export-request"), {
        "kind": "clients", "query": "stage=new", "reason": "监管检查需要完整证件号码",
    })  # fmt: skip
    assert sent.status_code == 302
    export = ExportRequest.objects.get()

    client.force_login(org.compliance)
    page = client.get(reverse("crm:exports")).content.decode()
    assert f'id="decide-{export.pk}"' in page and "监管检查需要完整证件号码" in page
    assert client.post(reverse("crm:export-decide", args=[export.pk, "approve"])).status_code == 302

    client.force_login(org.am)
    page = client.get(reverse("crm:exports")).content.decode()
    assert reverse("crm:export-download", args=[export.pk]) in page
    response = download(client, export)
    text = body_of(response)
    assert ID_1 in text and "13812345678" in text  # unmasked
    assert "李四" not in text  # the stage filter of the request applies
    name = unquote(response["Content-Disposition"].split("filename*=utf-8''")[1])
    assert name == f"客户列表-未脱敏-{export.pk}.csv"
    again = download(client, export)
    assert again.status_code == 302 and not hasattr(again, "streaming_content")
    assert list(AccessLog.objects.order_by("id").values_list("action", flat=True)) == [
        "request",
        "approve",
        "export",
    ]


def test_xlsx_download_keeps_the_requesters_scope(client, org, clients):
    export = request_export(org)
    services.export_request_decide(user=org.bm, export_request=export, approve=True)
    client.force_login(org.am)
    response = download(client, export, "xlsx")
    data = tablib.Dataset().load(response.content, format="xlsx")
    names = sorted(data.get_col(1))
    assert names == ["张三", "李四"]  # not the other account manager's client
    assert ID_2 in str(data.dict)


def test_the_ordinary_export_stays_masked(client, org, clients):
    client.force_login(org.am)
    text = body_of(client.get(reverse("clients:export")))
    assert ID_1 not in text and "138****5678" in text and "110105" in text


@pytest.mark.parametrize(
    ("role", "status"),
    [("agent", 403), ("advisor", 403), ("integration_bj", 403), ("am", 200), ("bm", 200),
     ("compliance", 200), ("hq", 200)],
)  # fmt: skip
def test_page_roles(client, org, role, status):
    client.force_login(getattr(org, role))
    assert client.get(reverse("crm:exports")).status_code == status
    form = client.get(reverse("crm:export-request"), {"kind": "clients"})
    assert form.status_code == status
    if status == 200:
        assert reverse("crm:exports") in client.get("/").content.decode()


def test_out_of_scope_requests_answer_404(client, org, clients):
    export = request_export(org)
    client.force_login(org.bm_sh)
    assert client.post(reverse("crm:export-decide", args=[export.pk, "approve"])).status_code == 404
    client.force_login(org.am2)  # same branch, not an approver: not even visible
    assert download(client, export).status_code == 404
    client.force_login(org.agent)
    assert client.post(reverse("crm:export-decide", args=[export.pk, "approve"])).status_code == 403
    assert ExportRequest.objects.get().status == "pending"


def test_unknown_kind_and_bad_form(client, org):
    client.force_login(org.am)
    assert client.get(reverse("crm:export-request"), {"kind": "x"}).status_code == 404
    bad = client.post(reverse("crm:export-request"), {"kind": "clients", "reason": ""})
    assert bad.status_code == 400 and not ExportRequest.objects.exists()


def test_reject_needs_a_note_on_the_page(client, org, clients):
    export = request_export(org)
    client.force_login(org.bm)
    client.post(reverse("crm:export-decide", args=[export.pk, "reject"]), {"note": ""})
    assert ExportRequest.objects.get().status == "pending"
    client.post(reverse("crm:export-decide", args=[export.pk, "reject"]), {"note": "不需要"})
    assert ExportRequest.objects.get().status == "rejected"


@pytest.mark.parametrize("n", [2, 30])
def test_page_queries_do_not_grow(client, org, n, query_baseline):
    for i in range(n):
        services.export_request_create(
            user=org.am if i % 2 else org.am2, kind="clients", params={"q": [f"{i}"]},
            reason=f"原因 {i} 说明",
        )  # fmt: skip
    client.force_login(org.compliance)
    with query_baseline("crm:exports"):
        response = client.get(reverse("crm:exports"))
    assert len(response.context["to_decide"]) == n
    assert len(response.context["page"]) == min(n, 25)
