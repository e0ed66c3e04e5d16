"""Messages to clients (客户触达): the templates, every SMS and e-mail sent (a regulated
communication record, kept like a callback record), their delivery receipts and the
clients' replies.

This app stands just above `clients`: the apps that reach a client (callbacks, event
invitations, complaint progress, client duties, campaigns) import it and call
`outreach.services.messages`; it imports none of them. A message names what it was
sent for by kind and id (`source_kind`, `source_id`), like an opinion does.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import Client
from crm.models import Branch
from crm.scoping import ScopedQuerySet


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class Purpose(models.TextChoices):
    """Marketing needs the client's consent for the channel and counts against the
    monthly cap; a service notice (risk-assessment expiry, complaint progress, callback
    notice, document expiry) does not."""

    SERVICE = "service", _("Service notice")
    MARKETING = "marketing", _("Marketing")


class SourceKind(models.TextChoices):
    MANUAL = "manual", _("Sent by hand")
    CAMPAIGN = "campaign", _("Campaign")
    CALLBACK = "callback", _("Callback")
    INVITATION = "invitation", _("Event invitation")
    COMPLAINT = "complaint", _("Complaint progress")
    DUTY = "duty", _("Client duty")


class MessageTemplateQuerySet(ScopedQuerySet):
    """HQ's templates (no branch) are every branch's; a branch's own are its staff's."""

    scope_branch = "branch"
    scope_null_branch_shared = True


class MessageTemplate(models.Model):
    """A message with variables (`{{ client_name }}`, `{{ account }}`, `{{ date }}`, an
    event's details…), rendered with Django's template engine. An SMS template carries
    the provider's template code (the provider renders the approved text from it and the
    variables) and is sent with the firm's signature 【…】 (settings.SMS_SIGNATURE)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("branch (empty: every branch)"),
    )  # fmt: skip
    subject = models.CharField(_("subject (e-mail)"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    html_body = models.TextField(_("HTML body (e-mail)"), blank=True)
    provider_template_code = models.CharField(
        _("provider template code (SMS)"), max_length=50, blank=True
    )
    active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    objects = MessageTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["channel", "code"]
        indexes = [models.Index(fields=["branch", "channel", "purpose"])]

    def __str__(self) -> str:
        return self.name


class MessageQuerySet(ScopedQuerySet):
    """Branch roles: their branch's messages; account managers and advisors: their
    clients'; HQ: every message."""

    scope_branch = "branch"
    scope_owner = ("client__owner", "client__advisor")


class Message(models.Model):
    """One SMS or e-mail to one client: what was sent, to which address, when, and what
    became of it. Never deleted (a communication record)."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("message status", "Queued")
        SENDING = "sending", pgettext_lazy("message status", "Sending")
        SENT = "sent", pgettext_lazy("message status", "Sent")
        DELIVERED = "delivered", pgettext_lazy("message status", "Delivered")
        FAILED = "failed", pgettext_lazy("message status", "Failed")
        WITHHELD = "withheld", pgettext_lazy("message status", "Withheld")

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="messages", verbose_name=_("client")
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    template = models.ForeignKey(
        MessageTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("template"),
    )  # fmt: skip
    source_kind = models.CharField(
        _("sent for"), max_length=12, choices=SourceKind.choices, default=SourceKind.MANUAL
    )
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    # Unique: a redelivered task, a double click or a job run twice finds the row and
    # sends nothing more ("campaign:12:client:345:2026-12-01", "callback:99", …).
    idempotency_key = models.CharField(max_length=120, unique=True)
    recipient = models.CharField(_("to"), max_length=254)  # the mobile or address used
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("content"))
    html_body = models.TextField(blank=True)
    # The template's variables as sent (an SMS provider renders its approved text).
    variables = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    not_before = models.DateTimeField(_("not before"), default=timezone.now)  # quiet hours
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    error_code = models.CharField(_("error code"), max_length=50, blank=True)
    error = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("sent by"),
    )  # fmt: skip
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    # When the row was last handed to the messages queue (or taken by a worker): the
    # dispatcher hands on what was never handed (quiet hours, a bulk queue) or what the
    # broker lost, and fails what has been SENDING too long ("result unknown").
    dispatched_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["branch", "-created_at"]),
            models.Index(fields=["client", "-created_at"]),
            models.Index(fields=["source_kind", "source_id"]),
            # the monthly marketing cap: a client's marketing messages of a month
            models.Index(fields=["client", "created_at"], condition=Q(purpose="marketing"),
                         name="message_marketing_cap_idx"),
            # the dispatcher: what is due to go out
            models.Index(fields=["not_before"], condition=Q(status="queued"),
                         name="message_queued_due_idx"),
            models.Index(fields=["provider", "provider_message_id"],
                         condition=~Q(provider_message_id=""), name="message_provider_id_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.recipient} {self.get_status_display()}"


class Reply(models.Model):
    """An SMS reply from a client, as the provider's reply callback reports it ("TD" and
    "退订" opt the client out of marketing SMS at once)."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("client"),
    )  # fmt: skip
    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, null=True, blank=True, related_name="replies",
        verbose_name=_("in reply to"),
    )  # fmt: skip
    provider = models.CharField(_("provider"), max_length=20)
    phone = models.CharField(_("from"), max_length=20)
    text = models.CharField(_("text"), max_length=500)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    opted_out = models.BooleanField(_("opt-out"), default=False)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["client", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text}"
