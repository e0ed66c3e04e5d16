"""Optional second factor (TOTP) for branch managers and HQ, with django-otp.

A branch manager or HQ user may enrol an authenticator app on /accounts/two-factor/. From
then on every login asks for the 6-digit code after the password: until the session is
verified, SecondFactorMiddleware sends every page to the code page (and answers 403 on
the API), so nothing is reachable with the password alone. Other roles never see any of
it. HQ resets a lost phone by deleting the user's device in the admin (TOTP devices).
API calls with an integration token carry no session and are not concerned.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .api import is_api_request
from .models import Role, staff_of

# Set at login when the user has a confirmed device; django-otp's session key then says
# whether this session has given its code.
SESSION_KEY = "crm_second_factor"
ROLES = (Role.BRANCH_MANAGER, Role.HQ)


def may_enrol(user) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role in ROLES


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def mark_on_login(sender, request, user, **kwargs) -> None:
    """user_logged_in: remember in the session whether this login still needs the code."""
    if request is None or not hasattr(request, "session"):
        return
    if may_enrol(user) and TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        request.session[SESSION_KEY] = True
    else:
        request.session.pop(SESSION_KEY, None)


# --- Enrolment -----------------------------------------------------------------------
def enrolment_device(user) -> TOTPDevice:
    """The user's pending (unconfirmed) device, created with a new key on the first visit;
    the same key is shown until it is confirmed with a code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def enrolment_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no image request, nothing external)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


def manual_key(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for apps where the QR code cannot be used."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def enrolment_confirm(request, device: TOTPDevice, code: str) -> bool:
    """Confirm the pending device with a first code; it replaces any earlier device and
    this session counts as verified."""
    if not device.verify_token(code):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    otp_login(request, device)
    request.session[SESSION_KEY] = True
    return True


# --- Login ---------------------------------------------------------------------------
def verify_code(request, code: str) -> str | None:
    """Check the code for the logged-in user; None when accepted, else the error to show.

    Wrong codes slow down further tries (django-otp doubles the wait after each one)."""
    device = confirmed_device(request.user)
    if device is None:  # reset by HQ meanwhile: the password is all this login needs
        request.session.pop(SESSION_KEY, None)
        return None
    allowed, data = device.verify_is_allowed()
    if not allowed:
        locked_until = (data or {}).get("locked_until") or timezone.now()
        seconds = max(1, round((locked_until - timezone.now()).total_seconds()))
        return _("Too many wrong codes. Try again in %(seconds)s seconds.") % {"seconds": seconds}
    if not device.verify_token(code):
        return _("Wrong code. Enter the 6 digits your authenticator app shows now.")
    otp_login(request, device)
    return None


class SecondFactorMiddleware:
    """After OTPMiddleware: a session that still owes its code reaches only the code page,
    log-out, the language switch and static files."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) and not self.exempt(request):
            user = request.user
            if user.is_authenticated and not user.is_verified():
                if is_api_request(request):
                    return JsonResponse(
                        {"detail": _("Enter the code of your authenticator app first.")},
                        status=403,
                    )
                return redirect_to_login(request.get_full_path(), reverse("two-factor-verify"))
        return self.get_response(request)

    @staticmethod
    def exempt(request) -> bool:
        path = request.path_info
        return path.startswith(settings.STATIC_URL) or path in (
            reverse("two-factor-verify"),
            reverse("logout"),
            reverse("set_language"),
            reverse("healthz"),
        )
