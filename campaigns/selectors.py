"""Reads of campaigns: the list, the workbench queue, progress and results.

Progress and results are counted from outreach's rows (Message with source kind
campaign and the campaign's id, and its Replies) and the runs' lines, each in one
grouped query: a campaign page runs the same number of queries for 10 recipients or
100,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, DateField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.db.models.functions import TruncDate

from clients.models import AccountSnapshot
from outreach.models import Channel, Message, Reply, SourceKind

from .models import Campaign, CampaignRun, DormantRecipient

RESPONSE_DAYS = 30  # traded or returned within 30 days after the message


def campaign_list(user):
    return Campaign.objects.visible_to(user).select_related("branch", "owner", "template")


def awaiting_approval_queue(user, now):
    """Campaigns submitted for approval that the user may decide, oldest first."""
    qs = campaign_list(user).awaiting_approval().exclude(owner=user).order_by("submitted_at", "id")
    staff = getattr(user, "staff", None)
    if staff is not None and not staff.sees_all_branches:
        qs = qs.filter(branch_id=staff.branch_id)  # an HQ campaign is HQ's to approve
    return qs


def campaign_messages(campaign: Campaign):
    return Message.objects.filter(source_kind=SourceKind.CAMPAIGN, source_id=campaign.pk)


@dataclass
class Progress:
    queued: int = 0
    sending: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    withheld: int = 0  # stored withheld messages plus those the runs counted and left out
    total: int = 0
    opted_out: int = 0

    @property
    def done_share(self) -> int:
        """The share of messages settled (sent, delivered or failed), in percent."""
        if not self.total:
            return 0
        return round(100 * (self.sent + self.delivered + self.failed) / self.total)


def progress(campaign: Campaign) -> Progress:
    """Messages by status, and the recipients who opted out of the channel after their
    message: one grouped query, plus one over the runs' lines for those withheld."""
    opted_out = Q(channel=Channel.SMS, client__sms_opted_out_at__gte=F("created_at")) | Q(
        channel=Channel.EMAIL, client__email_opted_out_at__gte=F("created_at")
    )
    row = (
        campaign_messages(campaign)
        .order_by()
        .aggregate(
            total=Count("pk"),
            **{status: Count("pk", filter=Q(status=status)) for status in Message.Status.values},
            opted_out=Count("client_id", distinct=True, filter=opted_out),
        )
    )
    runs = CampaignRun.objects.filter(campaign=campaign).aggregate(
        no_consent=Sum("withheld_no_consent"), cap=Sum("withheld_cap"),
        no_address=Sum("withheld_no_address"),
    )  # fmt: skip
    withheld = row["withheld"] + sum(v or 0 for v in runs.values())
    return Progress(
        queued=row["queued"], sending=row["sending"], sent=row["sent"],
        delivered=row["delivered"], failed=row["failed"], withheld=withheld,
        total=row["total"], opted_out=row["opted_out"],
    )  # fmt: skip


def _traded_after(day_field: str) -> Q:
    """Traded within 30 days from the row's date `day_field` on: a snapshot with trades in
    that window, or the client's last trade in it."""

    def until(expression):
        return ExpressionWrapper(expression + timedelta(days=RESPONSE_DAYS),
                                 output_field=DateField())  # fmt: skip

    snapshots = AccountSnapshot.objects.filter(
        client_id=OuterRef("client_id"), trade_count__gt=0,
        date__gte=OuterRef(day_field), date__lte=until(OuterRef(day_field)),
    )  # fmt: skip
    return Q(Exists(snapshots)) | Q(
        client__last_trade_on__gte=F(day_field), client__last_trade_on__lte=until(F(day_field))
    )


@dataclass
class Results:
    replied: int = 0
    traded: int = 0  # recipients who traded within 30 days after their message
    dormant: int = 0  # recipients whose account was dormant when messaged
    reactivated: int = 0  # of those, the ones who traded within 30 days


def results(campaign: Campaign) -> Results:
    """Replies, trades after the message and dormant accounts re-activated: three
    queries, each one aggregate."""
    replied = Reply.objects.filter(
        message__source_kind=SourceKind.CAMPAIGN, message__source_id=campaign.pk
    ).aggregate(n=Count("message__client_id", distinct=True))["n"]
    reached = campaign_messages(campaign).filter(
        status__in=[Message.Status.SENT, Message.Status.DELIVERED]
    )
    traded = (
        reached.annotate(day=TruncDate("created_at"))
        .filter(_traded_after("day"))
        .order_by()
        .aggregate(n=Count("client_id", distinct=True))["n"]
    )
    dormant = DormantRecipient.objects.filter(campaign=campaign).order_by().aggregate(
        total=Count("pk"),
        reactivated=Count("pk", filter=_traded_after("messaged_on")),
    )  # fmt: skip
    return Results(replied=replied, traded=traded, dormant=dormant["total"],
                   reactivated=dormant["reactivated"])  # fmt: skip


def reactivated_clients(campaign: Campaign):
    """The dormant accounts the campaign re-activated (for the page's list)."""
    rows = DormantRecipient.objects.filter(campaign=campaign).filter(_traded_after("messaged_on"))
    return rows.select_related("client").order_by("client_id")
