import pytest
from rest_framework.test import APIClient

from clients.models import AccountSnapshot, Client
from crm import services as crm_services
from crm.models import AccessLog
from tests.access import ApiAccessCase
from tests.factories import make_client

ID = "11010519491231002X"
READ = {"list": 200, "detail": 200}
WRITE = {**READ, "create": 201, "update": 200}


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


class ClientScopes:
    def make_in_scope(self, org, user):
        client = make_client(org.am, name="范围内", client_no=f"11{user.pk:08d}", id_number=ID)
        if user.staff.role == "advisor":
            Client.objects.filter(pk=client.pk).update(advisor=user)
        return client

    def make_out_of_scope(self, org, user):
        if user.staff.sees_all_branches:
            return None
        return make_client(org.am_sh, name="上海客户", client_no="3100000001")


class TestClientApiAccess(ClientScopes, ApiAccessCase):
    list_url = "api:client-list"
    detail_url = "api:client-detail"
    expected = {
        "account_manager": WRITE,
        "advisor": READ,
        "service_agent": READ,
        "branch_manager": WRITE,
        "compliance": READ,
        "hq": WRITE,
        "integration": READ,
    }

    def create_payload(self, org, user):
        return {
            "name": "新客户",
            "phone": "13900001111",
            "owner": "am",
            "client_type": "individual",
        }

    def update_payload(self, org, user, obj):
        return {"address": "北京市朝阳区"}


def test_account_manager_sees_only_own_clients(org):
    mine = make_client(org.am, client_no="1100000001")
    theirs = make_client(org.am2, name="李四", client_no="1100000002")
    api = api_for(org.am)
    assert [c["id"] for c in api.get("/api/v1/clients/").json()["results"]] == [mine.pk]
    assert api.get(f"/api/v1/clients/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/v1/clients/{theirs.pk}/timeline/").status_code == 404


@pytest.mark.parametrize(
    "role,masked_name",
    [("am", False), ("bm", False), ("agent", True), ("compliance", False), ("hq", False)],
)
def test_lists_and_details_are_masked(org, role, masked_name):
    make_client(org.am, client_no="1100000001", id_number=ID, phone="13812341234")
    api = api_for(getattr(org, role))
    row = api.get("/api/v1/clients/").json()["results"][0]
    assert row["id_number"] == "110105********002X"
    assert row["phone"] == "138****1234"
    assert row["name"] == ("张*" if masked_name else "张三")
    assert row["branch"] == "BJ01" and row["owner"] == "am"
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("am", True),
        ("bm", True),
        ("compliance", True),
        ("hq", True),
        ("agent", False),
        ("advisor", False),
        ("integration", False),
    ],
)
def test_reveal_is_allowed_per_role_and_logged(org, role, allowed):
    client = make_client(org.am, client_no="1100000001", id_number=ID, phone="13812341234")
    Client.objects.filter(pk=client.pk).update(advisor=org.advisor)
    user = getattr(org, role)
    data = api_for(user).get(f"/api/v1/clients/{client.pk}/?reveal=id_number,phone").json()
    if allowed:
        assert (data["id_number"], data["phone"]) == (ID, "13812341234")
        logged = AccessLog.objects.filter(user=user).values_list("field", flat=True)
        assert sorted(logged) == ["id_number", "phone"]
    else:
        assert data["id_number"] == "110105********002X"
        assert not AccessLog.objects.exists()


def test_create_validates_per_field_and_stores_nothing(org):
    response = api_for(org.am).post("/api/v1/clients/", {
        "name": "", "phone": "123", "email": "x", "id_type": "id_card",
        "id_number": "110105194912310021", "client_type": "robot",
    }, format="json")  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()) >= {"name", "client_type"}
    response = api_for(org.am).post("/api/v1/clients/", {
        "name": "王五", "phone": "123", "email": "a@b.cn", "id_type": "id_card",
        "id_number": "110105194912310021",
    }, format="json")  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()) >= {"phone", "id_number"}
    assert not Client.objects.exists()


def test_update_with_stale_version_is_412_and_identity_needs_reason(org):
    client = make_client(org.am, client_no="1100000001", id_number=ID)
    api = api_for(org.am)
    url = f"/api/v1/clients/{client.pk}/"
    assert api.patch(url, {"name": "张叁"}, format="json").status_code == 400
    ok = api.patch(url, {"name": "张叁", "reason": "更名", "version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = api.patch(url, {"address": "x", "version": 1}, format="json")
    assert stale.status_code == 412 and stale.json()["detail"]
    assert Client.objects.get(pk=client.pk).address == ""
    assert api.patch(url, {"owner": "am2"}, format="json").status_code == 400
    assert api.delete(url).status_code == 405


def test_lookup_matches_last_eleven_digits(org):
    a = make_client(org.am, client_no="1100000001", phone="13812341234")
    b = make_client(
        org.am2, name="李四", client_no="1100000002", phone="13900000000", phone_alt="13812341234"
    )
    make_client(org.am_sh, name="上海", client_no="3100000001", phone="13812341234")
    api = api_for(org.agent)
    for number in ("13812341234", "+86 138-1234-1234", "008613812341234"):
        found = api.get("/api/v1/clients/lookup/", {"phone": number}).json()
        assert {c["id"] for c in found} == {a.pk, b.pk}
    assert api.get("/api/v1/clients/lookup/", {"phone": "13700000000"}).json() == []
    assert api.get("/api/v1/clients/lookup/", {"phone": "12"}).status_code == 400
    assert api.get("/api/v1/clients/lookup/").status_code == 400


def test_timeline_newest_first(org):
    client = make_client(org.am, client_no="1100000001")
    from clients import services

    services.client_update(user=org.am, client=client, data={"address": "北京"})
    entries = api_for(org.am).get(f"/api/v1/clients/{client.pk}/timeline/").json()
    assert [e["kind"] for e in entries] == ["change", "change"]
    assert entries[0]["at"] >= entries[1]["at"]


def test_filters_search_and_cursor_pagination(org):
    for i in range(60):
        make_client(org.am, name=f"王{i:02d}", client_no=f"110000{i:04d}", phone=f"139{i:08d}")
    api = api_for(org.am)
    page = api.get("/api/v1/clients/").json()
    assert len(page["results"]) == 50 and page["next"] and "count" not in page
    assert len(api.get(page["next"]).json()["results"]) == 10
    assert api.get("/api/v1/clients/", {"search": "0007"}).json()["results"][0]["name"] == "王07"
    assert len(api.get("/api/v1/clients/", {"search": "w"}).json()["results"]) == 50
    assert api.get("/api/v1/clients/", {"stage": "new"}).json()["results"]
    assert api.get("/api/v1/clients/", {"incomplete": "true"}).json()["results"]
    assert api.get("/api/v1/clients/", {"stage": "bogus"}).status_code == 400


def test_snapshot_bulk_twice_is_idempotent_with_row_errors(org):
    make_client(org.am, client_no="1100000001")
    _token, key = crm_services.integration_token_issue(name="交易系统", user=org.integration)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    rows = [
        {
            "client_no": "1100000001",
            "date": "2025-10-31",
            "total_assets": "1000.00",
            "holdings": [{"security_code": "600519", "quantity": "100", "price": "1500"}],
        },
        {"client_no": "nope", "date": "2025-10-31", "total_assets": "1"},
        {"client_no": "1100000001", "date": "soon", "total_assets": "-5"},
    ]
    for _ in range(2):
        response = api.post("/api/v1/account-snapshots/bulk/", rows, format="json")
        assert response.status_code == 200
        body = response.json()
        assert (body["received"], body["stored"]) == (3, 1)
        assert [e["index"] for e in body["errors"]] == [1, 2]
        assert set(body["errors"][1]["errors"]) == {"date", "total_assets"}
    assert AccountSnapshot.objects.count() == 1
    bad = api.post("/api/v1/account-snapshots/bulk/", {"client_no": "x"}, format="json")
    assert bad.status_code == 400
    only_bad = api.post("/api/v1/account-snapshots/bulk/", rows[1:], format="json")
    assert only_bad.status_code == 400 and only_bad.json()["stored"] == 0


def test_snapshot_bulk_is_scoped_to_the_token_branch(org):
    make_client(org.am_sh, name="上海", client_no="3100000001")
    rows = [{"client_no": "3100000001", "date": "2025-10-31", "total_assets": "1"}]
    response = api_for(org.integration_bj).post(
        "/api/v1/account-snapshots/bulk/", rows, format="json"
    )
    assert response.json()["errors"][0]["errors"] == {"client_no": ["没有这个客户。"]} or (
        response.json()["stored"] == 0
    )
    assert not AccountSnapshot.objects.exists()
    own = [{"client_no": make_client(org.am, client_no="1100000001").client_no,
            "date": "2025-10-31", "total_assets": "1"}]  # fmt: skip
    for user in (org.agent, org.am):  # account facts come from the trading system
        response = api_for(user).post("/api/v1/account-snapshots/bulk/", own, format="json")
        assert response.status_code == 403
    assert not AccountSnapshot.objects.exists()
    assert api_for(org.bm).post("/api/v1/account-snapshots/bulk/", own,
                                format="json").json()["stored"] == 1  # fmt: skip


def test_risk_assessment_api(org):
    client = make_client(org.am, client_no="1100000001")
    other = make_client(org.am_sh, name="上海", client_no="3100000001")
    api = api_for(org.am)
    created = api.post("/api/v1/risk-assessments/", {
        "client": client.pk, "assessed_on": "2025-06-01", "score": 55, "risk_level": "C3",
    }, format="json")  # fmt: skip
    assert created.status_code == 201 and created.json()["valid_until"] == "2027-06-01"
    assert api.get(f"/api/v1/clients/{client.pk}/").json()["risk_level"] == "C3"
    denied = api.post("/api/v1/risk-assessments/", {
        "client": other.pk, "assessed_on": "2025-06-01", "score": 55, "risk_level": "C3",
    }, format="json")  # fmt: skip
    assert denied.status_code == 400 and "client" in denied.json()
    bad = api.post(
        "/api/v1/risk-assessments/",
        {"client": client.pk, "assessed_on": "x", "score": -1, "risk_level": "C9"},
        format="json",
    )
    assert bad.status_code == 400 and set(bad.json()) >= {"assessed_on", "score", "risk_level"}
    assert api.get("/api/v1/risk-assessments/", {"client_no": "1100000001"}).json()["count"] == 1
    assert api_for(org.agent).post("/api/v1/risk-assessments/", {
        "client": client.pk, "assessed_on": "2025-06-01", "score": 55, "risk_level": "C3",
    }, format="json").status_code == 403  # fmt: skip


def test_etag_and_if_match_two_editors(org):
    """Two people read the same client; the first save wins, the second is refused with
    412 and a message, and nothing of it is stored."""
    client = make_client(org.am, client_no="1100000001")
    url = f"/api/v1/clients/{client.pk}/"
    first, second = api_for(org.am), api_for(org.bm)
    read = first.get(url)
    assert read.status_code == 200 and read["ETag"] == '"1"'
    assert second.get(url)["ETag"] == '"1"'
    saved = first.patch(url, {"address": "北京市朝阳区"}, format="json", HTTP_IF_MATCH='"1"')
    assert saved.status_code == 200 and saved["ETag"] == '"2"'
    refused = second.patch(url, {"address": "上海"}, format="json", HTTP_IF_MATCH='"1"')
    assert refused.status_code == 412
    assert "刷新" in refused.json()["detail"]  # "Reload and try again", in Chinese
    client.refresh_from_db()
    assert (client.address, client.version) == ("北京市朝阳区", 2)
    # after reloading, the same change goes through; the weak form and * are accepted
    again = second.patch(url, {"address": "上海"}, format="json", HTTP_IF_MATCH='W/"2"')
    assert again.status_code == 200 and again["ETag"] == '"3"'
    assert (
        second.patch(url, {"email": "a@b.cn"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    )


@pytest.mark.parametrize(
    ("if_match", "body"),
    [
        ('"9"', {}),
        ('"abc"', {}),
        ('"\u00b2"', {}),  # a digit to str.isdigit, not to int()
        ('"1", "2"', {}),
        ('"1"', {"version": 2}),
        (None, {"version": 0}),
    ],
)
def test_stale_or_foreign_preconditions_are_412_and_change_nothing(org, if_match, body):
    client = make_client(org.am, client_no="1100000001")
    headers = {"HTTP_IF_MATCH": if_match} if if_match else {}
    response = api_for(org.am).patch(
        f"/api/v1/clients/{client.pk}/", {"address": "x", **body}, format="json", **headers
    )
    assert response.status_code == 412 and response.json()["detail"]
    client.refresh_from_db()
    assert (client.address, client.version) == ("", 1)


def test_put_takes_if_match_too(org):
    client = make_client(org.am, client_no="1100000001")
    api = api_for(org.am)
    url = f"/api/v1/clients/{client.pk}/"
    body = {key: value for key, value in api.get(url).json().items() if value is not None}
    body.update(address="新地址", phone="13800138000", owner="am")
    for key in ("id_number", "phone_alt"):  # masked in reads
        body.pop(key, None)
    stale = api.put(url, body, format="json", HTTP_IF_MATCH='"0"')
    assert stale.status_code == 412, stale.json()
    assert api.put(url, body, format="json", HTTP_IF_MATCH='"1"').status_code == 200


def test_schema_documents_etag_if_match_and_412(org):
    schema = api_for(org.am).get("/api/schema/", {"format": "json"}).json()
    patch = schema["paths"]["/api/v1/clients/{id}/"]["patch"]
    assert "If-Match" in [p["name"] for p in patch["parameters"]]
    assert {"200", "400", "404", "412"} <= set(patch["responses"])
    assert "ETag" in patch["responses"]["200"]["headers"]
    read = schema["paths"]["/api/v1/clients/{id}/"]["get"]
    assert "ETag" in read["responses"]["200"]["headers"] and "412" not in read["responses"]
