"""Service requests (服务请求/业务咨询): a client's (or an unidentified caller's) request,
answered within the time limit of its category, resolved, closed or escalated to a
complaint."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import Client
from complaints.models import Complaint
from crm.models import Branch, SlaPolicy
from crm.scoping import ScopedQuerySet


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    ON_SITE = "on_site", _("On site")
    ONLINE = "online", _("Online")
    APP = "app", _("Mobile app")
    EMAIL = "email", _("E-mail")


class Priority(models.IntegerChoices):
    LOW = 1, pgettext_lazy("priority", "Low")
    NORMAL = 2, pgettext_lazy("priority", "Normal")
    HIGH = 3, pgettext_lazy("priority", "High")
    URGENT = 4, pgettext_lazy("priority", "Urgent")


class Status(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("service request status", "Received")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting for the client")
    RESOLVED = "resolved", pgettext_lazy("service request status", "Resolved")
    CLOSED = "closed", pgettext_lazy("service request status", "Closed")
    ESCALATED = "escalated", _("Escalated to a complaint")


OPEN_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS, Status.WAITING)
# the answer clock runs in these (it stops while waiting for the client)
CLOCK_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS)


class ServiceCategory(models.Model):
    """A category (parent empty) or a subcategory; its time limit is the SLA policy
    `service_request.<code>` (crm.sla), else its parent's, else `service_request`."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("category"),
    )  # fmt: skip
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")),
                                   name="service_category_not_own_parent"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name

    @property
    def policy_code(self) -> str:
        return f"service_request.{self.code}"


class ServiceRequestQuerySet(ScopedQuerySet):
    """Branch roles: the branch; account managers and advisors: their clients' requests
    and those they took or handle (in their branch); HQ: everything."""

    scope_branch = "branch"
    scope_owner = ("client__owner", "handler", "taken_by")

    def open(self) -> ServiceRequestQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class ServiceRequest(models.Model):
    number = models.CharField(_("number"), max_length=30, unique=True)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="service_requests",
        verbose_name=_("branch"),
    )  # fmt: skip
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, null=True, blank=True,
        related_name="service_requests", verbose_name=_("client"),
    )  # fmt: skip
    caller_name = models.CharField(_("caller"), max_length=100, blank=True)
    caller_phone = models.CharField(_("caller phone"), max_length=20, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, related_name="requests",
        verbose_name=_("category"),
    )  # fmt: skip
    subcategory = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("subcategory"),
    )  # fmt: skip
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    description = models.TextField(_("description"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_requests_taken",
        verbose_name=_("taken by"),
    )  # fmt: skip
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="service_requests_handled", verbose_name=_("handler"),
    )  # fmt: skip
    back_office = models.BooleanField(
        _("back office"), default=False,
        help_text=_("Transferred to the back office: anyone there may take it."),
    )  # fmt: skip
    resolution = models.TextField(_("resolution"), blank=True)
    first_contact_resolved = models.BooleanField(_("resolved on first contact"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    sla_policy = models.ForeignKey(
        SlaPolicy, on_delete=models.PROTECT, related_name="+", verbose_name=_("time limit")
    )
    received_at = models.DateTimeField(_("received at"))
    # the answer clock counts from here: the time received, moved on by each pause
    clock_started_at = models.DateTimeField(_("clock started at"))
    due_at = models.DateTimeField(_("answer due"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("waiting since"), null=True, blank=True)
    answer_met = models.BooleanField(_("answered in time"), null=True)
    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, null=True, blank=True,
        related_name="service_requests", verbose_name=_("complaint"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(client__isnull=False) | ~Q(caller_name=""),
                                   name="service_request_has_caller"),
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=4),
                                   name="service_request_priority_1_4"),
            models.CheckConstraint(condition=Q(resolved_at__isnull=True)
                                   | Q(resolved_at__gte=models.F("received_at")),
                                   name="service_request_resolved_after_received"),
            models.CheckConstraint(condition=~Q(status="escalated") | Q(complaint__isnull=False),
                                   name="service_request_escalated_has_complaint"),
        ]  # fmt: skip
        indexes = [
            # the desk: a branch's open requests, soonest deadline first (its default order)
            models.Index(fields=["branch", "due_at", "id"],
                         condition=Q(status__in=["received", "in_progress", "waiting"]),
                         name="sr_desk_open_idx"),
            # …most urgent first (?ordering=-priority): without it the sort read every
            # branch's requests by priority, 24,000 of them for a page of overdue ones
            models.Index(fields=["branch", "priority", "id"],
                         condition=Q(status__in=["received", "in_progress", "waiting"]),
                         name="sr_desk_open_priority_idx"),
            models.Index(fields=["branch", "status", "due_at"], name="sr_branch_status_idx"),
            models.Index(fields=["handler", "status"], name="sr_handler_status_idx"),
            models.Index(fields=["taken_by", "status"], name="sr_taken_by_status_idx"),
            models.Index(fields=["category", "status"], name="sr_category_status_idx"),
            models.Index(fields=["client", "-received_at"], name="sr_client_idx"),
            # sorts of the desk (?ordering=)
            models.Index(fields=["due_at", "id"], name="sr_due_idx"),
            models.Index(fields=["received_at", "id"], name="sr_received_idx"),
            models.Index(fields=["priority", "id"], name="sr_priority_idx"),
            models.Index(fields=["resolved_at"], name="sr_resolved_idx"),
            # the dashboards: a branch's requests received in a period, by category (the
            # top categories of a year read index-only, not 20,000 rows of the table)
            models.Index(fields=["branch", "received_at"], include=["category"],
                         name="sr_branch_received_idx"),
            # the SLA scan
            models.Index(fields=["due_at"], condition=Q(status__in=["received", "in_progress"]),
                         name="sr_clock_due_idx"),
            models.Index(fields=["caller_phone"], condition=~Q(caller_phone=""),
                         name="sr_caller_phone_idx"),
            # the desk's search: number and caller name prefixes
            models.Index(fields=["number"], name="sr_number_prefix_idx",
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["caller_name"], name="sr_caller_prefix_idx",
                         opclasses=["varchar_pattern_ops"], condition=~Q(caller_name="")),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("servicedesk:detail", args=[self.pk])

    @property
    def requester(self) -> str:
        return self.client.name if self.client_id else self.caller_name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ServiceRequestEvent(models.Model):
    """One line of the request's history: every step, with who, when and what."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="events",
        verbose_name=_("service request"),
    )  # fmt: skip
    at = models.DateTimeField(_("time"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
        verbose_name=_("by"),
    )  # fmt: skip
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from status"), max_length=12, blank=True)
    to_status = models.CharField(_("to status"), max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("service request event")
        verbose_name_plural = _("service request events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"], name="sr_event_request_idx")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"


class RequestCounter(models.Model):
    """Per branch and day, the last sequence number used for request numbers."""

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="+", verbose_name=_("branch")
    )
    day = models.DateField(_("day"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("request counter")
        verbose_name_plural = _("request counters")
        constraints = [
            models.UniqueConstraint(fields=["branch", "day"], name="service_request_counter")
        ]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.day} {self.last}"
