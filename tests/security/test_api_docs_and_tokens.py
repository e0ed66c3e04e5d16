"""The API schema and docs behind login unless opened; token lifetimes bounded (#14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from crm import services
from crm.admin import IntegrationTokenForm


@pytest.mark.parametrize("path", ["/api/schema/", "/api/schema/?format=json"])
def test_schema_answers_401_or_403_without_login(db, client, path):
    response = client.get(path)
    assert response.status_code in (401, 403)
    assert b"paths" not in response.content


@pytest.mark.parametrize("path", ["/api/docs/", "/api/docs/?script="])
def test_docs_page_sends_a_browser_to_the_login(db, client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_schema_for_an_integration_token(org):
    _token, key = services.integration_token_issue(name="交易系统", user=org.integration)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/schema/").status_code == 200


def test_a_setting_opens_them(db, client, settings):
    settings.CRM_API_DOCS_PUBLIC = True
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.parametrize("days", [0, -1, 3651, 10**9])
def test_issue_api_token_refuses_lifetimes_out_of_range(org, days):
    with pytest.raises(CommandError, match="1"):
        call_command(
            "issue_api_token", org.integration.username, "--name", "x", "--days", str(days)
        )
    assert not org.integration.api_tokens.exists()


def test_issue_api_token_one_day_is_one_day(org, capsys):
    call_command("issue_api_token", org.integration.username, "--name", "x", "--days", "1")
    token = org.integration.api_tokens.get()
    assert timedelta(hours=23) < token.expires_at - timezone.now() <= timedelta(days=1)


@pytest.mark.parametrize("delta", [timedelta(days=-1), timedelta(days=3651)])
def test_admin_refuses_an_expiry_in_the_past_or_too_far(org, delta):
    form = IntegrationTokenForm(
        {"name": "x", "user": org.integration.pk, "expires_at": timezone.now() + delta}
    )
    assert not form.is_valid() and "expires_at" in form.errors
