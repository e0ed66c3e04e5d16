"""Error pages are Chinese, in the error layout, with a way back; no debug page (#14)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse


def _is_error_page(response, status: int) -> str:
    body = response.content.decode()
    assert response.status_code == status
    assert f'data-status="{status}"' in body and 'href="/"' in body  # the way back
    assert "Traceback" not in body and "URLconf" not in body
    return body


def test_404_page(db, client):
    assert "页面不存在" in _is_error_page(client.get("/no-such-page/"), 404)


def test_403_page_says_why(org, client):
    client.force_login(org.am)
    body = _is_error_page(client.get(reverse("crm:access-log")), 403)
    assert "Forbidden" not in body


def test_csrf_failure_page(org):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(org.am)
    body = _is_error_page(browser.post(reverse("crm:todo-create"), {"title": "x"}), 403)
    assert "表单已失效" in body and "CSRF" not in body
