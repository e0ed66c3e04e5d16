"""SMS sending behind one small interface; the backend is chosen by settings.SMS_BACKEND.

A backend sends one message (`send`) and reads its provider's callbacks: delivery
receipts (`parse_receipts`) and the clients' replies (`parse_replies`), answering each
callback as the provider documents (`callback_ack`). Errors are of two kinds: a
`TemporarySmsError` (throttled, timeout, provider busy) is retried, a `PermanentSmsError`
(bad number, template refused, no credit) fails the message with its reason.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

logger = logging.getLogger("outreach.sms")


@dataclass(frozen=True)
class SmsRequest:
    phone: str  # 11-digit mainland mobile
    text: str  # the whole text as the client reads it, signature 【…】 included
    template_code: str = ""  # the provider's approved template ("SMS_123456789", "1234567")
    variables: dict[str, str] = field(default_factory=dict)  # the template's parameters
    reference: str = ""  # our message's idempotency key, handed to the provider (OutId)


@dataclass(frozen=True)
class SmsResult:
    provider: str
    provider_message_id: str


@dataclass(frozen=True)
class Receipt:
    """A delivery report: delivered, or failed with the provider's code and reason."""

    provider_message_id: str
    delivered: bool
    at: datetime | None = None
    code: str = ""
    reason: str = ""
    phone: str = ""


@dataclass(frozen=True)
class IncomingReply:
    phone: str
    text: str
    at: datetime | None = None


class SmsError(Exception):
    def __init__(self, code: str, reason: str = "") -> None:
        super().__init__(f"{code}: {reason}" if reason else code)
        self.code = code
        self.reason = reason


class TemporarySmsError(SmsError):
    """Worth trying again later."""


class PermanentSmsError(SmsError):
    """Trying again would fail the same way."""


class SmsBackend:
    name = ""

    def send(self, request: SmsRequest) -> SmsResult:  # pragma: no cover - interface
        raise NotImplementedError

    def parse_receipts(self, request: HttpRequest) -> list[Receipt]:  # pragma: no cover
        raise NotImplementedError

    def parse_replies(self, request: HttpRequest) -> list[IncomingReply]:  # pragma: no cover
        raise NotImplementedError

    def callback_ack(self) -> HttpResponse:
        return HttpResponse("OK", content_type="text/plain")


class LoggingSmsBackend(SmsBackend):
    """Writes each message to the log; the default until a gateway is configured."""

    name = "logging"

    def send(self, request: SmsRequest) -> SmsResult:
        logger.info("SMS to %s: %s", request.phone, request.text)
        return SmsResult(provider=self.name, provider_message_id=uuid.uuid4().hex)

    def parse_receipts(self, request: HttpRequest) -> list[Receipt]:
        return []

    def parse_replies(self, request: HttpRequest) -> list[IncomingReply]:
        return []


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
