from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from crm import services
from crm.models import IntegrationToken, Notification, Todo


def token_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_schema_and_offline_docs(org, client):
    client.force_login(org.am)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/todos/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()  # Swagger UI served from vendored files
    assert b"/static/drf_spectacular_sidecar/" in docs.content


def test_integration_token_authenticates_and_is_stored_hashed(org):
    token, key = services.integration_token_issue(name="交易系统", user=org.integration)
    assert key not in token.key_digest
    response = token_client(key).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["role"] == "integration"
    assert response.json()["sees_all_branches"] is True
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("state", ["revoked", "expired", "wrong"])
def test_unusable_tokens_are_refused(org, state):
    token, key = services.integration_token_issue(name="呼叫中心", user=org.integration_bj)
    if state == "revoked":
        services.integration_token_revoke(token=token)
    elif state == "expired":
        IntegrationToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    else:
        key = key[::-1]
    response = token_client(key).get("/api/v1/me/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_validation_errors_are_json_per_field_and_store_nothing(org):
    client = APIClient()
    client.force_authenticate(org.am)
    response = client.post(
        "/api/v1/todos/", {"title": "", "due_at": "不是时间", "assignee": "nobody"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"title", "due_at", "assignee"}
    assert all(isinstance(v, list) and v for v in body.values())
    assert not Todo.objects.exists()


def test_malformed_json_is_400_not_500(org):
    client = APIClient()
    client.force_authenticate(org.am)
    response = client.post("/api/v1/todos/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_transition_not_allowed_is_409(org):
    client = APIClient()
    client.force_authenticate(org.am)
    todo = client.post("/api/v1/todos/", {"title": "打电话"}, format="json").json()
    assert client.post(f"/api/v1/todos/{todo['id']}/complete/").status_code == 200
    again = client.post(f"/api/v1/todos/{todo['id']}/complete/")
    assert again.status_code == 409
    assert again.json()["detail"]


def test_account_manager_cannot_assign_to_others_but_branch_manager_can(org):
    client = APIClient()
    client.force_authenticate(org.am)
    response = client.post("/api/v1/todos/", {"title": "x", "assignee": "am2"}, format="json")
    assert response.status_code == 403
    client.force_authenticate(org.bm)
    response = client.post("/api/v1/todos/", {"title": "x", "assignee": "am2"}, format="json")
    assert response.status_code == 201
    assert response.json()["assignee"] == "am2"
    assert Notification.objects.filter(recipient=org.am2).count() == 1
    # but not across branches: refused like an unknown name (400), which does not tell
    # that the person exists (issue #14)
    response = client.post("/api/v1/todos/", {"title": "x", "assignee": "am_sh"}, format="json")
    assert response.status_code == 400 and "assignee" in response.json()


def test_lists_paginate_filter_search_and_order(org):
    client = APIClient()
    client.force_authenticate(org.am)
    for i in range(60):
        Todo.objects.create(
            branch=org.bj, title=f"待办{i:02d}", assignee=org.am, created_by=org.am,
            due_at=timezone.now() + timedelta(hours=i - 5, minutes=30),
        )  # fmt: skip
    page = client.get("/api/v1/todos/").json()
    assert page["count"] == 60 and len(page["results"]) == 50 and page["next"]
    assert client.get("/api/v1/todos/?overdue=true").json()["count"] == 5
    assert client.get("/api/v1/todos/?search=待办07").json()["count"] == 1
    first = client.get("/api/v1/todos/?ordering=-due_at&page_size=1").json()["results"][0]
    assert first["title"] == "待办59"
    assert client.get("/api/v1/todos/?status=nonsense").status_code == 400


def test_notifications_api_reads_own_only(org):
    services.notify(users=[org.am], title="给客户经理")
    services.notify(users=[org.am2], title="给别人")
    client = APIClient()
    client.force_authenticate(org.am)
    results = client.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [n["title"] for n in results] == ["给客户经理"]
    other = Notification.objects.get(recipient=org.am2)
    assert client.post(f"/api/v1/notifications/{other.pk}/read/").status_code == 404
    mine = results[0]["id"]
    assert client.post(f"/api/v1/notifications/{mine}/read/").json()["read_at"]
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked_read": 0}


def test_branch_and_staff_lists_are_scoped(org):
    client = APIClient()
    client.force_authenticate(org.am)
    assert [b["code"] for b in client.get("/api/v1/branches/").json()["results"]] == ["BJ01"]
    staff = {s["username"] for s in client.get("/api/v1/staff/").json()["results"]}
    assert "am_sh" not in staff and "bm" in staff
    assert client.get("/api/v1/staff/am_sh/").status_code == 404
    client.force_authenticate(org.hq)
    assert len(client.get("/api/v1/branches/").json()["results"]) == 3


def test_holidays_api(org):
    client = APIClient()
    client.force_authenticate(org.agent)
    data = client.get("/api/v1/holidays/?year=2025&kind=workday").json()
    assert "2025-09-28" in {d["date"] for d in data["results"]}
    assert client.get("/api/v1/holidays/2025-10-01/").json()["name"] == "国庆节"


def test_api_reverse_names(org):
    assert reverse("api:todo-list") == "/api/v1/todos/"
