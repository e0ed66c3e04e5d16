"""API throttling per integration token (crm.api.throttling)."""

from datetime import timedelta

import time_machine
from rest_framework.test import APIClient

from crm import services


def token_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_over_the_rate_answers_429_json_with_retry_after(org, settings):
    settings.INTEGRATION_TOKEN_RATE = "3/min"
    _token, key = services.integration_token_issue(name="交易系统", user=org.integration)
    api = token_client(key)
    with time_machine.travel("2026-03-02 09:00:00 +0800", tick=False) as clock:
        for _ in range(3):
            assert api.get("/api/v1/me/").status_code == 200
        response = api.get("/api/v1/me/")
        assert response.status_code == 429
        assert response.json()["detail"]
        assert 0 < int(response.headers["Retry-After"]) <= 60
        clock.shift(timedelta(seconds=61))
        assert api.get("/api/v1/me/").status_code == 200


def test_counted_per_token_not_per_user(org, settings):
    settings.INTEGRATION_TOKEN_RATE = "2/min"
    _a, key_a = services.integration_token_issue(name="交易系统", user=org.integration)
    _b, key_b = services.integration_token_issue(name="数据仓库", user=org.integration)
    first, second = token_client(key_a), token_client(key_b)
    assert [first.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/v1/me/").status_code == 200  # same account, its own budget


def test_rate_per_token_name_overrides_the_default(org, settings):
    settings.INTEGRATION_TOKEN_RATE = "1/min"
    settings.INTEGRATION_TOKEN_RATES = {"交易系统": "4/min"}
    _t, trading = services.integration_token_issue(name="交易系统", user=org.integration)
    _c, phones = services.integration_token_issue(name="呼叫中心", user=org.integration_bj)
    trading_api, phones_api = token_client(trading), token_client(phones)
    assert [trading_api.get("/api/v1/me/").status_code for _ in range(5)] == [200] * 4 + [429]
    assert [phones_api.get("/api/v1/me/").status_code for _ in range(2)] == [200, 429]


def test_browser_sessions_are_not_counted_by_the_token_rate(org, settings):
    settings.INTEGRATION_TOKEN_RATE = "1/min"
    api = APIClient()
    api.force_login(org.am)
    assert [api.get("/api/v1/me/").status_code for _ in range(3)] == [200] * 3
