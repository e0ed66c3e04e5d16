"""The clients app's other API lists order through their filter sets (clients.filters)
like every list: index-backed names only, an unknown one a 400."""

from datetime import date

from rest_framework.test import APIClient

from clients import services
from tests.factories import make_client


def test_risk_assessments_order_by_their_filter_set(org):
    client = make_client(org.am, client_no="1100000001")
    older, newer = (
        services.risk_assessment_record(
            user=org.am, client=client, assessed_on=day, score=50, risk_level="C3"
        )
        for day in (date(2025, 1, 6), date(2025, 6, 2))
    )
    api = APIClient()
    api.force_authenticate(org.am)

    def rest(**params):
        response = api.get("/api/v1/risk-assessments/", params)
        return response.status_code, [r["id"] for r in response.json().get("results", [])]

    assert rest() == (200, [newer.pk, older.pk])  # newest first, as before
    assert rest(ordering="assessed_on") == (200, [older.pk, newer.pk])
    assert rest(ordering="-assessed_on") == rest()
    assert rest(ordering="score")[0] == 400


def test_retention_cases_order_by_their_filter_set(org):
    api = APIClient()
    api.force_authenticate(org.bm)
    for ordering in ("opened_at", "-opened_at", "score_at_open", "-score_at_open"):
        assert api.get("/api/v1/retention-cases/", {"ordering": ordering}).status_code == 200
    assert api.get("/api/v1/retention-cases/", {"ordering": "note"}).status_code == 400
    assert api.get("/api/v1/retention-cases/", {"status": "open"}).status_code == 200
