"""The call log filters through callcenter.filters on the web page and in the API alike."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from callcenter import services


def test_calls_filter_and_order_alike_on_the_web_and_in_the_api(org, client):
    now = timezone.now()
    calls = [
        services.call_record(user=org.integration_bj, data={
            "call_id": f"F-{i}", "phone": phone, "direction": direction,
            "started_at": now - timedelta(minutes=i),
        })[0]
        for i, (phone, direction) in enumerate(
            [("13800138000", "inbound"), ("13900139000", "outbound"), ("13800138000", "outbound")]
        )
    ]  # fmt: skip
    client.force_login(org.bm)
    api = APIClient()
    api.force_authenticate(org.bm)

    def web(**params):
        response = client.get(reverse("callcenter:calls"), params)
        assert response.status_code == 200
        return [c.pk for c in response.context["page"]]

    def rest(**params):
        return [c["id"] for c in api.get("/api/v1/calls/", params).json()["results"]]

    assert web() == rest() == [c.pk for c in calls]  # latest first
    assert web(ordering="started_at") == rest(ordering="started_at") == [c.pk for c in calls][::-1]
    assert web(direction="outbound") == rest(direction="outbound") == [calls[1].pk, calls[2].pk]
    assert web(phone=" 0138000 ") == rest(phone="0138000") == [calls[0].pk, calls[2].pk]
    assert web(direction="bogus") == web()


def test_the_callback_queue_takes_the_callback_filters(org, client):
    client.force_login(org.agent)
    assert client.get(reverse("callcenter:queue"), {"reason": "new_account"}).status_code == 200
    api = APIClient()
    api.force_authenticate(org.agent)
    assert api.get("/api/v1/callbacks/", {"ordering": "-due_at"}).status_code == 200
