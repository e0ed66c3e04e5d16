"""A message template rendered for one client: Django's template language over the
template's text, with the client's name, the masked account, today's date and what the
caller adds (an event's details, a complaint's status…).

The text of an SMS carries the firm's signature first (【华信证券】, the regulator's
requirement); `sms_segments` counts the parts a long SMS is split into (70 characters
fit one SMS; a long one goes in parts of 67), as the preview shows before sending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Channel

SMS_SINGLE = 70
SMS_PART = 67

# No named libraries, no template loaders: a template edited on a page can only use the
# built-in tags and filters over the variables it is given.
_TEXT_ENGINE = Engine(autoescape=False)
_HTML_ENGINE = Engine(autoescape=True)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html_body: str
    variables: dict[str, str] = field(default_factory=dict)


def signature() -> str:
    return f"【{settings.OUTREACH_FIRM_NAME}】"


def sms_segments(text: str) -> int:
    """The SMS parts `text` is sent in (each Chinese or Latin character counts one)."""
    length = len(text)
    if length == 0:
        return 0
    if length <= SMS_SINGLE:
        return 1
    return -(-length // SMS_PART)


def mask_account(value: str | None) -> str:
    """A client number as a message shows it: its last four digits only (****0001)."""
    value = value or ""
    if len(value) <= 4:
        return "*" * len(value)
    return "****" + value[-4:]


def client_variables(client, today: date | None = None) -> dict[str, str]:
    today = today or timezone.localdate()
    return {
        "client_name": client.name,
        "account": mask_account(client.client_no),
        "today": f"{today.year}年{today.month}月{today.day}日",
        "firm_name": settings.OUTREACH_FIRM_NAME,
    }


@lru_cache(maxsize=128)
def _compile(text: str, html: bool):
    return (_HTML_ENGINE if html else _TEXT_ENGINE).from_string(text)


def check_syntax(text: str, *, html: bool = False) -> None:
    """ValidationError (in Chinese) if `text` is not a valid template."""
    try:
        _compile(text or "", html)
    except TemplateSyntaxError as exc:
        raise ValidationError(_("The template has an error: %(error)s") % {"error": exc}) from exc


def render_text(text: str, variables: dict, *, html: bool = False) -> str:
    if not text:
        return ""
    return _compile(text, html).render(Context(variables, autoescape=html)).strip()


def render(
    *, channel: str, client, subject: str = "", body: str = "", html_body: str = "",
    context: dict | None = None, today: date | None = None,
) -> Rendered:  # fmt: skip
    """The message `client` would get: the texts rendered with the client's variables
    plus `context`; an SMS signed 【firm】 (once, even if the template already is)."""
    variables = client_variables(client, today)
    variables.update({k: "" if v is None else v for k, v in (context or {}).items()})
    text = render_text(body, variables)
    if channel == Channel.SMS:
        if not text.startswith(signature()):
            text = signature() + text
        return Rendered("", text, "", _as_strings(variables))
    return Rendered(
        render_text(subject, variables),
        text,
        render_text(html_body, variables, html=True),
        _as_strings(variables),
    )


def render_template(template, client, context: dict | None = None, today=None) -> Rendered:
    return render(
        channel=template.channel, client=client, subject=template.subject, body=template.body,
        html_body=template.html_body, context=context, today=today,
    )  # fmt: skip


def _as_strings(variables: dict) -> dict[str, str]:
    return {k: str(v) for k, v in variables.items() if isinstance(v, str | int | float | date)}
