import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients import services
from clients.models import AccountSnapshot, Client, ImportJob
from crm.models import AccessLog
from tests.access import WebAccessCase
from tests.clients.test_api import ClientScopes
from tests.factories import make_client

ID = "11010519491231002X"
WEB_WRITE = {"list": 200, "detail": 200, "create": 302, "update": 302}
WEB_READ = {"list": 200, "detail": 200}


class TestClientWebAccess(ClientScopes, WebAccessCase):
    list_url = "clients:list"
    detail_url = "clients:detail"
    create_url = "clients:create"
    expected = {
        "account_manager": WEB_WRITE,
        "advisor": WEB_READ,
        "service_agent": WEB_READ,
        "branch_manager": WEB_WRITE,
        "compliance": WEB_READ,
        "hq": WEB_WRITE,
        "integration": {},
    }

    def create_payload(self, org, user):
        data = {
            "client_type": "individual",
            "name": "新客户",
            "phone": "13900001111",
            "investor_class": "ordinary",
        }
        if user.staff.role != "account_manager":
            data["owner"] = org.am.pk
        return data

    def update_payload(self, org, user, obj):
        return {
            "client_type": "individual",
            "name": obj.name,
            "phone": "13900002222",
            "investor_class": "ordinary",
            "version": obj.version,
            "id_type": obj.id_type,
        }


def many_clients(owner, n, snapshots=0):
    clients = [
        make_client(owner, name=f"客户{i:03d}", client_no=f"11{i:08d}", phone=f"139{i:08d}")
        for i in range(n)
    ]
    if snapshots:
        rows = [AccountSnapshot(client=c, date=date(2025, 1, 1) + timedelta(days=30 * m),
                                total_assets=1000 + m, commission=m)
                for c in clients for m in range(snapshots)]  # fmt: skip
        AccountSnapshot.objects.bulk_create(rows)
    return clients


@pytest.mark.parametrize("n", [3, 40])
def test_client_list_query_count_is_fixed(client, org, query_baseline, n):
    many_clients(org.am, n)
    client.force_login(org.bm)
    with query_baseline("clients:list?stage=new"):
        response = client.get(reverse("clients:list"), {"stage": "new"})
    html = response.content.decode()
    assert html.count('<tr id="client-') == min(n, 25)
    assert "139****00" in html and not re.search(r"139\d{8}", html)  # masked in lists


@pytest.mark.parametrize(
    "sort, first",
    [("client_no", "客户000"), ("name", "客户000"), ("", "客户004"), ("bogus", "客户004")],
)
def test_client_list_sorts_by_column(client, org, sort, first):
    many_clients(org.am, 5)
    client.force_login(org.bm)
    html = client.get(reverse("clients:list"), {"ordering": sort, "stage": "new"}).content.decode()
    names = re.findall(r'<a href="/clients/\d+/">([^<]+)</a>', html)
    assert names[0] == first and len(names) == 5
    if sort == "name":  # the active sort is shown, not linked, and kept by the filter bar
        assert '<input type="hidden" name="ordering" value="name">' in html
        assert "ordering=name" not in html.split("<thead>")[1].split("</thead>")[0]


def test_filter_bar_keeps_the_chosen_values(client, org):
    client.force_login(org.bm)
    html = client.get(reverse("clients:list"), {"stage": "active", "q": "王", "incomplete": "true"})
    html = html.content.decode()
    assert '<option value="active" selected>' in html
    assert re.search(
        r'<input class="form-control form-control-sm"[^>]*name="q"[^>]*value="王">', html
    )
    assert re.search(r'name="incomplete".*?<option value="true" selected>', html, re.S)


def test_search_by_last_four_phone_digits_and_initials(client, org):
    many_clients(org.am, 12)
    client.force_login(org.am)
    html = client.get(reverse("clients:list"), {"q": "0011"}, HTTP_HX_REQUEST="true")
    assert html.content.decode().count('<tr id="client-') == 1
    html = client.get(reverse("clients:list"), {"q": "kh"}).content.decode()
    assert html.count('<tr id="client-') == 12  # 客户 = k h
    html = client.get(reverse("clients:list"), {"q": "客户00"}).content.decode()
    assert html.count('<tr id="client-') == 10


def test_timeline_api_query_count_is_fixed(org, query_baseline):
    from rest_framework.test import APIClient

    c = many_clients(org.am, 1, snapshots=30)[0]
    for i in range(10):
        services.client_update(
            user=org.am, client=Client.objects.get(pk=c.pk), data={"address": f"地址{i}"}
        )
    api = APIClient()
    api.force_authenticate(org.am)
    with query_baseline("api:client-timeline"):  # one query per timeline source
        assert len(api.get(f"/api/v1/clients/{c.pk}/timeline/").json()) == 11


def test_create_form_shows_chinese_errors_and_stores_nothing(client, org):
    client.force_login(org.am)
    response = client.post(reverse("clients:create"), {
        "client_type": "individual", "name": "", "phone": "12345", "investor_class": "ordinary",
        "id_type": "id_card", "id_number": "110105194912310021",
    })  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "该字段是必填项" in html
    assert not Client.objects.exists()
    response = client.post(reverse("clients:create"), {
        "client_type": "individual", "name": "王五", "phone": "12345",
        "investor_class": "ordinary", "id_type": "id_card", "id_number": "110105194912310021",
    })  # fmt: skip
    html = response.content.decode()
    assert "13800138000" in html and "校验" in html
    assert not Client.objects.exists()


def test_edit_form_requires_reason_for_name_and_refuses_stale_version(client, org):
    c = make_client(org.am, client_no="1100000001", id_number=ID)
    client.force_login(org.am)
    url = reverse("clients:edit", args=[c.pk])
    base = {
        "client_type": "individual",
        "name": "张叁",
        "phone": "13800138000",
        "investor_class": "ordinary",
        "version": 1,
        "id_type": "id_card",
    }
    response = client.post(url, base)
    assert response.status_code == 400 and "原因" in response.content.decode()
    response = client.post(url, {**base, "reason": "更名"})
    assert response.status_code == 302
    response = client.post(url, {**base, "name": "张三丰", "reason": "再次更名"})
    assert response.status_code == 409
    assert "其他人" in response.content.decode()  # the form says someone else saved it
    assert Client.objects.get(pk=c.pk).name == "张叁"


def test_two_tabs_editing_a_client_the_second_save_is_refused(client, org):
    c = make_client(org.am, client_no="1100000001", id_number=ID)
    client.force_login(org.am)
    url = reverse("clients:edit", args=[c.pk])
    tab1 = client.get(url).content.decode()
    tab2 = client.get(url).content.decode()
    assert 'name="version" value="1"' in tab1 and 'name="version" value="1"' in tab2
    base = {"client_type": "individual", "name": "张三", "phone": "13800138000",
            "investor_class": "ordinary", "id_type": "id_card", "version": 1}  # fmt: skip
    assert client.post(url, {**base, "address": "北京市朝阳区"}).status_code == 302
    refused = client.post(url, {**base, "address": "上海市浦东新区"})
    assert refused.status_code == 409 and "其他人" in refused.content.decode()
    c.refresh_from_db()
    assert (c.address, c.version) == ("北京市朝阳区", 2)


def test_reveal_over_htmx_is_logged(client, org):
    c = make_client(org.am, client_no="1100000001", id_number=ID)
    client.force_login(org.am)
    response = client.post(
        reverse("clients:reveal", args=[c.pk, "id_number"]), HTTP_HX_REQUEST="true"
    )
    assert ID in response.content.decode()
    entry = AccessLog.objects.get()
    assert (entry.user, entry.field, entry.object_id) == (org.am, "id_number", c.pk)
    client.force_login(org.agent)
    assert client.post(reverse("clients:reveal", args=[c.pk, "id_number"])).status_code == 403
    assert AccessLog.objects.count() == 1


def test_export_is_masked(client, org):
    make_client(org.am, client_no="1100000001", id_number=ID, phone="13812341234")
    client.force_login(org.bm)
    body = b"".join(client.get(reverse("clients:export")).streaming_content).decode()
    assert "110105********002X" in body and "138****1234" in body
    assert ID not in body and "13812341234" not in body


def test_bulk_reassign_from_the_list(client, org):
    clients = many_clients(org.am, 3)
    client.force_login(org.bm)
    response = client.post(reverse("clients:reassign"), {
        "client": [c.pk for c in clients[:2]], "owner": org.am2.pk, "reason": "分户调整",
    })  # fmt: skip
    assert response.status_code == 302
    assert Client.objects.filter(owner=org.am2).count() == 2
    client.force_login(org.am)
    assert client.post(reverse("clients:reassign"), {}).status_code == 403


def test_import_page_runs_the_task_and_reports_errors(
    client, org, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    make_client(org.am, client_no="1100000001")
    client.force_login(org.bm)
    upload = SimpleUploadedFile(
        "s.csv", b"client_no,date,total_assets\n1100000001,2025-10-31,100\nzzz,2025-10-31,1\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("clients:import"), {"file": upload})
    job = ImportJob.objects.get()
    assert response.url == reverse("clients:import-status", args=[job.pk])
    html = client.get(response.url).content.decode()
    assert "下载错误报告" in html or "error" in html
    job.refresh_from_db()
    assert (job.stored_rows, job.error_rows) == (1, 1)
    report = client.get(reverse("clients:import-errors", args=[job.pk])).content.decode()
    assert "zzz" in report
    bad = client.post(reverse("clients:import"), {"file": SimpleUploadedFile("x.exe", b"x")})
    assert bad.status_code == 400
    client.force_login(org.am)
    assert client.get(reverse("clients:import")).status_code == 403


def test_potential_client_conversion_page(client, org):
    c = make_client(org.am, name="潜在客户")
    client.force_login(org.am)
    url = reverse("clients:open-account", args=[c.pk])
    assert client.post(url, {"client_no": "", "opened_on": "2025-01-01"}).status_code == 400
    assert (
        client.post(url, {"client_no": "1100000009", "opened_on": "2025-01-01"}).status_code == 302
    )
    assert (
        client.post(url, {"client_no": "1100000010", "opened_on": "2025-01-01"}).status_code == 409
    )


def test_workbench_lists_client_duties(client, org):
    c = make_client(org.am, client_no="1100000001", opened_on=date.today() - timedelta(days=40))
    assert c.profile_due_on < date.today()
    client.force_login(org.am)
    html = client.get("/").content.decode()
    assert "section-client_duties" in html and c.name in html


def test_workbench_lists_potential_clients_to_contact(client, org):
    due = make_client(org.am, name="待联系", grade="A", next_contact_on=date.today())
    make_client(org.am, name="以后联系", next_contact_on=date.today() + timedelta(days=3))
    client.force_login(org.am)
    html = client.get("/").content.decode()
    assert "section-potential_contacts" in html and due.name in html and "以后联系" not in html
