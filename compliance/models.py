"""Compliance cases (合规事项): a matter for the branch's compliance officer, opened by a
red-flag answer of a callback (代客操作, 全权委托, risks not disclosed, identity not
verified) or by hand from a complaint, a call or a visit record; investigated, concluded
(substantiated or not, the measures taken, reported to HQ) and closed, on the SLA clock.

Who sees a case is declared once, on the queryset: the branch's compliance officers and
HQ; nobody else; and never the member of staff the case is about, whatever their role.
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
from crm.models import Branch, Role
from crm.scoping import ScopedQuerySet


class SourceKind(models.TextChoices):
    CALLBACK = "callback", _("Callback red flag")
    COMPLAINT = "complaint", _("Complaint")
    CALL = "call", _("Call")
    VISIT_RECORD = "visit_record", _("Visit record")
    MANUAL = "manual", _("Entered by hand")


class Status(models.TextChoices):
    OPENED = "opened", pgettext_lazy("compliance case status", "Opened")
    INVESTIGATING = "investigating", pgettext_lazy("compliance case status", "Investigating")
    CONCLUDED = "concluded", pgettext_lazy("compliance case status", "Concluded")
    CLOSED = "closed", pgettext_lazy("compliance case status", "Closed")


class Finding(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("Substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Unsubstantiated")


OPEN_STATUSES = (Status.OPENED, Status.INVESTIGATING)
CASE_ROLES = frozenset({Role.COMPLIANCE, Role.HQ})


class ComplianceCaseQuerySet(ScopedQuerySet):
    """Compliance officers: their branch's cases; HQ: all; no other role; and never a
    case about the user themself (404 for them, even as a compliance officer)."""

    scope_branch = "branch"
    scope_roles = CASE_ROLES
    scope_never = ("staff_concerned",)

    def open(self) -> ComplianceCaseQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class ComplianceCase(models.Model):
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="compliance_cases",
        verbose_name=_("branch"),
    )  # fmt: skip
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, null=True, blank=True, related_name="compliance_cases",
        verbose_name=_("client"),
    )  # fmt: skip
    # the member of staff the matter is about (the client's account manager at the time,
    # or named by the compliance officer): never shown the case
    staff_concerned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="compliance_cases_about", verbose_name=_("staff member concerned"),
    )  # fmt: skip
    source_kind = models.CharField(_("source"), max_length=20, choices=SourceKind.choices)
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    source_url = models.CharField(_("source link"), max_length=200, blank=True)
    # the red-flag answers: [{"question": "trading_by_staff", "answer": "yes"}, ...]
    red_flags = models.JSONField(_("red-flag answers"), default=list, blank=True)
    summary = models.TextField(_("matter"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("opened by"),
    )  # fmt: skip
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="compliance_cases_assigned", verbose_name=_("compliance officer"),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.OPENED
    )
    due_at = models.DateTimeField(_("due at"))
    investigation_started_at = models.DateTimeField(_("investigation started"), null=True,
                                                    blank=True)  # fmt: skip
    finding = models.CharField(_("finding"), max_length=16, choices=Finding.choices, blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    reported_to_hq_at = models.DateTimeField(_("reported to HQ at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = ComplianceCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("compliance case")
        verbose_name_plural = _("compliance cases")
        ordering = ["-opened_at", "-id"]
        constraints = [
            # one callback opens one case (completing or retrying it again opens none)
            models.UniqueConstraint(fields=["source_kind", "source_id"],
                                    condition=Q(source_kind="callback"),
                                    name="compliance_one_case_per_callback"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["branch", "status", "opened_at"],
                         name="ccase_branch_status_idx"),
            models.Index(fields=["due_at", "id"], condition=Q(status__in=["opened",
                                                                        "investigating"]),
                         name="ccase_open_due_idx"),
            models.Index(fields=["opened_at", "id"], name="ccase_opened_idx"),
            models.Index(fields=["source_kind", "source_id"], name="ccase_source_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.reference} {self.get_source_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("compliance:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"合规-{self.pk:05d}" if self.pk else "合规-?"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()


class ComplianceCaseEvent(models.Model):
    """One line of the case's history: opening and every step, with who, when and what."""

    case = models.ForeignKey(
        ComplianceCase, on_delete=models.CASCADE, related_name="events",
        verbose_name=_("compliance case"),
    )  # fmt: skip
    at = models.DateTimeField(_("time"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
        verbose_name=_("by"),
    )  # fmt: skip
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from status"), max_length=14, blank=True)
    to_status = models.CharField(_("to status"), max_length=14, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("compliance case event")
        verbose_name_plural = _("compliance case events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="ccase_event_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"
