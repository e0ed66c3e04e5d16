"""Staff conduct (员工执业行为) and investor education (投资者教育).

- A yearly conduct self-check form (员工执业行为自查表) that HQ or compliance defines and
  sends to every active member of staff: one SelfCheck per person, filled and signed in
  the browser, on the SLA clock (a reminder to the person, then their branch's
  compliance officer).
- The misconduct register (违规行为登记): entries from substantiated compliance cases,
  complaints with a staff cause, or entered by hand; compliance officers (their branch)
  and HQ only, and never the member of staff an entry is about.
- Education activities per client (an education event attended, an article, a video),
  and the clients suggested for education (two complaints, or losses in two months of
  a quarter), found nightly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import Client
from crm.models import Branch, Role, staff_of
from crm.scoping import ScopedQuerySet
from visits.models import Event

CONDUCT_ROLES = frozenset({Role.COMPLIANCE, Role.HQ})


# --- Self-checks ----------------------------------------------------------------------------
class SelfCheckFormQuerySet(models.QuerySet):
    """One form serves every branch: compliance officers and HQ see every form."""

    def visible_to(self, user) -> SelfCheckFormQuerySet:
        staff = staff_of(user)
        return self if staff is not None and staff.role in CONDUCT_ROLES else self.none()


class SelfCheckForm(models.Model):
    """The year's form: its questions (one a line, each answered yes / no with a note)
    and the declaration the person signs."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    questions = models.JSONField(_("questions"), default=list)
    declaration = models.TextField(_("declaration"))
    due_on = models.DateField(_("to be signed by"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("defined by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("defined at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = SelfCheckFormQuerySet.as_manager()

    class Meta:
        verbose_name = _("conduct self-check form")
        verbose_name_plural = _("conduct self-check forms")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class SelfCheckStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("self-check status", "To be signed")
    SIGNED = "signed", pgettext_lazy("self-check status", "Signed")


class SelfCheckQuerySet(ScopedQuerySet):
    """Each person their own; the compliance officer their branch's; HQ every one."""

    scope_branch = "branch"
    scope_owner = ("staff",)
    scope_owner_roles = frozenset({Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.SERVICE_AGENT,
                                   Role.BRANCH_MANAGER})  # fmt: skip
    scope_branch_roles = frozenset({Role.COMPLIANCE})

    def pending(self) -> SelfCheckQuerySet:
        return self.filter(status=SelfCheckStatus.PENDING)


class SelfCheck(models.Model):
    form = models.ForeignKey(
        SelfCheckForm, on_delete=models.PROTECT, related_name="checks",
        verbose_name=_("conduct self-check form"),
    )  # fmt: skip
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="self_checks",
        verbose_name=_("member of staff"),
    )  # fmt: skip
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    status = models.CharField(_("status"), max_length=8, choices=SelfCheckStatus.choices,
                              default=SelfCheckStatus.PENDING)  # fmt: skip
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"))
    # [{"answer": "yes" | "no", "note": "..."}], one per question of the form
    answers = models.JSONField(_("answers"), default=list, blank=True)
    declaration_accepted = models.BooleanField(_("declaration accepted"), default=False)
    signature = models.CharField(_("signed as"), max_length=100, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    objects = SelfCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("conduct self-check")
        verbose_name_plural = _("conduct self-checks")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "staff"], name="selfcheck_once_per_form"),
            models.CheckConstraint(
                condition=Q(status="pending")
                | Q(signed_at__isnull=False, declaration_accepted=True),
                name="selfcheck_signed_has_signature",
            ),
        ]
        indexes = [
            models.Index(fields=["staff", "status"], name="selfcheck_staff_idx"),
            models.Index(fields=["branch", "status", "due_at"], name="selfcheck_branch_idx"),
            models.Index(fields=["due_at", "id"], condition=Q(status="pending"),
                         name="selfcheck_pending_due_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.form_id} {self.staff_id} {self.status}"

    @property
    def is_overdue(self) -> bool:
        return self.status == SelfCheckStatus.PENDING and self.due_at < timezone.now()


# --- The misconduct register ----------------------------------------------------------------
class MisconductSource(models.TextChoices):
    COMPLIANCE_CASE = "compliance_case", _("Substantiated compliance case")
    COMPLAINT = "complaint", _("Complaint with a staff cause")
    MANUAL = "manual", _("Entered by hand")


class MisconductQuerySet(ScopedQuerySet):
    """Compliance officers: their branch's; HQ: all; nobody else; never the person
    an entry is about."""

    scope_branch = "branch"
    scope_roles = CONDUCT_ROLES
    scope_never = ("staff",)


class MisconductEntry(models.Model):
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="misconduct_entries", verbose_name=_("member of staff"),
    )  # fmt: skip
    # as the source names the person when it names no user (a complaint's text)
    staff_name = models.CharField(_("person named"), max_length=100, blank=True)
    source_kind = models.CharField(_("source"), max_length=16, choices=MisconductSource.choices)
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    occurred_on = models.DateField(_("date"))
    summary = models.TextField(_("misconduct"))
    measures = models.TextField(_("measures taken"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("recorded by"),
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = MisconductQuerySet.as_manager()

    class Meta:
        verbose_name = _("misconduct register entry")
        verbose_name_plural = _("misconduct register entries")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            # a case or a complaint is registered once, however often the sync runs
            models.UniqueConstraint(fields=["source_kind", "source_id"],
                                    condition=Q(source_id__isnull=False),
                                    name="misconduct_once_per_source"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["branch", "-occurred_on"], name="misconduct_branch_idx"),
            models.Index(fields=["staff", "-occurred_on"], name="misconduct_staff_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_source_kind_display()}"


# --- Investor education ---------------------------------------------------------------------
class EducationKind(models.TextChoices):
    EVENT = "event", _("Education event")
    ARTICLE = "article", _("Article")
    VIDEO = "video", _("Video")
    OTHER = "other", _("Other")


class EducationQuerySet(ScopedQuerySet):
    scope_via = ("client",)


class EducationRecord(models.Model):
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="education_records",
        verbose_name=_("client"),
    )  # fmt: skip
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    kind = models.CharField(_("type"), max_length=8, choices=EducationKind.choices)
    topic = models.CharField(_("topic"), max_length=200)
    on = models.DateField(_("date"))
    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("event"),
    )  # fmt: skip
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("recorded by"),
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = EducationQuerySet.as_manager()

    class Meta:
        verbose_name = _("investor education record")
        verbose_name_plural = _("investor education records")
        ordering = ["-on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "client"], condition=Q(event__isnull=False),
                                    name="education_once_per_event"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["client", "-on"], name="education_client_idx"),
            models.Index(fields=["branch", "on"], name="education_branch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.topic}"


class SuggestionReason(models.TextChoices):
    COMPLAINTS = "complaints", _("Two complaints or more in the quarter")
    LOSSES = "losses", _("Losses in two months or more of the quarter")
    BOTH = "both", _("Complaints and repeated losses")


class SuggestionQuerySet(ScopedQuerySet):
    scope_via = ("client",)


class EducationSuggestion(models.Model):
    """A client the nightly rule suggests for education in a quarter (once per quarter);
    done when an education record is made for them afterwards."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="education_suggestions",
        verbose_name=_("client"),
    )  # fmt: skip
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    quarter = models.DateField(_("quarter"))  # its first day
    reason = models.CharField(_("reason"), max_length=10, choices=SuggestionReason.choices)
    complaints = models.PositiveIntegerField(_("complaints in the quarter"), default=0)
    loss_months = models.PositiveIntegerField(_("months with a loss"), default=0)
    suggested_at = models.DateTimeField(_("suggested at"), default=timezone.now)
    educated_at = models.DateTimeField(_("educated at"), null=True, blank=True)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("investor education suggestion")
        verbose_name_plural = _("investor education suggestions")
        ordering = ["-suggested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "quarter"],
                                    name="education_suggestion_once_per_quarter"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["branch", "suggested_at"], condition=Q(educated_at__isnull=True),
                         name="education_suggestion_open_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.client_id} {self.quarter}"
