"""PostgreSQL fails in the middle of a request: a clean 503, nothing half written.

The connection of the request is killed with pg_terminate_backend (what an administrator,
a failover or a crashed server process does) between two writes of one transaction.
"""

from __future__ import annotations

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.test import Client
from django.urls import reverse

from complaints.models import Complaint, ComplaintEvent, TicketCounter
from crm.models import Notification
from tests.factories import make_client

INTAKE = {"channel": "phone", "category": "general", "severity": 3, "topic": "fees",
          "description": "佣金收取有误"}  # fmt: skip
UNAVAILABLE = ("数据库暂时不可用", "The database is temporarily unavailable")


def stored() -> tuple[int, int, int, int]:
    """Rows the intake writes in one transaction: the day's ticket counter, the
    complaint, its first event, the handler's notification."""
    return (TicketCounter.objects.count(), Complaint.objects.count(),
            ComplaintEvent.objects.count(), Notification.objects.count())  # fmt: skip


def after_request() -> None:
    """What the WSGI handler does when a request ends (the test client skips it): drop a
    connection that saw an error, so the next request opens a fresh one."""
    close_old_connections()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_connection_killed_between_two_writes_stores_nothing(client, org, kill_connection_on):
    target = make_client(org.am, client_no="1100000001")
    client.raise_request_exception = False
    client.force_login(org.agent)
    form = {**INTAKE, "client": f"id:{target.pk}", "handler": org.am.pk}
    # killed once the ticket counter and the complaint rows are written, before its event
    kill_connection_on(Complaint)

    response = client.post(reverse("complaints:intake"), form)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert 'data-status="503"' in body and any(text in body for text in UNAVAILABLE)
    assert f'href="{reverse("complaints:intake")}"' in body  # "try again" goes back to the form
    after_request()
    assert stored() == (0, 0, 0, 0)  # all or nothing

    # The next request gets a fresh connection and the same form goes through; the ticket
    # number is the day's first, so the failed attempt did not even use up a number.
    response = client.post(reverse("complaints:intake"), form)
    assert response.status_code == 302
    assert stored() == (1, 1, 1, 1)
    assert Complaint.objects.get().ticket_no.endswith("-001")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_api_connection_killed_answers_json_503(api, org, kill_connection_on):
    target = make_client(org.am, client_no="1100000001")
    api.raise_request_exception = False
    api.force_authenticate(org.agent)
    kill_connection_on(Complaint)

    response = api.post("/api/v1/complaints/", {**INTAKE, "client": target.pk}, format="json")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "30"
    assert any(text in response.json()["detail"] for text in UNAVAILABLE)
    after_request()
    assert stored()[:3] == (0, 0, 0)
    again = api.post("/api/v1/complaints/", {**INTAKE, "client": target.pk}, format="json")
    assert again.status_code == 201


def test_database_unreachable_before_the_view_runs(client, org, monkeypatch):
    """The session and the user are read by middleware, before any view: a database that
    refuses connections there still gets the 503 page, not a server error."""
    from django.db.backends import utils

    client.raise_request_exception = False
    client.force_login(org.am)

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr(utils.CursorWrapper, "_execute", refuse)
    monkeypatch.setattr(utils.CursorWrapper, "_executemany", refuse)
    for url in ("/", reverse("clients:list"), reverse("complaints:desk")):
        response = client.get(url)
        assert response.status_code == 503, url
        assert 'data-status="503"' in response.content.decode()
    assert client.get("/api/v1/complaints/").status_code == 503
    health = Client().get("/healthz")  # a load balancer: no session
    assert health.status_code == 503
    assert health.json()["checks"]["database"] == "error: OperationalError"
    monkeypatch.undo()


def test_other_server_errors_get_the_static_500_page(client, org, monkeypatch):
    from crm.views import notifications as views

    client.raise_request_exception = False
    client.force_login(org.am)

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.NotificationListView, "get", broken)
    response = client.get(reverse("crm:notifications"))
    assert response.status_code == 500
    assert 'data-status="500"' in response.content.decode()
    assert "Retry-After" not in response
    assert connection.is_usable()
