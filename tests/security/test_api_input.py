"""Odd input the fuzz test found answering 500 or off the schema, each pinned down."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import make_client


@pytest.fixture
def hq(org):
    client = APIClient()
    client.force_authenticate(org.hq)
    return client


@pytest.mark.parametrize(
    "path", ["/api/v1/clients/1.2279676636388611e-118/", "/api/v1/no-such-thing/"]
)
def test_an_address_no_route_matches_is_json_404_under_api(hq, path):
    response = hq.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json" and response.json()["detail"]


def test_outside_the_api_a_missing_page_stays_a_page(client, org):
    client.force_login(org.hq)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "text/html" in response["Content-Type"]


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("1908-06-02T09:16:44+22:16", 200),  # an offset PostgreSQL refuses: compared in UTC
        ("1108-06-02T09:16:44+22:16", 400),  # (as found by the fuzz test) before 1901
        ("0001-01-01T00:00:00+05:00", 400),  # cannot move to UTC
        ("2026-01-01T00:00:00+08:00", 200),
    ],
)
def test_time_filters_take_any_offset(hq, value, status):
    response = hq.get("/api/v1/todos/", {"due_after": value})
    assert response.status_code == status
    if status == 400:
        assert response.json()["due_after"]


@pytest.mark.parametrize("year", ["1.541869614570794e+16", "99999999999999999999", "0", "x"])
def test_holiday_year_out_of_range_is_400(hq, year):
    response = hq.get("/api/v1/holidays/", {"year": year})
    assert response.status_code == 400 and response.json()["year"]


@pytest.mark.parametrize("starts_at", ["0743-01-12T12:45:46Z", "9999-12-31T23:59:59+08:00"])
def test_dates_outside_1901_2999_are_400(hq, starts_at):
    body = {"kind": "education", "title": "沙龙", "starts_at": starts_at, "place": "营业部"}
    response = hq.post("/api/v1/events/", body, format="json")
    assert response.status_code == 400 and response.json()["starts_at"]


def test_a_date_in_range_is_accepted(hq):
    starts_at = (timezone.now() + timedelta(days=3)).isoformat()
    body = {"kind": "education", "title": "沙龙", "starts_at": starts_at, "place": "营业部"}
    assert hq.post("/api/v1/events/", body, format="json").status_code == 201


def test_a_call_sent_twice_is_201_then_200_as_documented(org):
    api = APIClient()
    api.force_authenticate(org.integration)
    body = {"call_id": "c-1", "direction": "inbound", "phone": "13800138000",
            "started_at": "2026-01-05T09:00:00+08:00"}  # fmt: skip
    assert api.post("/api/v1/calls/", body, format="json").status_code == 201
    again = api.post("/api/v1/calls/", body, format="json")
    assert again.status_code == 200 and again.json()["client"] is None
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert {"200", "201"} <= set(schema["paths"]["/api/v1/calls/"]["post"]["responses"])


def test_detail_lists_are_plain_lists_as_documented(org, hq):
    c = make_client(org.am, client_no="1100000001")
    assert isinstance(hq.get(f"/api/v1/clients/{c.pk}/timeline/").json(), list)
    schema = hq.get("/api/schema/", {"format": "json"}).json()
    ok = schema["paths"]["/api/v1/clients/{id}/timeline/"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["type"] == "array"


def test_every_operation_documents_its_errors(hq):
    schema = hq.get("/api/schema/", {"format": "json"}).json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"401", "403", "429"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method in ("post", "put", "patch"):
                assert {"400", "409"} <= codes, (method, path)


def test_nul_in_a_query_parameter_is_400(org, hq, client):
    response = hq.get("/api/v1/metrics/", {"branch": "BJ\x0001"})
    assert response.status_code == 400 and response.json()["detail"]
    assert hq.get("/api/v1/clients/", {"search": "\x00"}).status_code == 400
    client.force_login(org.hq)
    assert client.get("/dashboard/", {"branch": "\x00"}).status_code == 400
    assert client.get("/callcenter/calls/", {"q": "a\x00"}).status_code == 400


@pytest.mark.parametrize("year", ["99999999999999999999999", "0", "x", "1e16"])
def test_odd_years_in_pages_and_metrics_fall_back(org, hq, client, year):
    assert hq.get("/api/v1/metrics/", {"period": "year", "year": year}).status_code == 200
    custom = {"period": "custom", "start": "0001-01-01", "end": "0001-12-31"}
    assert hq.get("/api/v1/metrics/", custom).status_code == 200
    client.force_login(org.hq)
    for url in ("/calendar/", "/calendar/edit/", "/complaints/analysis/",
                "/complaints/regulator-summary.xlsx"):  # fmt: skip
        assert client.get(url, {"year": year}).status_code == 200, url


def test_nul_in_a_snapshot_row_is_a_row_error(org, hq):
    make_client(org.am, client_no="1100000001")
    rows = [
        {"client_no": "11\x00", "date": "2025-01-02", "total_assets": "1"},
        {"client_no": "1100000001", "date": "2025-01-02", "total_assets": "1",
         "holdings": [{"security_code": "600000", "security_name": "浦发\x00", "quantity": "1"}]},
    ]  # fmt: skip
    response = hq.post("/api/v1/account-snapshots/bulk/", rows, format="json")
    assert response.status_code == 400
    assert [e["index"] for e in response.json()["errors"]] == [0, 1]
