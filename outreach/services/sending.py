"""Handing one message to its channel, exactly once.

A worker claims the row (QUEUED and due → SENDING, under `select_for_update(skip_locked)`,
its attempt counted), sends it through the SMS backend or Django's mail framework, then
marks it SENT with the provider's id. A temporary error puts it back to QUEUED for a
retry (FAILED after the last attempt), a permanent one fails it with the provider's code
and reason. A task delivered twice finds the row no longer QUEUED and does nothing; a row
left SENDING by a worker that died mid-send is failed "result unknown" by the dispatcher,
never sent again (the provider may have sent it).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from .. import signals
from ..models import Channel, Message
from ..sms import PermanentSmsError, SmsRequest, TemporarySmsError, get_sms_backend

logger = logging.getLogger("outreach")

MAX_ATTEMPTS = 5
# A row handed to the queue this long ago and still QUEUED was lost by the broker; a row
# SENDING this long, by its worker.
LOST_AFTER = timedelta(minutes=15)
STUCK_AFTER = timedelta(minutes=10)
UNSUBSCRIBE_SALT = "outreach.unsubscribe"
DISPATCH_LIMIT = 20000


def retry_delay(attempt: int) -> int:
    """Seconds before attempt `attempt + 1`: 30 s, 60 s, 120 s, 240 s."""
    return min(30 * 2 ** max(attempt - 1, 0), 600)


# --- The unsubscribe link of an e-mail ------------------------------------------------------
def unsubscribe_token(message: Message) -> str:
    return signing.dumps({"c": message.client_id, "m": message.pk}, salt=UNSUBSCRIBE_SALT,
                         compress=True)  # fmt: skip


def unsubscribe_read(token: str) -> dict | None:
    """The token's client and message ids, or None for a forged or damaged token."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, dict) and "c" in value else None


def unsubscribe_url(message: Message) -> str:
    path = reverse("outreach:unsubscribe", args=[unsubscribe_token(message)])
    return urljoin(settings.OUTREACH_PUBLIC_URL, path)


def email_for(message: Message) -> EmailMultiAlternatives:
    """The e-mail of `message`: its text and HTML parts, each with the unsubscribe link,
    and the List-Unsubscribe header mail clients show as a button."""
    link = unsubscribe_url(message)
    footer = _("To stop receiving these e-mails, open: %(link)s") % {"link": link}
    text = f"{message.body}\n\n--\n{settings.OUTREACH_FIRM_NAME}\n{footer}\n"
    email = EmailMultiAlternatives(
        subject=message.subject or settings.OUTREACH_FIRM_NAME, body=text,
        from_email=settings.OUTREACH_EMAIL_FROM, to=[message.recipient],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Outreach-Message": message.idempotency_key,
        },
    )  # fmt: skip
    html = message.html_body or "<p>" + escape(message.body).replace("\n", "<br>") + "</p>"
    unsubscribe = _("Unsubscribe")
    html += (
        f'<hr><p style="color:#888;font-size:12px">{escape(settings.OUTREACH_FIRM_NAME)} · '
        f'<a href="{escape(link)}">{escape(unsubscribe)}</a></p>'
    )
    email.attach_alternative(html, "text/html")
    return email


def _smtp_permanent(exc: Exception) -> tuple[str, str] | None:
    """(code, reason) of an SMTP refusal that would repeat (5xx), None otherwise."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            code, reason = next(iter(exc.recipients.values()))
            return f"smtp:{code}", reason.decode(errors="replace")
        return None
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500:
        error = exc.smtp_error
        text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        return f"smtp:{exc.smtp_code}", text
    return None


# --- One message ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    status: str  # "sent", "skipped", "retry", "failed"
    retry_in: int = 0


def _claim(message_id: int) -> Message | None:
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=message_id, status=Message.Status.QUEUED, not_before__lte=now)
            .select_related("template")
            .first()
        )
        if message is None:
            return None
        message.status = Message.Status.SENDING
        message.attempts += 1
        message.dispatched_at = now
        message.save(update_fields=["status", "attempts", "dispatched_at"])
    return message


def _mark(message: Message, **values) -> None:
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(**values)


def message_deliver(message_id: int) -> Outcome:
    """Send the message if it is QUEUED and due (see the module's docstring)."""
    message = _claim(message_id)
    if message is None:
        return Outcome("skipped")
    try:
        if message.channel == Channel.SMS:
            backend = get_sms_backend()
            result = backend.send(SmsRequest(
                phone=message.recipient, text=message.body,
                template_code=message.template.provider_template_code if message.template else "",
                variables={k: str(v) for k, v in (message.variables or {}).items()},
                reference=message.idempotency_key,
            ))  # fmt: skip
            provider, provider_id = result.provider, result.provider_message_id
        else:
            email_for(message).send(fail_silently=False)
            provider, provider_id = "smtp", ""
    except PermanentSmsError as exc:
        _fail(message, exc.code, exc.reason or str(exc))
        return Outcome("failed")
    except Exception as exc:  # temporary: the provider busy, SMTP down, a timeout…
        permanent = _smtp_permanent(exc)
        if permanent is not None:
            _fail(message, *permanent)
            return Outcome("failed")
        code = exc.code if isinstance(exc, TemporarySmsError) else type(exc).__name__
        reason = (exc.reason if isinstance(exc, TemporarySmsError) else str(exc)) or code
        if message.attempts >= MAX_ATTEMPTS:
            _fail(message, code, _("Gave up after %(n)d attempts: %(reason)s")
                  % {"n": message.attempts, "reason": reason})  # fmt: skip
            return Outcome("failed")
        delay = retry_delay(message.attempts)
        now = timezone.now()
        _mark(message, status=Message.Status.QUEUED, not_before=now + timedelta(seconds=delay),
              dispatched_at=now + timedelta(seconds=delay), error_code=code[:50],
              error=reason[:300])  # fmt: skip
        logger.warning("message %s: temporary error %s, retry in %ss", message.pk, code, delay)
        return Outcome("retry", delay)
    _mark(message, status=Message.Status.SENT, provider=provider[:20],
          provider_message_id=provider_id[:100], sent_at=timezone.now(), error_code="",
          error="")  # fmt: skip
    return Outcome("sent")


def _fail(message: Message, code: str, reason: str) -> None:
    _mark(message, status=Message.Status.FAILED, failed_at=timezone.now(),
          error_code=(code or "")[:50], error=(reason or code or "")[:300])  # fmt: skip
    signals.message_failed.send(Message, message_id=message.pk, source_kind=message.source_kind,
                                source_id=message.source_id)  # fmt: skip


# --- The dispatcher -------------------------------------------------------------------------
@dataclass(frozen=True)
class DueBatch:
    sms: list[int]
    email: list[int]
    stuck_failed: int


def messages_take_due(limit: int = DISPATCH_LIMIT) -> DueBatch:
    """What is due and not in the queue (held by quiet hours, queued in bulk, lost by the
    broker), marked handed on now; and what has been SENDING too long, failed "result
    unknown"."""
    now = timezone.now()
    stuck = Message.objects.filter(
        status=Message.Status.SENDING, dispatched_at__lt=now - STUCK_AFTER
    ).update(status=Message.Status.FAILED, failed_at=now, error_code="unknown",
             error=_("Result unknown: the sending was interrupted; not sent again."))  # fmt: skip
    with transaction.atomic():
        rows = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=Message.Status.QUEUED, not_before__lte=now)
            .exclude(dispatched_at__gte=now - LOST_AFTER)
            .order_by("not_before", "pk")
            .values_list("pk", "channel")[:limit]
        )
        ids = [pk for pk, _channel in rows]
        if ids:
            Message.objects.filter(pk__in=ids).update(dispatched_at=now)
    return DueBatch(
        sms=[pk for pk, channel in rows if channel == Channel.SMS],
        email=[pk for pk, channel in rows if channel == Channel.EMAIL],
        stuck_failed=stuck,
    )
