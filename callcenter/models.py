"""The call center (呼叫中心): callback policies and tasks (回访), registration forms, call
logs from the telephony system, scripts (话术), HQ inspection and satisfaction."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Stage, Tier
from complaints.models import Complaint
from crm.models import Branch
from crm.scoping import ScopedQuerySet
from opinions.models import OpinionCategory  # the one list of categories (the register's)
from servicedesk.models import ServiceRequest


class Reason(models.TextChoices):
    NEW_ACCOUNT = "new_account", _("New account (within a month)")
    ANNUAL_SAMPLE = "annual_sample", _("Annual 10 percent sample")
    PERIODIC = "periodic", _("Periodic (tier policy)")
    COMPLAINT_CLOSED = "complaint_closed", _("After a closed complaint")
    VISIT = "visit", _("After a visit")
    RETENTION = "retention", _("Retention case")
    SUITABILITY = "suitability", _("Suitability-relevant change")
    CALL = "call", _("Promised on a call")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    DOOR_TO_DOOR = "door_to_door", _("Door-to-door")
    PATROL = "patrol", _("On-site patrol")


class Script(models.Model):
    """话术: what to say for one reason of callback."""

    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, unique=True)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("script"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("script")
        verbose_name_plural = _("scripts")
        ordering = ["reason"]

    def __str__(self) -> str:
        return self.title


class CallbackPolicy(models.Model):
    """How often clients of a tier and stage are called back, how and by whom."""

    class Assignee(models.TextChoices):
        OWNER = "owner", _("The account manager")
        POOL = "pool", _("The call center pool")

    tier = models.CharField(
        _("tier"),
        max_length=10,
        choices=Tier.choices,
        blank=True,
        help_text=_("Empty: every tier."),
    )
    stage = models.CharField(
        _("stage"),
        max_length=10,
        choices=Stage.choices,
        blank=True,
        help_text=_("Empty: every stage."),
    )
    interval_days = models.PositiveIntegerField(_("every (days)"))
    channel = models.CharField(
        _("channel"), max_length=14, choices=Channel.choices, default=Channel.PHONE
    )
    assignee = models.CharField(
        _("by"), max_length=5, choices=Assignee.choices, default=Assignee.POOL
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("callback policy")
        verbose_name_plural = _("callback policies")
        ordering = ["tier", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "stage"], name="one_policy_per_tier_stage")
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display() or '*'} / {self.get_stage_display() or '*'}"


class CallbackQuerySet(ScopedQuerySet):
    scope_branch = "branch"
    scope_owner = ("assignee", "client__owner")


class Callback(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")
        UNREACHABLE = "unreachable", _("Unreachable")
        CANCELLED = "cancelled", _("Cancelled")

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="callbacks", verbose_name=_("client")
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    period = models.CharField(
        _("period"), max_length=10, blank=True, help_text=_("The year of an annual sample.")
    )
    source_id = models.BigIntegerField(null=True, blank=True)  # complaint, visit plan, case
    channel = models.CharField(
        _("channel"), max_length=14, choices=Channel.choices, default=Channel.PHONE
    )
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
        verbose_name=_("assignee (empty: pool)"),
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("claimed by"),
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CallbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "reason"], condition=Q(status="open"),
                                    name="one_open_callback_per_reason"),
            models.UniqueConstraint(fields=["client", "reason", "period"],
                                    condition=Q(reason="annual_sample"),
                                    name="one_annual_sample_per_year"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["branch", "status", "due_at"]),
            models.Index(fields=["assignee", "status", "due_at"]),
            models.Index(fields=["client", "reason"]),
            models.Index(fields=["due_at"], condition=Q(status="open"),
                         name="callback_open_due_idx"),
            # the dashboards' periods: due, and finished (completed or unreachable)
            models.Index(fields=["branch", "due_at"], name="callback_branch_due_idx"),
            models.Index(fields=["branch", "completed_at"], name="callback_branch_finished_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.client} {self.get_reason_display()}"

    def get_absolute_url(self) -> str:
        return reverse("callcenter:callback", args=[self.pk])


class Attempt(models.Model):
    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        REFUSED = "refused", _("Refused")

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=14, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.callback_id} {self.outcome}"


class YesNo(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")


class RegistrationForm(models.Model):
    """回访登记表, filled when the client was reached."""

    callback = models.OneToOneField(Callback, on_delete=models.CASCADE, related_name="form")
    identity_verified = models.BooleanField(_("identity verified"))
    account_changes_confirmed = models.BooleanField(_("account changes confirmed"), default=False)
    trading_by_staff = models.CharField(
        _("staff traded on the client's behalf (代客操作)"), max_length=3, choices=YesNo.choices
    )
    risks_disclosed = models.CharField(
        _("risks were disclosed"), max_length=3, choices=YesNo.choices
    )
    discretionary_mandate = models.CharField(
        _("discretionary mandate (全权委托)"), max_length=3, choices=YesNo.choices
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    opinion = models.TextField(_("opinions and suggestions"), blank=True)
    opinion_category = models.CharField(
        _("opinion category"), max_length=10, choices=OpinionCategory.choices, blank=True
    )
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("complaint raised"),
    )
    negative = models.BooleanField(_("negative answer"), default=False)
    filled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("callback registration form")
        verbose_name_plural = _("callback registration forms")
        indexes = [
            models.Index(fields=["filled_at"], condition=Q(negative=True), name="form_negative_idx")
        ]

    def __str__(self) -> str:
        return f"{self.callback_id}"


class WrapUpCode(models.Model):
    """结束码: the managed list of what a call was about; every call gets one before the
    agent leaves it. Its code is the category repeat contacts are counted by."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("wrap-up code")
        verbose_name_plural = _("wrap-up codes")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class CallQuerySet(ScopedQuerySet):
    scope_branch = "branch"
    scope_owner = ("agent", "client__owner")


class Call(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")

    call_id = models.CharField(_("telephony call id"), max_length=64)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("posted by"),
        help_text=_("The system or person that posted the call; its call ids are its own."),
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    phone = models.CharField(_("phone number"), max_length=20)
    client = models.ForeignKey(
        Client,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("client"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("agent"),
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    duration = models.PositiveIntegerField(_("duration (s)"), default=0)
    wrap_up = models.ForeignKey(
        WrapUpCode, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("wrap-up code")
    )
    notes = models.TextField(_("notes"), blank=True)
    recording_ref = models.CharField(_("recording reference"), max_length=200, blank=True)
    callback = models.ForeignKey(
        Callback, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    complaint = models.ForeignKey(
        Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    service_request = models.ForeignKey(
        ServiceRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("service request"),
    )  # fmt: skip
    follow_up_callback = models.ForeignKey(
        Callback, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("callback promised"),
    )  # fmt: skip
    repeat_contact = models.BooleanField(
        _("repeat contact"), default=False,
        help_text=_("The same client called within 7 days with the same wrap-up code."),
    )  # fmt: skip

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at", "-id"]
        constraints = [
            # Calls posted before the key included the poster keep one namespace (NULL).
            models.UniqueConstraint(
                fields=["posted_by", "call_id"], name="call_unique_per_poster", nulls_distinct=False
            ),
        ]
        indexes = [
            models.Index(fields=["branch", "-started_at"]),
            models.Index(fields=["agent", "-started_at"]),
            models.Index(fields=["client", "-started_at"]),
            models.Index(fields=["agent"], name="call_waiting_wrap_up_idx",
                         condition=Q(wrap_up__isnull=True, ended_at__isnull=False)),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.call_id} {self.phone}"

    @property
    def waiting_for_wrap_up(self) -> bool:
        return self.wrap_up_id is None and self.ended_at is not None


class InspectionRound(models.Model):
    """HQ draws a random sample of a branch's completed callbacks for a period."""

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.branch} {self.period_start}–{self.period_end}"

    def get_absolute_url(self) -> str:
        return reverse("callcenter:inspection", args=[self.pk])


class InspectionItem(models.Model):
    CHECKLIST = (
        ("identity", _("Verified the client's identity")),
        ("script", _("Followed the script")),
        ("questions", _("Asked the required questions (代客操作, risk disclosure, mandate)")),
        ("courtesy", _("Courteous and clear")),
        ("record", _("Recorded the answers correctly")),
    )

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="items")
    callback = models.ForeignKey(Callback, on_delete=models.PROTECT, related_name="+")
    checks = models.JSONField(default=dict, blank=True)
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    comment = models.TextField(blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    inspected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "callback"], name="inspect_once_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.callback_id}"
