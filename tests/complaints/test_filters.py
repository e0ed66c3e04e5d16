"""The complaint desk and the `complaints/` API filter and order through one filter set
(complaints.filters): the same names, the same `ordering`, soonest deadline first."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.complaints.helpers import receive


def test_the_desk_and_the_api_order_alike(org, client):
    now = timezone.now()
    made = [
        receive(org, seq=seq, severity=severity, received_at=now - timedelta(days=days))
        for seq, severity, days in ((1, 3, 1), (2, 5, 3), (3, 1, 2))
    ]
    client.force_login(org.bm)
    api = APIClient()
    api.force_authenticate(org.bm)

    def web(**params):
        response = client.get(reverse("complaints:desk"), {"open": "true", **params})
        assert response.status_code == 200
        return [c.pk for c in response.context["page"]]

    def rest(**params):
        response = api.get("/api/v1/complaints/", params)
        return response.status_code, [c["id"] for c in response.json().get("results", [])]

    by_deadline = sorted(made, key=lambda c: (c.resolution_due_at, c.pk))
    assert web() == rest()[1] == [c.pk for c in by_deadline]  # the default of both
    oldest_first = [made[1].pk, made[2].pk, made[0].pk]
    assert web(ordering="received_at") == rest(ordering="received_at")[1] == oldest_first
    assert web(ordering="-received_at") == rest(ordering="-received_at")[1] == oldest_first[::-1]
    most_severe_first = [made[1].pk, made[0].pk, made[2].pk]
    assert web(ordering="-severity") == rest(ordering="-severity")[1] == most_severe_first
    assert web(ordering="resolution_due_at") == rest(ordering="resolution_due_at")[1] == web()
    assert web(ordering="bogus") == web()  # the web list ignores what it does not know
    assert rest(ordering="bogus")[0] == 400  # the API says so
    assert rest(ordering=",") == rest()  # nothing chosen


def test_the_handler_filter_offers_people_by_name_and_role_never_integrations(org, client):
    from crm.models import person_name

    client.force_login(org.bm)
    html = client.get(reverse("complaints:desk")).content.decode()
    options = html.split('name="handler"')[1].split("</select>")[0]
    assert f">{person_name(org.agent)} · " in options
    assert f">{org.agent.username}<" not in options
    assert f'value="{org.integration.username}"' not in options
    # the filter still takes the value it offers
    response = client.get(reverse("complaints:desk"), {"handler": org.agent.username})
    assert response.status_code == 200
