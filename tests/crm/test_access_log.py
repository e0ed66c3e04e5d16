"""The access log for compliance: page, filters, exports (logged) and the API."""

from datetime import datetime, timedelta

import pytest
import tablib
from django.urls import reverse

from crm import services
from crm.models import AccessLog, Todo
from crm.references import person_label
from crm.workdays import SHANGHAI
from tests.access import ApiAccessCase
from tests.factories import make_client

READ = {"list": 200, "detail": 200}


def entry(user, obj, *, field="id_number", at=None, action=AccessLog.Action.REVEAL):
    e = services.access_log_record(user=user, obj=obj, field=field, action=action)
    if at is not None:
        AccessLog.objects.filter(pk=e.pk).update(occurred_at=at)
    return e


def todo_of(org, user, branch=None):
    return Todo.objects.create(
        branch=branch or org.bj, title=f"待办 {user.username}", assignee=user, created_by=user,
        due_at=datetime(2026, 1, 1, tzinfo=SHANGHAI),
    )  # fmt: skip


@pytest.fixture
def logged(org):
    zhang = make_client(org.am, name="张三", client_no="1100000001")
    li = make_client(org.am2, name="李四", client_no="1100000002", phone="13900139000")
    sh = make_client(org.am_sh, name="王五", client_no="3100000001", phone="13700137000")
    return {
        "zhang_am": entry(org.am, zhang, at=datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI)),
        "zhang_bm": entry(org.bm, zhang, field="phone",
                          at=datetime(2026, 3, 2, 0, 30, tzinfo=SHANGHAI)),
        "li_am2": entry(org.am2, li, at=datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)),
        "li_export": entry(org.bm, li, action=AccessLog.Action.EXPORT,
                           at=datetime(2026, 3, 6, 10, 0, tzinfo=SHANGHAI)),
        "sh": entry(org.am_sh, sh, at=datetime(2026, 3, 5, 11, 0, tzinfo=SHANGHAI)),
        "clients": (zhang, li, sh),
    }  # fmt: skip


def shown(client, **params):
    response = client.get(reverse("crm:access-log"), params)
    assert response.status_code == 200
    return [e.pk for e in response.context["page"]]


@pytest.mark.parametrize(
    ("role", "status"),
    [("am", 403), ("advisor", 403), ("agent", 403), ("integration_bj", 403),
     ("bm", 200), ("compliance", 200), ("hq", 200)],
)  # fmt: skip
def test_page_roles(client, org, role, status):
    client.force_login(getattr(org, role))
    assert client.get(reverse("crm:access-log")).status_code == status
    assert client.get(reverse("crm:access-log"), {"export": "csv"}).status_code == status


def test_anonymous_goes_to_login(client, db):
    assert client.get(reverse("crm:access-log")).status_code == 302


def test_branch_compliance_sees_the_branch_hq_all(client, org, logged):
    client.force_login(org.compliance)
    bj = [logged[k].pk for k in ("li_export", "li_am2", "zhang_bm", "zhang_am")]
    assert shown(client) == bj  # newest first, without the SH entry
    client.force_login(org.hq)
    assert shown(client) == [bj[0], logged["sh"].pk, *bj[1:]]
    client.force_login(org.bm_sh)
    assert shown(client) == [logged["sh"].pk]


def test_filters_and_search(client, org, logged):
    client.force_login(org.compliance)
    _zhang, li, _sh = logged["clients"]
    assert shown(client, user=org.am.username) == [logged["zhang_am"].pk]
    assert shown(client, action="export") == [logged["li_export"].pk]
    # dates are Shanghai days: 23:30 on 1 March is 1 March, 00:30 on 2 March is 2 March
    assert shown(client, since="2026-03-02", until="2026-03-02") == [logged["zhang_bm"].pk]
    assert shown(client, until="2026-03-01") == [logged["zhang_am"].pk]
    assert shown(client, q="张") == [logged["zhang_bm"].pk, logged["zhang_am"].pk]
    assert shown(client, q="am2") == [logged["li_am2"].pk]
    assert shown(client, object_type="clients.client", object_id=li.pk) == [
        logged["li_export"].pk,
        logged["li_am2"].pk,
    ]
    assert shown(client, object_type="no.such") == []
    assert shown(client, field="phone") == [logged["zhang_bm"].pk]
    # a user of another branch is not a choice for branch compliance
    response = client.get(reverse("crm:access-log"), {"user": org.am_sh.username})
    assert response.context["filter"].errors


@pytest.mark.parametrize("n", [2, 40])
def test_page_queries_do_not_grow(client, org, n, query_baseline):
    clients = [make_client(org.am, name=f"客户{i}", phone=f"139{i:08d}") for i in range(n)]
    for c in clients:
        entry(org.am, c)
    client.force_login(org.compliance)
    with query_baseline("crm:access-log"):
        response = client.get(reverse("crm:access-log"))
    assert len(response.context["page"]) == n


def test_paged_with_a_capped_count(client, org):
    todo = todo_of(org, org.am)
    first_entry = entry(org.am, todo)
    AccessLog.objects.bulk_create(
        [AccessLog(user=org.am, branch=org.bj, action="reveal", object_id=todo.pk, field="x",
                   content_type_id=first_entry.content_type_id)
         for _i in range(55)]
    )  # fmt: skip
    client.force_login(org.compliance)
    first = client.get(reverse("crm:access-log"))
    assert first.context["page"].has_next and len(first.context["page"]) == 50
    second = client.get(reverse("crm:access-log"), {"page": 2})
    assert not second.context["page"].has_next and len(second.context["page"]) == 6
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("crm:access-log"), {"page": 2})
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 1001" in counts[0]  # crm.paging: never the whole log
    assert second.context["page"].total == 56


def test_csv_export_is_scoped_filtered_and_logged(client, org, logged):
    client.force_login(org.compliance)
    response = client.get(reverse("crm:access-log"), {"export": "csv", "q": "李"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 1 + 2 and "李四" in text and "王五" not in text
    assert lines[1].split(",")[1] == person_label(org.bm)  # newest first, by name and role
    log = AccessLog.objects.get(user=org.compliance)
    assert log.action == "export" and log.field == "access_log" and log.content_type is None
    assert log.branch_id == org.bj.pk and "搜索：李" in log.object_repr
    # the export shows up in the log for branch compliance and can be exported again
    assert shown(client)[0] == log.pk


def test_xlsx_export(client, org, logged):
    client.force_login(org.hq)
    response = client.get(reverse("crm:access-log"), {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = tablib.Dataset().load(response.content, format="xlsx")
    assert len(data) == 6  # five entries and this export itself
    assert AccessLog.objects.filter(user=org.hq, action="export").count() == 1


class TestAccessLogApi(ApiAccessCase):
    list_url = "api:access-log-list"
    detail_url = "api:access-log-detail"
    expected = {"branch_manager": READ, "compliance": READ, "hq": READ}

    def make_in_scope(self, org, user):
        return entry(org.am, todo_of(org, org.am))

    def make_out_of_scope(self, org, user):
        if user == org.hq:
            return None
        return entry(org.am_sh, todo_of(org, org.am_sh, org.sh))


def test_api_list_filters_and_cursor(org, logged):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(org.compliance)
    url = reverse("api:access-log-list")
    body = api.get(url, {"page_size": 2}).json()
    assert [r["id"] for r in body["results"]] == [logged["li_export"].pk, logged["li_am2"].pk]
    assert body["results"][0]["object_type"] == "clients.client"
    assert body["results"][0]["branch"] == "BJ01"
    rest = api.get(body["next"]).json()
    assert [r["id"] for r in rest["results"]] == [logged["zhang_bm"].pk, logged["zhang_am"].pk]
    assert [r["id"] for r in api.get(url, {"search": "张"}).json()["results"]] == [
        logged["zhang_bm"].pk,
        logged["zhang_am"].pk,
    ]
    assert [r["id"] for r in api.get(url, {"action": "export"}).json()["results"]] == [
        logged["li_export"].pk
    ]
    assert api.get(url, {"since": "not a date"}).status_code == 400
    api.force_authenticate(org.hq)
    assert api.post(url, {}).status_code == 405
    assert (
        api.delete(reverse("api:access-log-detail", args=[logged["li_am2"].pk])).status_code == 405
    )


def test_api_schema_lists_access_logs(client, org):
    client.force_login(org.hq)
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/access-logs/" in schema["paths"]
    assert "/api/v1/access-logs/{id}/" in schema["paths"]


def test_nav_links_for_those_roles(client, org):
    client.force_login(org.compliance)
    assert reverse("crm:access-log") in client.get("/").content.decode()
    client.force_login(org.am)
    assert reverse("crm:access-log") not in client.get("/").content.decode()


def test_last_days_boundary_helper():
    from crm.filters import start_of_day

    assert start_of_day(datetime(2026, 3, 2).date()) == datetime(2026, 3, 2, tzinfo=SHANGHAI)
    assert start_of_day(datetime(2026, 3, 2).date()) - timedelta(hours=8) == datetime(
        2026, 3, 1, 16, tzinfo=SHANGHAI
    )


def test_client_page_links_to_its_access_log(client, org, logged):
    zhang = logged["clients"][0]
    client.force_login(org.compliance)
    html = client.get(reverse("clients:detail", args=[zhang.pk])).content.decode()
    assert f"object_type=clients.client&amp;object_id={zhang.pk}" in html
    client.force_login(org.am)
    html = client.get(reverse("clients:detail", args=[zhang.pk])).content.decode()
    assert 'id="client-access-log"' not in html


@pytest.mark.parametrize(
    "proxies, forwarded, logged_ip",
    [(0, "6.6.6.6", "10.0.0.9"), (1, "6.6.6.6, 198.51.100.7", "198.51.100.7")],
)
def test_logged_address_is_not_the_clients_own_claim(rf, org, settings, proxies, forwarded,
                                                     logged_ip):  # fmt: skip
    """A forged X-Forwarded-For must not hide who revealed a value: only the entry the
    trusted proxy appended counts (the same rule as the login lockout)."""
    settings.CRM_TRUSTED_PROXIES = proxies
    request = rf.get("/clients/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.9")
    client = make_client(org.am)
    line = services.access_log_record(user=org.bm, obj=client, field="phone", request=request)
    assert line.ip_address == logged_ip
