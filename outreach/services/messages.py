"""Sending a message to a client, one or a whole segment, and what the provider reports
back (delivery receipts, replies).

`message_send` and `messages_queue_bulk` apply the rules (outreach/rules.py): a marketing
message needs the client's consent for the channel and room under the monthly cap; every
message needs an address; an SMS waits out the quiet hours. A refused message is kept
WITHHELD with its reason and never sent. Each message has an idempotency key (unique):
sending the same key again returns the message already there and sends nothing.

The rows are handed to the "messages" queue after commit (outreach/tasks.py): one task
per message sent now, and `outreach.dispatch_due` for a bulk queue or what quiet hours
held back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from crm.jobs import enqueue_on_commit

from .. import rules, signals
from ..models import Channel, Message, MessageTemplate, Purpose, Reply, SourceKind
from ..rendering import Rendered, render, render_template
from ..sms import IncomingReply, Receipt
from .consent import client_opt_out

SEND_TASK: dict[str, str] = {
    Channel.SMS: "outreach.send_message",
    Channel.EMAIL: "outreach.send_email",
}
DISPATCH_TASK = "outreach.dispatch_due"
BULK_BATCH = 5000

# A reply that is an opt-out: "TD", "td", "T D", "退订", "退订 谢谢"… (the whole reply,
# or its first word).
_OPT_OUT = re.compile(r"^\s*(t\s*d|退\s*订|n|unsubscribe|stop)\b", re.IGNORECASE)


def is_opt_out(text: str) -> bool:
    text = (text or "").strip()
    return bool(_OPT_OUT.match(text)) or text.startswith("退订")


def withheld_reason(client: Client, channel: str, purpose: str, at: datetime) -> str:
    """Why this message may not go out ("" if it may)."""
    if not rules.has_address(client, channel):
        if channel == Channel.SMS:
            return _("The client has no mobile phone number.")
        return _("The client has no e-mail address.")
    if purpose == Purpose.MARKETING:
        if not rules.marketing_allowed(client, channel):
            return _("The client has not agreed to marketing by this channel.")
        if client.pk in rules.capped_client_ids([client.pk], at):
            return _("The client has had this month's marketing messages.")
    return ""


def _render(template, channel, client, subject, body, context) -> Rendered:
    if template is not None:
        return render_template(template, client, context)
    return render(channel=channel, client=client, subject=subject, body=body, context=context)


def message_send(
    *, client: Client, channel: str, purpose: str, template: MessageTemplate | None = None,
    subject: str = "", body: str = "", context: dict | None = None, source_kind: str,
    source_id: int | None = None, idempotency_key: str, by=None, at: datetime | None = None,
) -> Message:  # fmt: skip
    """Render, check and store one message, and send it after commit (or at the end of
    the quiet hours). An existing `idempotency_key` returns that message, unchanged."""
    if channel not in Channel.values or purpose not in Purpose.values:
        raise ValueError(f"unknown channel or purpose {channel!r} {purpose!r}")
    if source_kind not in SourceKind.values:
        raise ValueError(f"unknown source {source_kind!r}")
    if template is not None and template.channel != channel:
        raise ValueError("the template is for another channel")
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    at = at or now
    with transaction.atomic():
        if purpose == Purpose.MARKETING:  # one client's cap counted by one sender at a time
            client = Client.objects.select_for_update().get(pk=client.pk)
        rendered = _render(template, channel, client, subject, body, context)
        reason = withheld_reason(client, channel, purpose, at)
        due = rules.not_before(channel, at)
        message = Message(
            client=client, branch_id=client.branch_id, channel=channel, purpose=purpose,
            template=template, source_kind=source_kind, source_id=source_id,
            idempotency_key=idempotency_key[:120], recipient=rules.recipient_of(client, channel),
            subject=rendered.subject[:200], body=rendered.body, html_body=rendered.html_body,
            variables=rendered.variables,
            status=Message.Status.WITHHELD if reason else Message.Status.QUEUED,
            not_before=due, error=reason[:300], created_at=now, created_by=by,
            dispatched_at=now if not reason and due <= now else None,
        )  # fmt: skip
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            return Message.objects.get(idempotency_key=idempotency_key)
    if message.dispatched_at is not None:
        enqueue_on_commit(SEND_TASK[channel], message.pk)
    return message


# --- A whole segment ------------------------------------------------------------------------
@dataclass
class QueueResult:
    queued: int = 0
    withheld_no_consent: int = 0
    withheld_cap: int = 0
    withheld_no_address: int = 0
    already_queued: int = 0

    @property
    def withheld(self) -> int:
        return self.withheld_no_consent + self.withheld_cap + self.withheld_no_address


_CLIENT_FIELDS = (
    "pk", "branch_id", "name", "client_no", "phone", "email", "consent_sms", "consent_email",
    "sms_opted_out_at", "email_opted_out_at", "birth_date",
)  # fmt: skip
_INSERT_COLUMNS = (
    "client_id", "branch_id", "channel", "purpose", "template_id", "source_kind", "source_id",
    "idempotency_key", "recipient", "subject", "body", "html_body", "variables", "status",
    "not_before", "attempts", "provider", "provider_message_id", "error_code", "error",
    "created_at", "created_by_id", "dispatched_at",
)  # fmt: skip
_INSERT_TYPES = (
    "bigint", "bigint", "text", "text", "bigint", "text", "bigint", "text", "text", "text", "text",
    "text", "jsonb", "text", "timestamptz", "smallint", "text", "text", "text", "text",
    "timestamptz", "bigint", "timestamptz",
)  # fmt: skip


class _Row:
    """The client's values a bulk queue reads (no model instance per client)."""

    __slots__ = _CLIENT_FIELDS

    def __init__(self, values: tuple) -> None:
        for name, value in zip(_CLIENT_FIELDS, values, strict=True):
            setattr(self, name, value)


def _insert(rows: list[tuple]) -> int:
    """INSERT … ON CONFLICT (idempotency_key) DO NOTHING; the number inserted."""
    if not rows:
        return 0
    columns = list(zip(*rows, strict=True))
    table = Message._meta.db_table
    select = ", ".join(f"%s::{t}[]" for t in _INSERT_TYPES)
    sql = (
        f"INSERT INTO {table} ({', '.join(_INSERT_COLUMNS)}) "
        f"SELECT * FROM unnest({select}) ON CONFLICT (idempotency_key) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(c) for c in columns])
        return cursor.rowcount


def messages_queue_bulk(
    *, clients: QuerySet, channel: str, purpose: str, template: MessageTemplate,
    source_kind: str, source_id: int | None, key_prefix: str,
    context_for: Callable[[object], dict] | None = None, by=None, at: datetime | None = None,
) -> QueueResult:  # fmt: skip
    """Queue `template` to every client of `clients` the rules allow, set-based: keys
    f"{key_prefix}:{client_id}", one INSERT per batch, sending handed to
    `outreach.dispatch_due` after commit. Clients the rules refuse are counted, not
    stored; a key already there is counted as already queued."""
    if template.channel != channel:
        raise ValueError("the template is for another channel")
    now = timezone.now()
    at = at or now
    due = rules.not_before(channel, at)
    result = QueueResult()
    created_by = by.pk if by is not None else None
    source = clients.order_by().values_list(*_CLIENT_FIELDS)
    with transaction.atomic():
        batch: list[_Row] = []
        for values in source.iterator(chunk_size=BULK_BATCH):
            batch.append(_Row(values))
            if len(batch) >= BULK_BATCH:
                _queue_batch(batch, result, channel, purpose, template, source_kind, source_id,
                             key_prefix, context_for, created_by, at, now, due)  # fmt: skip
                batch = []
        _queue_batch(batch, result, channel, purpose, template, source_kind, source_id,
                     key_prefix, context_for, created_by, at, now, due)  # fmt: skip
    if result.queued:
        enqueue_on_commit(DISPATCH_TASK)
    return result


def _queue_batch(batch, result, channel, purpose, template, source_kind, source_id, key_prefix,
                 context_for, created_by, at, now, due) -> None:  # fmt: skip
    if not batch:
        return
    marketing = purpose == Purpose.MARKETING
    capped = rules.capped_client_ids([c.pk for c in batch], at) if marketing else set()
    rows = []
    for client in batch:
        if not rules.has_address(client, channel):
            result.withheld_no_address += 1
            continue
        if marketing and not rules.marketing_allowed(client, channel):
            result.withheld_no_consent += 1
            continue
        if client.pk in capped:
            result.withheld_cap += 1
            continue
        rendered = render_template(template, client, context_for(client) if context_for else None)
        rows.append((
            client.pk, client.branch_id, channel, purpose, template.pk, source_kind, source_id,
            f"{key_prefix}:{client.pk}"[:120], rules.recipient_of(client, channel),
            rendered.subject[:200], rendered.body, rendered.html_body,
            json.dumps(rendered.variables, ensure_ascii=False), Message.Status.QUEUED, due, 0,
            "", "", "", "", now, created_by, None,
        ))  # fmt: skip
    inserted = _insert(rows)
    result.queued += inserted
    result.already_queued += len(rows) - inserted


# --- What the provider reports back ---------------------------------------------------------
def message_apply_receipts(provider: str, receipts: Iterable[Receipt]) -> int:
    """Apply delivery receipts: a sent message becomes DELIVERED, or FAILED with the
    provider's code and reason. A receipt for no known message, or for a message already
    settled the same way, changes nothing. Returns the number of messages changed."""
    changed = 0
    now = timezone.now()
    for receipt in receipts:
        if not receipt.provider_message_id:
            continue
        rows = Message.objects.filter(
            provider=provider, provider_message_id=receipt.provider_message_id,
            status__in=(Message.Status.SENDING, Message.Status.SENT),
        )  # fmt: skip
        if receipt.delivered:
            changed += rows.update(status=Message.Status.DELIVERED, delivered_at=receipt.at or now)
        else:
            failing = list(rows.values_list("pk", "source_kind", "source_id"))
            changed += rows.update(
                status=Message.Status.FAILED, failed_at=receipt.at or now,
                error_code=(receipt.code or "")[:50],
                error=(receipt.reason or receipt.code or _("Not delivered."))[:300],
            )  # fmt: skip
            _failed(failing)
    return changed


def _failed(rows: list[tuple[int, str, int | None]]) -> None:
    for pk, kind, source_id in rows:
        transaction.on_commit(
            lambda pk=pk, kind=kind, sid=source_id: signals.message_failed.send(
                Message, message_id=pk, source_kind=kind, source_id=sid
            )
        )


def _client_for_phone(phone: str) -> Client | None:
    phone = re.sub(r"\D", "", phone or "")[-11:]
    if not phone:
        return None
    return Client.objects.filter(phone=phone).order_by("-pk").first()


def replies_record(provider: str, replies: Iterable[IncomingReply]) -> int:
    """Record the clients' SMS replies, each with the last SMS sent to that number; an
    opt-out reply ("TD", "退订"…) opts the client out of marketing SMS at once. A reply
    recorded before (same provider, number, text and time) is not recorded again.
    Returns the number recorded."""
    recorded = 0
    for reply in replies:
        phone = re.sub(r"\D", "", reply.phone or "")[-11:]
        at = reply.at or timezone.now()
        text = (reply.text or "")[:500]
        if (
            reply.at is not None
            and Reply.objects.filter(
                provider=provider, phone=phone, text=text, received_at=at
            ).exists()
        ):
            continue
        client = _client_for_phone(phone)
        last = (
            Message.objects.filter(channel=Channel.SMS, recipient=phone, sent_at__isnull=False)
            .order_by("-sent_at")
            .first()
        )
        if client is None and last is not None:
            client = last.client
        opted = is_opt_out(text)
        with transaction.atomic():
            saved = Reply.objects.create(
                client=client, message=last, provider=provider, phone=phone, text=text,
                received_at=at, opted_out=opted and client is not None,
            )  # fmt: skip
            if opted and client is not None:
                client_opt_out(client=client, channel=Channel.SMS, source="sms_reply", at=at)
            transaction.on_commit(lambda r=saved: signals.reply_received.send(Reply, reply=r))
        recorded += 1
    return recorded


# --- For the apps above: the client's channel, a template by code ---------------------------
def preferred_channel(client: Client) -> str | None:
    """SMS to a client with a mobile, else e-mail to one with an address, else None."""
    if rules.has_address(client, Channel.SMS):
        return Channel.SMS
    if rules.has_address(client, Channel.EMAIL):
        return Channel.EMAIL
    return None


def template_for(code_stem: str, channel: str, branch_id: int | None) -> MessageTemplate | None:
    """The active template "<stem>-<channel>" (birthday-sms, complaint-progress-email…):
    the branch's own if it has one, else HQ's."""
    found = list(
        MessageTemplate.objects.filter(active=True, channel=channel)
        .filter(code__in=[f"{code_stem}-{channel}", f"{code_stem}-{channel}-{branch_id}"])
        .order_by("branch_id")
    )
    own = [t for t in found if t.branch_id == branch_id]
    shared = [t for t in found if t.branch_id is None]
    return (own or shared or [None])[0]
