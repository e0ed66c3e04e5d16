"""The register of client opinions (客户意见登记): every opinion or suggestion heard in a
callback, a service request or a complaint review, or entered by hand, with its category;
routed to a department or a person, answered and closed.

The register imports none of the apps it hears from: a source is its kind, its id and
the link to it, stored when the opinion is recorded (opinions.services.opinion_record)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import Client
from crm.models import Branch
from crm.scoping import ScopedQuerySet


class OpinionCategory(models.TextChoices):
    """The one list of opinion categories (the callback's registration form uses it too)."""

    SERVICE = "service", _("Service")
    FEES = "fees", _("Fees")
    SYSTEMS = "systems", _("Systems")
    ADVICE = "advice", _("Advice")
    STAFF = "staff", _("Staff")
    OTHER = "other", _("Other")


class SourceKind(models.TextChoices):
    CALLBACK = "callback", _("Callback")
    SERVICE_REQUEST = "service_request", _("Service request")
    COMPLAINT_REVIEW = "complaint_review", _("Complaint review")
    MANUAL = "manual", _("Entered by hand")


class Status(models.TextChoices):
    OPEN = "open", pgettext_lazy("opinion status", "Open")
    ROUTED = "routed", pgettext_lazy("opinion status", "Routed")
    ANSWERED = "answered", pgettext_lazy("opinion status", "Answered")
    CLOSED = "closed", pgettext_lazy("opinion status", "Closed")


PENDING_STATUSES = (Status.OPEN, Status.ROUTED)


class OpinionQuerySet(ScopedQuerySet):
    """Branch roles: the branch; account managers and advisors: their clients' opinions
    and those routed to them; HQ: everything."""

    scope_branch = "branch"
    scope_owner = ("client__owner", "client__advisor", "routed_to")

    def pending(self) -> OpinionQuerySet:
        return self.filter(status__in=PENDING_STATUSES)


class Opinion(models.Model):
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="opinions", verbose_name=_("branch")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, null=True, blank=True, related_name="opinions",
        verbose_name=_("client"),
    )  # fmt: skip
    source_kind = models.CharField(_("heard in"), max_length=20, choices=SourceKind.choices)
    # the source's id (empty for one entered by hand: its own id is used)
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    source_url = models.CharField(_("source link"), max_length=200, blank=True)
    category = models.CharField(
        _("category"), max_length=10, choices=OpinionCategory.choices, default=OpinionCategory.OTHER
    )
    text = models.TextField(_("opinion"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("recorded by"),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    department = models.CharField(_("department"), max_length=60, blank=True)
    routed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="opinions_routed", verbose_name=_("routed to"),
    )  # fmt: skip
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("answered by"),
    )  # fmt: skip
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = OpinionQuerySet.as_manager()

    class Meta:
        verbose_name = _("client opinion")
        verbose_name_plural = _("client opinions")
        ordering = ["-received_at", "-id"]
        constraints = [
            # one source makes one opinion (recording it twice is a no-op)
            models.UniqueConstraint(fields=["source_kind", "source_id"],
                                    name="opinion_one_per_source"),
        ]  # fmt: skip
        indexes = [
            # the workbench: a branch's pending opinions, oldest first
            models.Index(fields=["branch", "received_at", "id"],
                         condition=models.Q(status__in=["open", "routed"]),
                         name="opinion_pending_idx"),
            models.Index(fields=["branch", "status", "received_at"],
                         name="opinion_branch_status_idx"),
            models.Index(fields=["routed_to", "status"], name="opinion_routed_idx"),
            models.Index(fields=["received_at", "id"], name="opinion_received_idx"),
            models.Index(fields=["client", "-received_at"], name="opinion_client_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.text[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("opinions:detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES
