"""CSRF on every form, the Content-Security-Policy and the other security headers."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from crm import services
from tests.factories import PASSWORD, make_client

BASE = Path(settings.BASE_DIR)


def project_templates() -> list[Path]:
    """Every template of the project: templates/ and each app's own templates/ folder."""
    dirs = [Path(d) for d in engines["django"].engine.dirs]
    dirs += [
        BASE / app / "templates" for app in ("crm", "clients", "complaints", "visits", "callcenter")
    ]
    return sorted(p for d in dirs if d.is_dir() for p in d.rglob("*.html"))


TEMPLATES = project_templates()
POST_FORM = re.compile(r"<form\b[^>]*\bmethod=[\"']post[\"'][^>]*>(.*?)</form>", re.S | re.I)


def test_templates_are_found():
    assert len(TEMPLATES) > 50
    assert BASE / "templates" / "base.html" in TEMPLATES


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(BASE)))
def test_every_post_form_carries_the_csrf_token(path):
    text = path.read_text()
    for body in POST_FORM.findall(text):
        assert "{% csrf_token %}" in body, f"{path.name}: a POST form without {{% csrf_token %}}"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(BASE)))
def test_no_inline_code_or_style_without_the_nonce(path):
    """The policy refuses inline scripts without the nonce, on*= handlers and style
    attributes: each would silently stop working in the browser."""
    text = path.read_text()
    for tag in re.findall(r"<script\b[^>]*>", text, re.I):
        assert "src=" in tag or 'nonce="{{ request.csp_nonce }}"' in tag or "json" in tag, tag
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", text, re.I), "inline event handler"
    assert not re.search(r"<[a-z][^>]*\sstyle\s*=", text, re.I), "style attribute"
    assert "<style" not in text, "inline <style>"


def test_posts_without_the_token_are_refused(org):
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post(reverse("login"), {"username": "am", "password": PASSWORD}).status_code == 403
    )
    client.force_login(org.am)
    owned = make_client(org.am)
    for url, data in [
        (reverse("logout"), {}),
        (reverse("password_change"), {"old_password": PASSWORD}),
        (reverse("set_language"), {"language": "en"}),
        (reverse("crm:todo-create"), {"title": "x"}),
        (reverse("clients:create"), {"name": "李四"}),
        (reverse("clients:edit", args=[owned.pk]), {"name": "李四"}),
        (reverse("complaints:intake"), {"topic": "x"}),
        (reverse("visits:create"), {}),
        (reverse("crm:notification-read-all"), {}),
    ]:
        assert client.post(url, data).status_code == 403, url
    # The session API is protected the same way; integration tokens do not use cookies.
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(org.am)
    assert api.post("/api/v1/todos/", {"title": "x"}, format="json").status_code == 403


# --- Headers ---------------------------------------------------------------------------
COMMON_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_common_headers(response):
    for name, value in COMMON_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "camera=()" in response.headers["Permissions-Policy"]
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    return policy


def directive(policy: str, name: str) -> list[str]:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    raise AssertionError(f"no {name} in {policy}")


def test_pages_send_the_policy_with_a_nonce_that_matches_their_scripts(org, client):
    client.force_login(org.bm)
    response = client.get(reverse("clients:segments"))  # a page with an inline script
    assert response.status_code == 200
    policy = assert_common_headers(response)
    scripts = directive(policy, "script-src")
    nonces = [s for s in scripts if s.startswith("'nonce-")]
    assert scripts[0] == "'self'" and len(nonces) == 1
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert directive(policy, "style-src") == ["'self'"]
    nonce = nonces[0][len("'nonce-") : -1]
    assert f'<script nonce="{nonce}">' in response.content.decode()
    # A new nonce on every response.
    again = client.get(reverse("clients:segments")).headers["Content-Security-Policy"]
    assert nonce not in again


def test_login_page_headers(client):
    response = client.get(reverse("login"))
    policy = assert_common_headers(response)
    assert "'nonce-" not in policy  # no inline script on this page, so no nonce either


def test_the_api_sends_the_headers_too(org):
    _token, key = services.integration_token_issue(name="交易系统", user=org.integration)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    assert_common_headers(response)
    assert_common_headers(api.get("/api/schema/"))


def test_swagger_ui_gets_its_own_relaxed_style_policy_and_no_inline_script(org, client):
    client.force_login(org.am)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" in directive(policy, "style-src")
    assert "'unsafe-inline'" not in directive(policy, "script-src")
    page = response.content.decode()
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", page))
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_healthz_and_static_files_get_the_headers(client):
    assert_common_headers(client.get("/healthz"))
