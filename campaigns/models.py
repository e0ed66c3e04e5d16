"""Campaigns (营销活动): a message (an outreach template on one channel) to a segment of
clients, on a schedule, approved before it goes out.

A campaign is one-off (sent once at `scheduled_at`), a birthday campaign (every day, to
the clients of its segment whose birthday it is) or a holiday campaign (on the first day
of each holiday of the working-day calendar). The segment is a validated JSON document
(campaigns/segments.py). The messages themselves are outreach's: each is a
`outreach.Message` with `source_kind` campaign and `source_id` the campaign's id, and its
idempotency key `campaign:<id>:<run date>:<client id>`, so a run repeated queues nothing
twice. This app is the top of the import order: it imports outreach, clients and visits,
and nothing imports it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import Client
from crm.models import Branch
from crm.scoping import ScopedQuerySet
from outreach.models import Channel, MessageTemplate, Purpose


class Kind(models.TextChoices):
    ONE_OFF = "one_off", _("One-off")
    BIRTHDAY = "birthday", _("Birthday greetings (daily)")
    HOLIDAY = "holiday", _("Holiday greetings")


RECURRING_KINDS = (Kind.BIRTHDAY, Kind.HOLIDAY)


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("campaign status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("campaign status", "Awaiting approval")
    APPROVED = "approved", pgettext_lazy("campaign status", "Approved")
    SENDING = "sending", pgettext_lazy("campaign status", "Sending")
    DONE = "done", pgettext_lazy("campaign status", "Done")
    REJECTED = "rejected", pgettext_lazy("campaign status", "Rejected")
    CANCELLED = "cancelled", pgettext_lazy("campaign status", "Cancelled")


# the campaigns the beat task looks at
LIVE_STATUSES = (Status.APPROVED, Status.SENDING)


class CampaignQuerySet(ScopedQuerySet):
    """Branch roles: their branch's campaigns and HQ's (which reach every branch);
    account managers and advisors: the campaigns they own; HQ: every campaign."""

    scope_branch = "branch"
    scope_owner = ("owner",)
    scope_null_branch_shared = True
    # service agents and integration systems do not work campaigns
    scope_roles = frozenset({"account_manager", "advisor", "branch_manager", "compliance", "hq"})

    def awaiting_approval(self) -> CampaignQuerySet:
        return self.filter(status=Status.SUBMITTED)


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=100)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("branch (empty: every branch)"),
    )  # fmt: skip
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaigns",
        verbose_name=_("owner"),
    )  # fmt: skip
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    template = models.ForeignKey(
        MessageTemplate,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("campaign", "template"),
    )
    # tiers, stages, risk_levels, tags, dormant, birthday_this_month, event, client_query
    # (campaigns/segments.py validates it)
    segment = models.JSONField(pgettext_lazy("campaign", "segment"), default=dict, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ONE_OFF)
    scheduled_at = models.DateTimeField(
        pgettext_lazy("campaign", "send at"), null=True, blank=True
    )  # one-off
    send_time = models.TimeField(_("time of day"), null=True, blank=True)  # recurring
    ends_on = models.DateField(_("runs until"), null=True, blank=True)  # recurring
    note = models.TextField(_("note"), blank=True)

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("approved by"),
    )  # fmt: skip
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    rejected_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    last_run_on = models.DateField(_("last run on"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )  # fmt: skip
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="one_off") | Q(scheduled_at__isnull=False),
                name="campaign_one_off_scheduled",
            ),
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True)
                | Q(status__in=["approved", "sending", "done", "cancelled"]),
                name="campaign_approved_state",
            ),
        ]
        indexes = [
            # the beat task: the live campaigns
            models.Index(fields=["kind", "scheduled_at"],
                         condition=Q(status__in=["approved", "sending"]),
                         name="campaign_live_idx"),
            # the workbench: what waits for approval, oldest first
            models.Index(fields=["branch", "submitted_at"], condition=Q(status="submitted"),
                         name="campaign_submitted_idx"),
            models.Index(fields=["branch", "status", "-created_at"],
                         name="campaign_branch_status_idx"),
            models.Index(fields=["owner", "-created_at"], name="campaign_owner_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:detail", args=[self.pk])

    @property
    def is_recurring(self) -> bool:
        return self.kind in RECURRING_KINDS

    @property
    def needs_approval(self) -> bool:
        """A marketing campaign needs the branch manager's (HQ's) approval; a service
        notice is approved when submitted (campaigns/workflow.py)."""
        return self.purpose == Purpose.MARKETING


class CampaignRun(models.Model):
    """One run of a campaign on one date: what messages_queue_bulk queued and withheld
    (a second run of the same date adds nothing: its keys exist)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="runs")
    run_on = models.DateField(_("run date"))
    ran_at = models.DateTimeField(_("ran at"), default=timezone.now)
    queued = models.PositiveIntegerField(pgettext_lazy("campaign", "queued"), default=0)
    withheld_no_consent = models.PositiveIntegerField(_("withheld: no consent"), default=0)
    withheld_cap = models.PositiveIntegerField(_("withheld: monthly cap"), default=0)
    withheld_no_address = models.PositiveIntegerField(_("withheld: no address"), default=0)
    already_queued = models.PositiveIntegerField(_("already queued"), default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("campaign run")
        verbose_name_plural = _("campaign runs")
        ordering = ["-run_on"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "run_on"], name="campaign_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.run_on}"


class DormantRecipient(models.Model):
    """A recipient whose account was dormant when the campaign's message was queued (kept
    at that moment: the nightly segmentation changes the stage once the client trades),
    so that the results can report the dormant accounts re-activated."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    messaged_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "client"], name="dormant_recipient_once"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.client_id}"
