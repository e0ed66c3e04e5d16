"""Complaints (客户投诉): intake, first-responder accountability, time limits, closed loop."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import Client
from crm.models import Branch
from crm.scoping import ScopedQuerySet


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    ON_SITE = "on_site", _("On site")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    ONLINE = "online", _("Online")
    HOTLINE_12386 = "hotline_12386", _("12386 hotline transfer")
    CSRC_OFFICE = "csrc_office", _("Local CSRC office")
    ASSOCIATION = "association", _("Industry association")
    CALLBACK = "callback", _("Callback")


class Category(models.TextChoices):
    GENERAL = "general", _("General complaint")
    MAJOR_ECONOMIC = "major_economic", _("Major economic complaint")
    UNJUSTIFIED = "unjustified", _("Without legitimate grounds")


class Topic(models.TextChoices):
    ACCOUNT = "account", pgettext_lazy("complaint topic", "Account")
    TRADING = "trading", _("Trading")
    ADVICE = "advice", _("Advice")
    FEES = "fees", _("Fees")
    STAFF_CONDUCT = "staff_conduct", _("Staff conduct")
    SYSTEMS = "systems", _("Systems")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Investigating")
    WAITING = "waiting", _("Waiting for the client")
    RESOLVED = "resolved", _("Resolved")
    REVIEWED = "reviewed", _("Reviewed")
    CLOSED = "closed", pgettext_lazy("complaint status", "Closed")
    REFUSED = "refused", _("Not accepted")


OPEN_STATUSES = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.WAITING)
UNFINISHED_STATUSES = (*OPEN_STATUSES, Status.RESOLVED, Status.REVIEWED)


class ComplaintQuerySet(ScopedQuerySet):
    """Branch roles: the branch; account managers and advisors: their clients' complaints
    and those they received or handle (in their branch); HQ: everything."""

    scope_branch = "branch"
    scope_owner = ("client__owner", "handler", "first_responder")

    def open(self) -> ComplaintQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Complaint(models.Model):
    ticket_no = models.CharField(_("ticket number"), max_length=30, unique=True)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("branch")
    )
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("client"),
    )
    complainant_name = models.CharField(_("complainant"), max_length=100, blank=True)
    complainant_phone = models.CharField(_("complainant phone"), max_length=20, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"))
    first_responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="complaints_received",
        verbose_name=_("first responder"),
        help_text=_("Who first received the complaint; accountable until it is closed."),
    )  # fmt: skip
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="complaints_handled",
        verbose_name=_("handler"),
    )
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.GENERAL
    )
    severity = models.PositiveSmallIntegerField(
        _("severity"), default=2, validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (minor) to 5 (most serious): customer impact, scope and difficulty."),
    )  # fmt: skip
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    is_group = models.BooleanField(_("group complaint"), default=False)
    description = models.TextField(_("description"))
    caused_by_department = models.CharField(
        _("department that caused it"), max_length=100, blank=True
    )
    caused_by_person = models.CharField(_("person that caused it"), max_length=100, blank=True)
    claimed_compensation = models.DecimalField(
        _("compensation claimed"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    approved_compensation = models.DecimalField(
        _("compensation approved"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    compensation_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("compensation approved by"),
    )  # fmt: skip
    resolution = models.TextField(_("resolution"), blank=True)
    feedback = models.TextField(_("written feedback to the client"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("client satisfaction"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )  # fmt: skip
    satisfaction_comment = models.CharField(_("satisfaction comment"), max_length=300, blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    refused_reason = models.TextField(_("reason for not accepting"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    review_note = models.TextField(_("review note"), blank=True)

    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.RECEIVED
    )
    # Deadlines, stored when the complaint is received (recomputed after a pause or a
    # calendar change) so that the desk sorts and filters on them with an index.
    first_response_due_at = models.DateTimeField(_("first response due"))
    acknowledge_due_at = models.DateTimeField(_("acknowledgement due"))
    initial_handling_due_at = models.DateTimeField(_("initial handling due"))
    resolution_due_at = models.DateTimeField(_("resolution due"))
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    initial_handled_at = models.DateTimeField(_("investigation started at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    # Met (True) or breached (False) per clock, recorded when the step is done.
    first_response_met = models.BooleanField(_("first response in time"), null=True)
    acknowledge_met = models.BooleanField(_("acknowledged in time"), null=True)
    initial_handling_met = models.BooleanField(_("initial handling in time"), null=True)
    resolution_met = models.BooleanField(_("resolved in time"), null=True)

    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(severity__gte=1, severity__lte=5),
                                   name="complaint_severity_1_5"),
            models.CheckConstraint(
                condition=Q(client__isnull=False) | ~Q(complainant_name=""),
                name="complaint_has_complainant",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["branch", "status", "resolution_due_at"]),
            models.Index(fields=["handler", "status"]),
            models.Index(fields=["first_responder", "status"]),
            models.Index(fields=["branch", "-received_at"]),
            models.Index(fields=["received_at"]),
            # the dashboards' complaints closed and resolved in a period, per branch
            models.Index(fields=["branch", "closed_at"], name="complaint_branch_closed_idx"),
            models.Index(fields=["branch", "resolved_at"], name="complaint_branch_resolved_idx"),
            models.Index(fields=["severity", "id"], name="complaint_severity_idx"),  # ordering
            models.Index(fields=["first_response_due_at"], condition=Q(first_responded_at=None),
                         name="complaint_first_resp_due_idx"),
            models.Index(fields=["acknowledge_due_at"], condition=Q(acknowledged_at=None),
                         name="complaint_ack_due_idx"),
            models.Index(fields=["initial_handling_due_at"],
                         condition=Q(initial_handled_at=None),
                         name="complaint_initial_due_idx"),
            models.Index(fields=["resolution_due_at"],
                         condition=Q(status__in=["received", "acknowledged", "investigating"]),
                         name="complaint_resolution_due_idx"),
            # the complaint desk: a branch's open complaints, soonest deadline first
            models.Index(fields=["branch", "resolution_due_at", "id"],
                         condition=Q(status__in=["received", "acknowledged", "investigating",
                                                 "waiting"]),
                         name="complaint_desk_open_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.ticket_no

    def get_absolute_url(self) -> str:
        return reverse("complaints:detail", args=[self.pk])

    @property
    def complainant(self) -> str:
        return self.client.name if self.client_id else self.complainant_name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ComplaintEvent(models.Model):
    """One line of the complaint's timeline: every step, with who, when and what."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at"])]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"


def attachment_path(instance, filename):
    return f"complaints/{instance.complaint_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, blank=True)
    recording_ref = models.CharField(
        _("recording reference"), max_length=200, blank=True,
        help_text=_("The recording's id in the telephony system."),
    )  # fmt: skip
    original_name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(file="") | ~Q(recording_ref=""),
                                   name="attachment_file_or_reference"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.original_name


class TicketCounter(models.Model):
    """Per branch and day, the last sequence number used for ticket numbers."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["branch", "day"], name="ticket_counter")]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.day} {self.last}"
