"""A real SMTP server (aiosmtpd) on loopback for the e-mail tests.

`smtp_server` starts aiosmtpd's Controller on 127.0.0.1 with a free port, points Django's
SMTP backend at it (EMAIL_BACKEND smtp, EMAIL_HOST/PORT, no TLS) and yields the server,
whose `messages` are the e-mails it received, parsed (`email.message.EmailMessage`), with
the envelope's sender and recipients.
"""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return part.get_content()
        raise KeyError(content_type)


@dataclass
class _Handler:
    messages: list[Received] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)  # SMTP replies to give instead, in turn

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        if self.refuse:
            return self.refuse.pop(0)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: _Handler

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def refuse_next(self, reply: str) -> None:
        """Answer the next DATA with `reply` ("451 try later", "550 no such user")."""
        self.handler.refuse.append(reply)


@pytest.fixture
def smtp_server(settings):
    handler = _Handler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield SmtpServer("127.0.0.1", port, handler)
    finally:
        controller.stop()
