"""Login protection: lockout after failed logins, session expiry after inactivity,
password validators, and the optional second factor for branch managers and HQ."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from crm import services
from tests.factories import PASSWORD

SH = ZoneInfo("Asia/Shanghai")


def zh(msgid: str) -> str:
    """What the page shows for a msgid: the zh-hans translation once the catalogue has it."""
    with translation.override("zh-hans"):
        return gettext(msgid)


def log_in(client, username, password, ip="10.1.2.3", **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Lockout (django-axes) ------------------------------------------------------------
@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True  # off for the rest of the suite (config.settings_test)


def test_five_wrong_passwords_lock_the_login_for_30_minutes(org, client, axes_on):
    for _ in range(4):
        response = log_in(client, "am", "wrong-password")
        assert response.status_code == 200  # the form again, with its error
    response = log_in(client, "am", "wrong-password")
    assert response.status_code == 429
    # The sixth try, with the right password, is refused with the lockout page.
    response = log_in(client, "am", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert zh("Account locked") in page
    assert "30" in page
    assert not is_logged_in(client)
    assert AccessAttempt.objects.get(username="am").failures_since_start == 5

    # Locked per username and address: the same person at another desk can log in, and
    # another user at this desk too.
    assert log_in(Client(), "am", PASSWORD, ip="10.9.9.9").status_code == 302
    assert log_in(Client(), "am2", PASSWORD).status_code == 302

    # 30 minutes later the lock is gone.
    with time_machine.travel(timedelta(minutes=31)):
        assert log_in(client, "am", PASSWORD).status_code == 302


def test_hq_unlocks_with_the_command(org, client, axes_on):
    for _ in range(5):
        log_in(client, "am", "wrong-password")
    assert log_in(client, "am", PASSWORD).status_code == 429
    call_command("axes_reset_username", "am")
    response = log_in(client, "am", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_hq_unlocks_in_the_admin(org, client, axes_on):
    for _ in range(5):
        log_in(client, "bm", "wrong-password")
    attempt = AccessAttempt.objects.get(username="bm")
    org.hq.is_staff = True
    org.hq.save(update_fields=["is_staff"])
    admin = Client()
    admin.force_login(org.hq)
    response = admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert log_in(client, "bm", PASSWORD).status_code == 302


def test_a_success_clears_earlier_failures(org, client, axes_on):
    for _ in range(4):
        log_in(client, "am", "wrong-password")
    assert log_in(client, "am", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert log_in(client, "am", "wrong-password").status_code == 200
    assert log_in(client, "am", PASSWORD).status_code == 302


def test_api_tokens_are_not_subject_to_the_lockout(org, axes_on):
    _token, key = services.integration_token_issue(name="交易系统", user=org.integration)
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-key")
    for _ in range(8):
        assert bad.get("/api/v1/me/").status_code == 401
    good = APIClient()
    good.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert good.get("/api/v1/me/").status_code == 200
    assert not AccessAttempt.objects.exists()


# --- Session expiry after inactivity (crm.session) --------------------------------------
def drop_cached_copy(client) -> None:
    """Redis drops a session at its TTL, which time_machine cannot move: drop it by hand so
    that the database row (and its expiry date) decides, as it would in real time."""
    store = SessionStore(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)
    caches[settings.SESSION_CACHE_ALIAS].delete(store.cache_key)


def test_an_idle_session_is_logged_out_after_8_hours(org, client):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=SH), tick=False) as clock:
        client.force_login(org.am)
        assert client.get("/").status_code == 200
        clock.shift(timedelta(hours=7, minutes=50))
        drop_cached_copy(client)
        assert client.get("/").status_code == 200  # still within 8 hours
        clock.shift(timedelta(hours=8, minutes=1))
        drop_cached_copy(client)
        response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_active_session_is_kept(org, client):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=SH), tick=False) as clock:
        client.force_login(org.am)
        for _ in range(5):  # a page every 3 hours: 15 hours after the login
            clock.shift(timedelta(hours=3))
            drop_cached_copy(client)
            assert client.get("/").status_code == 200
        session = Session.objects.get(pk=client.cookies[settings.SESSION_COOKIE_NAME].value)
        assert session.expire_date == datetime(2026, 3, 2, 9, 0, tzinfo=SH) + timedelta(hours=23)


def test_pages_within_five_minutes_do_not_write_the_session(org, client):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=SH), tick=False) as clock:
        client.force_login(org.am)
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        first_expiry = Session.objects.get(pk=key).expire_date
        clock.shift(timedelta(minutes=4))
        client.get("/")
        assert Session.objects.get(pk=key).expire_date == first_expiry


# --- Password validators ----------------------------------------------------------------
def test_a_weak_password_is_refused_in_chinese(org, client):
    client.force_login(org.am)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "这个密码太常见了。" in page  # Django's zh-hans messages of the validators
    assert "密码只包含数字。" in page
    org.am.refresh_from_db()
    assert org.am.check_password(PASSWORD)


def test_a_strong_password_is_accepted_and_the_session_kept(org, client):
    client.force_login(org.am)
    new = "Qiang-mima-2026-x7"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    org.am.refresh_from_db()
    assert org.am.check_password(new)
    assert client.get("/").status_code == 200


# --- Second factor (TOTP) -----------------------------------------------------------------
def code(device: TOTPDevice, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    accepted = {code(device, k) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def test_branch_manager_enrols_with_qr_code_and_first_code(org, client):
    client.force_login(org.bm)
    page = client.get(reverse("two-factor-setup"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and 'id="two-factor-key"' in body
    device = TOTPDevice.objects.get(user=org.bm)
    assert not device.confirmed
    assert client.get(reverse("two-factor-setup")).status_code == 200
    assert TOTPDevice.objects.filter(user=org.bm).count() == 1  # same key until confirmed

    response = client.post(reverse("two-factor-setup"), {"code": wrong_code(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed

    with time_machine.travel(timedelta(seconds=3)):  # past the wait after the wrong code
        response = client.post(reverse("two-factor-setup"), {"code": code(device)})
        assert response.status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        # This session gave its code: pages open; the setup page now says it is on.
        assert client.get("/").status_code == 200
        assert 'id="two-factor-on"' in client.get(reverse("two-factor-setup")).content.decode()


def test_enrolled_login_asks_for_the_code_before_any_page(org, client):
    device = enrolled(org.hq)
    response = log_in(client, "hq", PASSWORD)
    assert response.status_code == 302
    verify = reverse("two-factor-verify")
    for url in ("/", "/clients/", "/admin/", reverse("two-factor-setup")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(verify), url
    api = client.get("/api/v1/me/")
    assert api.status_code == 403
    assert api.json()["detail"]

    page = client.get(verify + "?next=/clients/")
    assert page.status_code == 200
    assert 'name="code"' in page.content.decode()

    response = client.post(verify, {"code": wrong_code(device), "next": "/clients/"})
    assert response.status_code == 200
    assert zh("Wrong code. Enter the 6 digits your authenticator app shows now.") in (
        response.content.decode()
    )
    # At once again: django-otp makes the next try wait.
    response = client.post(verify, {"code": code(device), "next": "/clients/"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302

    with time_machine.travel(timedelta(seconds=3)):
        response = client.post(verify, {"code": code(device), "next": "/clients/"})
        assert response.status_code == 302
        assert response.url == "/clients/"
        assert client.get("/").status_code == 200
        assert client.get("/api/v1/me/").status_code == 200


def test_a_code_is_not_accepted_twice(org, client):
    device = enrolled(org.bm)
    log_in(client, "bm", PASSWORD)
    used = code(device)
    assert client.post(reverse("two-factor-verify"), {"code": used}).status_code == 302
    client.post(reverse("logout"))
    log_in(client, "bm", PASSWORD)
    with time_machine.travel(timedelta(seconds=3)):
        response = client.post(reverse("two-factor-verify"), {"code": used})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_the_next_url_stays_on_this_site(org, client):
    device = enrolled(org.bm)
    log_in(client, "bm", PASSWORD)
    response = client.post(
        reverse("two-factor-verify"), {"code": code(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response.url == reverse("crm:workbench")


def test_without_a_device_the_password_is_enough(org, client):
    assert log_in(client, "bm", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    assert client.get(reverse("two-factor-verify")).status_code == 302  # nothing owed


@pytest.mark.parametrize("who", ["am", "advisor", "agent", "compliance"])
def test_other_roles_never_see_the_second_factor(org, client, who):
    user = getattr(org, who)
    enrolled(user)  # even a left-over device (a former branch manager) asks for nothing
    assert log_in(client, user.username, PASSWORD).status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert reverse("two-factor-setup") not in page.content.decode()
    assert client.get(reverse("two-factor-setup")).status_code == 404


def test_managers_find_the_setup_in_the_menu(org, client):
    client.force_login(org.bm)
    assert reverse("two-factor-setup") in client.get("/").content.decode()


def test_hq_resets_a_device_in_the_admin(org, client):
    device = enrolled(org.bm)
    org.hq.is_staff = True
    org.hq.save(update_fields=["is_staff"])
    admin = Client()
    admin.force_login(org.hq)  # no device: no code needed
    response = admin.post(
        reverse("admin:otp_totp_totpdevice_changelist"),
        {"action": "delete_selected", "_selected_action": [device.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=org.bm).exists()
    log_in(client, "bm", PASSWORD)
    assert client.get("/").status_code == 200


def test_a_reset_during_the_login_lets_the_user_in(org, client):
    device = enrolled(org.bm)
    log_in(client, "bm", PASSWORD)
    assert client.get("/").status_code == 302
    device.delete()
    response = client.post(reverse("two-factor-verify"), {"code": "123456"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
