"""The clients' own duties, told to them: a risk assessment about to expire and an
identity change to be recorded (bring the new identity document) get a service notice,
once per due date (the idempotency key holds the date), by SMS to a mobile, else e-mail.

Set-based: one bulk queue per channel and due date (outreach.services.messages
.messages_queue_bulk); run daily by `outreach.duty_notices`.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client

from . import rules
from .models import Channel, MessageTemplate, Purpose, SourceKind
from .services.messages import messages_queue_bulk

RISK_NOTICE_DAYS = 30  # the notice goes this many days before the assessment expires
IDENTITY_NOTICE_DAYS = 3


def _template(code: str, channel: str, subject: str, body: str) -> MessageTemplate:
    """The HQ template of the notice; made with a default text when HQ has none yet."""
    template, _created = MessageTemplate.objects.get_or_create(
        code=f"{code}-{channel}",
        defaults={"name": subject, "channel": channel, "purpose": Purpose.SERVICE,
                  "subject": subject if channel == Channel.EMAIL else "", "body": body,
                  "provider_template_code": "SMS_DUTY" if channel == Channel.SMS else ""},
    )  # fmt: skip
    return template


def _notify(kind: str, clients, due_of, template_args) -> dict[str, int]:
    counts = {"queued": 0, "already": 0, "withheld": 0}
    dues: dict[date, list[int]] = {}
    for pk, due in clients.values_list("pk", due_of):
        day = timezone.localtime(due).date() if hasattr(due, "hour") else due
        dues.setdefault(day, []).append(pk)
    for day, ids in sorted(dues.items()):
        for channel, where in (
            (Channel.SMS, rules.address_q(Channel.SMS)),
            (Channel.EMAIL, ~rules.address_q(Channel.SMS) & rules.address_q(Channel.EMAIL)),
        ):
            template = _template(kind, channel, *template_args)
            result = messages_queue_bulk(
                clients=Client.objects.filter(pk__in=ids).filter(where), channel=channel,
                purpose=Purpose.SERVICE, template=template, source_kind=SourceKind.DUTY,
                source_id=None, key_prefix=f"duty:{kind}:{day.isoformat()}",
                context_for=lambda c, day=day: {"due": f"{day.year}年{day.month}月{day.day}日"},
            )  # fmt: skip
            counts["queued"] += result.queued
            counts["already"] += result.already_queued
            counts["withheld"] += result.withheld
    return counts


def duty_notices_send(today: date | None = None) -> dict[str, dict[str, int]]:
    today = today or timezone.localdate()
    open_account = Q(client_no__isnull=False) & ~Q(account_status="closed")
    risk = Client.objects.filter(
        open_account, risk_expires_on__gte=today,
        risk_expires_on__lte=today + timedelta(days=RISK_NOTICE_DAYS),
    )  # fmt: skip
    identity = Client.objects.filter(
        open_account, identity_change_due_at__isnull=False,
        identity_change_due_at__date__lte=today + timedelta(days=IDENTITY_NOTICE_DAYS),
        identity_change_due_at__date__gte=today,
    )  # fmt: skip
    return {
        "risk_expiry": _notify(
            "risk-expiry",
            risk,
            "risk_expires_on",
            (
                _("Your risk assessment expires soon"),
                _(
                    "Dear {{ client_name }}, the risk assessment of your account {{ account }} "
                    "expires on {{ due }}. Please assess again in the app or at your branch."
                ),
            ),
        ),
        "identity_change": _notify(
            "identity-change",
            identity,
            "identity_change_due_at",
            (
                _("Please bring your new identity document"),
                _(
                    "Dear {{ client_name }}, please bring your new identity document to your "
                    "branch by {{ due }} so that we can update your account {{ account }}."
                ),
            ),
        ),
    }
