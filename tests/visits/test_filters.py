"""The visit lists filter and order through visits.filters, the web page and the API alike:
the same names, the same `ordering`, each list's own default order."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import VisitPlanFactory, make_client
from visits import services


def plans(org):
    client = make_client(org.am, client_no="1100000001")
    made = [
        VisitPlanFactory(
            user=org.am,
            client=client,
            purpose="介绍",
            planned_at=timezone.now() + timedelta(days=days),
        )
        for days in (3, 1, 2)
    ]
    services.visit_plan_submit(user=org.am, plan=made[2])
    return made


def test_visit_plans_filter_and_order_alike_on_the_web_and_in_the_api(org, client):
    later, sooner, submitted = plans(org)
    client.force_login(org.am)
    api = APIClient()
    api.force_authenticate(org.am)

    def web(**params):
        response = client.get(reverse("visits:list"), params)
        assert response.status_code == 200
        return [p.pk for p in response.context["page"]]

    def rest(**params):
        response = api.get("/api/v1/visit-plans/", params)
        return response.status_code, [p["id"] for p in response.json().get("results", [])]

    assert web() == [later.pk, submitted.pk, sooner.pk]  # the page's default: latest first
    assert rest() == (200, [sooner.pk, submitted.pk, later.pk])  # the API's: soonest first
    assert web(ordering="planned_at") == rest(ordering="planned_at")[1]
    assert web(ordering="-planned_at") == rest(ordering="-planned_at")[1] == web()
    assert web(status="submitted") == rest(status="submitted")[1] == [submitted.pk]
    assert web(ordering="bogus") == web()  # the web list ignores what it does not know
    assert web(ordering=",") == web() and rest(ordering=",") == rest()  # nothing chosen
    assert rest(ordering="bogus")[0] == 400  # the API says so


def test_consultations_keep_their_default_status_and_events_filter_by_kind(org, client):
    client.force_login(org.bm)
    assert client.get(reverse("visits:consultations")).context["status"] == "open"
    assert client.get(reverse("visits:consultations"), {"status": ""}).status_code == 200
    response = client.get(reverse("visits:events"), {"kind": "vip", "ordering": "starts_at"})
    assert response.status_code == 200
    api = APIClient()
    api.force_authenticate(org.bm)
    assert api.get("/api/v1/events/", {"ordering": "-starts_at"}).status_code == 200
    assert api.get("/api/v1/consultations/", {"ordering": "created_at"}).status_code == 200
