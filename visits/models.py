"""Visits (客户拜访), on-site service, consultation sheets (咨询表) and client events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.models import Branch, Role, Todo
from crm.scoping import ScopedQuerySet
from products.models import Product
from products.models import RiskLevel as ProductLevel


class VisitPlanQuerySet(ScopedQuerySet):
    """Branch roles: the branch; account managers and advisors: their own plans and
    those for their clients (in their branch); HQ: everything."""

    scope_branch = "branch"
    scope_owner_by_role = {
        Role.ACCOUNT_MANAGER: ("owner", "client__owner"),
        Role.ADVISOR: ("owner", "client__advisor"),
    }


class VisitPlan(models.Model):
    class Kind(models.TextChoices):
        DOOR_TO_DOOR = "door_to_door", _("Door-to-door visit")
        INVITATION = "invitation", _("Invitation to the branch")
        PATROL = "patrol", _("On-site patrol")
        EVENT = "event", _("Event")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="visit_plans", verbose_name=_("client")
    )
    other_clients = models.ManyToManyField(
        Client, blank=True, related_name="+", verbose_name=_("other clients (group)")
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visit_plans",
        verbose_name=_("account manager"),
    )
    kind = models.CharField(_("type"), max_length=14, choices=Kind.choices)
    planned_at = models.DateTimeField(_("planned for"))
    place = models.CharField(_("place"), max_length=200)
    purpose = models.TextField(_("purpose"))
    analysis = models.TextField(_("preparation and analysis"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    record_due_at = models.DateTimeField(_("record due"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = VisitPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        ordering = ["planned_at", "id"]
        indexes = [
            models.Index(fields=["owner", "planned_at"]),
            # an account manager's visit list, newest first (count and page from the index)
            models.Index(fields=["owner", "branch", "-planned_at", "-id"],
                         name="visit_owner_list_idx"),
            models.Index(fields=["branch", "status", "planned_at"]),
            models.Index(fields=["record_due_at"], condition=Q(status="approved"),
                         name="visit_record_due_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.client} {self.planned_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("visits:detail", args=[self.pk])


class VisitRecord(models.Model):
    """The three phases on one form: what was presented, the needs heard, the follow-up."""

    plan = models.OneToOneField(VisitPlan, on_delete=models.CASCADE, related_name="record")
    presented = models.TextField(_("what was presented"))
    investment_direction = models.CharField(_("investment direction"), max_length=200, blank=True)
    expected_return = models.CharField(_("expected return"), max_length=100, blank=True)
    risk_control = models.CharField(_("risk control wishes"), max_length=200, blank=True)
    risk_preference = models.CharField(_("risk preference"), max_length=100, blank=True)
    proposal = models.TextField(_("first proposal"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    next_step_on = models.DateField(_("next step on"), null=True, blank=True)
    research_request = models.TextField(
        _("request to the research side"), blank=True,
        help_text=_("A product need the research department should look at."),
    )  # fmt: skip
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # the next step with its date, as a to-do of the account manager (with its reminder)
    next_step_todo = models.OneToOneField(
        Todo, on_delete=models.SET_NULL, null=True, blank=True, related_name="visit_record",
        verbose_name=_("next step to-do"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("visit record")
        verbose_name_plural = _("visit records")

    def __str__(self) -> str:
        return f"{self.plan}"


class DailyQuota(models.Model):
    """An account manager's daily targets, set by the branch manager."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="daily_quota",
        verbose_name=_("account manager"),
    )
    contacts_target = models.PositiveSmallIntegerField(_("key-client contacts per day"), default=5)
    patrols_target = models.PositiveSmallIntegerField(_("room patrols per day"), default=2)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("daily quota")
        verbose_name_plural = _("daily quotas")

    def __str__(self) -> str:
        return f"{self.user} {self.contacts_target}/{self.patrols_target}"


class QuotaLogQuerySet(ScopedQuerySet):
    scope_branch = "branch"
    scope_owner_by_role = {
        Role.ACCOUNT_MANAGER: ("user", "client__owner"),
        Role.ADVISOR: ("user", "client__advisor"),
    }


class QuotaLog(models.Model):
    class Kind(models.TextChoices):
        CONTACT = "contact", _("Key-client contact")
        PATROL = "patrol", _("Room patrol")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quota_logs"
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("client"),
    )
    room = models.CharField(_("room (大户室)"), max_length=50, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = QuotaLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["branch", "day"]), models.Index(fields=["user", "day"])]

    def __str__(self) -> str:
        return f"{self.user} {self.day} {self.kind}"


class ConsultationQuerySet(ScopedQuerySet):
    """Advisors: the sheets for them or their clients, inside their branch whoever named
    them; account managers: the sheets they filed or for their clients."""

    scope_branch = "branch"
    scope_owner_by_role = {
        Role.ACCOUNT_MANAGER: ("filed_by", "client__owner"),
        Role.ADVISOR: ("advisor", "client__advisor"),
    }


class Consultation(models.Model):
    """Consultation sheet: holdings and question in, analysis and advice out, in time."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for advice")
        ANSWERED = "answered", _("Advice written")
        DELIVERED = "delivered", _("Delivered to the client")

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("client")
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("advisor"),
    )
    question = models.TextField(_("question"))
    holdings = models.JSONField(_("holdings"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)
    due_at = models.DateTimeField(_("advice due"))
    analysis = models.TextField(_("analysis"), blank=True)
    advice = models.TextField(_("advice"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_in_time = models.BooleanField(null=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_note = models.CharField(_("how it was delivered"), max_length=200, blank=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation sheet")
        verbose_name_plural = _("consultation sheets")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["advisor", "status", "due_at"]),
            models.Index(fields=["branch", "status", "due_at"]),
            models.Index(fields=["due_at"], condition=Q(status="open"),
                         name="consultation_open_due_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.client} {self.created_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("visits:consultation", args=[self.pk])


class AdvisedProductQuerySet(ScopedQuerySet):
    """An advised product follows its consultation sheet."""

    scope_via = ("consultation",)


class AdvisedProduct(models.Model):
    """A product named in the advice, with its risk level and the suitability outcome.
    A catalogue product (`product`) gives its name and level, copied at the time of the
    advice; rows from before the catalogue keep the typed name and level."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="products"
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="advice",
        verbose_name=_("catalogue product"),
    )  # fmt: skip
    name = models.CharField(_("product"), max_length=100)
    risk_level = models.CharField(
        _("product risk level"), max_length=2, choices=ProductLevel.choices
    )
    above_client_level = models.BooleanField(_("above the client's level"), default=False)
    client_insists_in_writing = models.BooleanField(_("client insists in writing"), default=False)
    special_warning_given_at = models.DateTimeField(
        _("special risk warning given at"), null=True, blank=True
    )
    # recorded sale (双录): the recording system's reference, required above the threshold
    recording_ref = models.CharField(_("recording reference"), max_length=64, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    # the catalogue changed the product's level after this advice and it no longer passes
    recheck_needed = models.BooleanField(_("to be re-checked"), default=False)
    recheck_level = models.CharField(_("new risk level"), max_length=2, blank=True)
    recheck_reason = models.CharField(_("why"), max_length=300, blank=True)
    recheck_flagged_at = models.DateTimeField(_("flagged at"), null=True, blank=True)

    objects = AdvisedProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("advised product")
        verbose_name_plural = _("advised products")
        indexes = [
            models.Index(fields=["product", "consultation"], name="advised_product_idx"),
            models.Index(fields=["recording_ref"], name="advised_recording_idx",
                         condition=~Q(recording_ref="")),
            models.Index(fields=["-recorded_at", "id"], name="advised_recorded_at_idx",
                         condition=~Q(recording_ref="")),
            models.Index(fields=["-recheck_flagged_at", "id"], name="advised_recheck_idx",
                         condition=Q(recheck_needed=True)),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.name} {self.risk_level}"


class EventQuerySet(ScopedQuerySet):
    scope_branch = "branch"  # no owner: everyone sees their branch's events


class EventSeriesQuerySet(ScopedQuerySet):
    scope_branch = "branch"


class EventSeries(models.Model):
    """A recurring event (the weekly exchange meeting, 每周大中户交流会): its rule. Each
    occurrence is an Event row of its own (its invitations, capacity and attendance),
    created together when the series is."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        MONTHLY = "monthly", _("Every month")

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    frequency = models.CharField(_("repeats"), max_length=8, choices=Frequency.choices)
    until = models.DateField(_("repeats until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = EventSeriesQuerySet.as_manager()

    class Meta:
        verbose_name = _("recurring event")
        verbose_name_plural = _("recurring events")

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} → {self.until:%Y-%m-%d}"


class Event(models.Model):
    class Kind(models.TextChoices):
        EXCHANGE_MEETING = "exchange", _("Weekly exchange meeting (大中户交流会)")
        VIP_GATHERING = "vip", _("VIP gathering (VIP客户联谊会)")
        EDUCATION = "education", _("Investor education")

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    products = models.ManyToManyField(
        Product, blank=True, related_name="events", verbose_name=_("catalogue products")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    series = models.ForeignKey(
        EventSeries, on_delete=models.CASCADE, null=True, blank=True, related_name="events",
        verbose_name=_("recurring event"),
    )  # fmt: skip

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["branch", "-starts_at"]),
            models.Index(fields=["series", "starts_at"], name="event_series_idx",
                         condition=Q(series__isnull=False)),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("visits:event", args=[self.pk])


class InvitationQuerySet(ScopedQuerySet):
    """Invitations of events the user may see, to clients the user may see: an account
    manager sees only those of their own clients."""

    scope_via = ("event", "client")


class Invitation(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not come")
        WAITING = "waiting", _("On the waiting list")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invitations")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.INVITED
    )
    feedback = models.CharField(_("feedback"), max_length=300, blank=True)
    # the waiting list: the first to wait is the first promoted when a seat is freed
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("checked in by"),
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "client"], name="invitation_once"),
            models.CheckConstraint(
                condition=~Q(status="waiting") | Q(waiting_since__isnull=False),
                name="invitation_waiting_since",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "status"]),
            models.Index(fields=["event", "status"], name="invitation_event_status_idx"),
            models.Index(fields=["event", "waiting_since", "id"], name="invitation_waiting_idx",
                         condition=Q(status="waiting")),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.event_id} {self.client_id} {self.status}"


# The invitations that hold a seat of an event's capacity.
SEATED = (Invitation.Status.ACCEPTED, Invitation.Status.ATTENDED)


class ResearchRequestQuerySet(ScopedQuerySet):
    """The advisory side (advisors, the branch manager, compliance) sees the branch's
    requests; an account manager those they asked or about their clients; HQ all."""

    scope_branch = "branch"
    scope_owner_by_role = {Role.ACCOUNT_MANAGER: ("asked_by", "client__owner")}
    scope_owner_roles = frozenset({Role.ACCOUNT_MANAGER})
    scope_roles = frozenset({Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.BRANCH_MANAGER,
                             Role.COMPLIANCE, Role.HQ})  # fmt: skip


class ResearchRequest(models.Model):
    """A product need heard at a visit (事后跟踪: report to the research side), in the
    advisory side's queue until answered; the answer shows on the visit."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")

    record = models.OneToOneField(
        VisitRecord, on_delete=models.CASCADE, related_name="research",
        verbose_name=_("visit record"),
    )  # fmt: skip
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("client")
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("asked by"),
    )  # fmt: skip
    question = models.TextField(_("request"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("answered by"),
    )  # fmt: skip
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = ResearchRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("research request")
        verbose_name_plural = _("research requests")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="research_answered_has_answer",
            ),
        ]
        indexes = [
            # the queue: a branch's open requests, oldest first
            models.Index(fields=["branch", "created_at", "id"], condition=Q(status="open"),
                         name="research_open_idx"),
            models.Index(fields=["branch", "-created_at"], name="research_branch_idx"),
            models.Index(fields=["asked_by", "status"], name="research_asked_by_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.client} {self.created_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("visits:research-detail", args=[self.pk])
