"""`next` after a POST never leads off the site (issue #14, finding 11), and every view
reads it through the one helper that checks the host."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from crm.models import Todo
from tests.conftest import login_client
from tests.factories import make_client

ROOT = Path(__file__).resolve().parents[2]
OFF_SITE = [
    "//evil.example/x",
    "https://evil.example/",
    "http://evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    " //evil.example",
]


def _todo(user):
    return Todo.objects.create(
        branch=user.staff.branch, title="核对资料", assignee=user, created_by=user,
        due_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip


def _stays_here(response):
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


@pytest.mark.parametrize("target", OFF_SITE)
def test_todo_complete_next_stays_on_site(org, client, target):
    todo = _todo(org.am)
    login_client(client, org.am)
    _stays_here(client.post(f"/todos/{todo.pk}/complete/", {"next": target}))


@pytest.mark.parametrize("target", OFF_SITE)
def test_notifications_read_all_next_stays_on_site(org, client, target):
    login_client(client, org.am)
    _stays_here(client.post("/notifications/read-all/", {"next": target}))


@pytest.mark.parametrize("target", OFF_SITE)
def test_reassign_next_stays_on_site(org, client, target):
    c = make_client(org.am, client_no="1100000901", phone="13900000901")
    login_client(client, org.bm)
    _stays_here(client.post("/clients/reassign/", {"client": [c.pk], "next": target}))


def test_a_local_next_is_followed(org, client):
    todo = _todo(org.am)
    login_client(client, org.am)
    response = client.post(f"/todos/{todo.pk}/complete/", {"next": "/todos/?status=open"})
    assert response["Location"] == "/todos/?status=open"


def test_reassign_ignores_non_ascii_digits(org, client):
    login_client(client, org.bm)
    response = client.post("/clients/reassign/", {"client": ["²", "١٢"], "owner": org.am.pk})
    assert response.status_code == 302


def test_every_view_reads_next_through_the_helper():
    """A view that reads `next` itself could forget the host check."""
    reads = re.compile(r"""(POST|GET|data|query_params)(\.get\(|\[)\s*["']next["']""")
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("crm", "clients", "visits", "complaints", "callcenter", "config")
        for path in (ROOT / app).rglob("*.py")
        if path.name != "redirects.py" and reads.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
