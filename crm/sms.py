"""SMS sending behind one small interface; the backend is chosen by settings.SMS_BACKEND."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("crm.sms")


class SmsBackend:
    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LoggingSmsBackend(SmsBackend):
    """Writes each message to the log; the default until a gateway is configured."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
