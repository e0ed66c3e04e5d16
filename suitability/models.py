"""Professional investors (专业投资者) and the AML client risk rating (反洗钱风险等级).

A professional classification is a request with its evidence (financial assets, income,
experience; for institutions net and financial assets) and the date of that evidence,
checked against the thresholds of DOMAIN.md (suitability.rules), approved by a second
person (never the requester: a check constraint), and due for review a year after the
approval. A professional investor's request to be treated as ordinary is the same kind
of record. The client's investor class changes only when a request is approved
(suitability.services).

The AML rating of each client (one AmlProfile per client) comes from the configurable
factors (AmlFactor) by the nightly set-based job, or from a manual override with its
reason; the identity is re-verified by the rating's interval (reverify_due_on, on the
SLA clock), and the identity document's expiry is tracked (id_expires_on).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import Client, ClientType
from crm.models import Branch, Role
from crm.scoping import ScopedQuerySet

# Who sees professional classifications: the client's account manager (their clients),
# the branch's manager and compliance officers, HQ. Who decides them: compliance and HQ.
PRO_ROLES = frozenset({Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ})
APPROVER_ROLES = frozenset({Role.COMPLIANCE, Role.HQ})
# Who sees AML ratings: the branch's manager and compliance officers, HQ; who changes them
# (an override, a re-verification): compliance and HQ.
AML_READERS = frozenset({Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ})
AML_WORKERS = frozenset({Role.COMPLIANCE, Role.HQ})


class RequestKind(models.TextChoices):
    PROFESSIONAL = "professional", _("Classify as professional investor")
    ORDINARY = "ordinary", _("Treat as ordinary investor (client's request)")


class ProStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("professional investor status", "Awaiting approval")
    APPROVED = "approved", pgettext_lazy("professional investor status", "Approved")
    REJECTED = "rejected", pgettext_lazy("professional investor status", "Rejected")
    EXPIRED = "expired", pgettext_lazy("professional investor status", "Review lapsed")
    SUPERSEDED = "superseded", pgettext_lazy("professional investor status", "Superseded")


class ProRule(models.TextChoices):
    INSTITUTION = "institution", _("Institution: net and financial assets")
    FINANCIAL_ASSETS = "financial_assets", _("Person: financial assets and experience")
    INCOME = "income", _("Person: average income and experience")
    CLIENT_REQUEST = "client_request", _("The client's written request")


class ProClassificationQuerySet(ScopedQuerySet):
    """Account managers: their clients'; the branch's manager and compliance: the branch;
    HQ: all; nobody else."""

    scope_branch = "branch"
    scope_owner = ("client__owner",)
    scope_roles = PRO_ROLES

    def pending(self) -> ProClassificationQuerySet:
        return self.filter(status=ProStatus.REQUESTED)


class ProClassification(models.Model):
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="pro_classifications",
        verbose_name=_("client"),
    )  # fmt: skip
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("branch"))  # fmt: skip
    kind = models.CharField(_("kind of request"), max_length=12, choices=RequestKind.choices)
    investor_type = models.CharField(_("client type"), max_length=12, choices=ClientType.choices)
    financial_assets = models.DecimalField(_("financial assets (yuan)"), max_digits=18,
                                           decimal_places=2, null=True, blank=True)  # fmt: skip
    average_income = models.DecimalField(_("average yearly income, last 3 years (yuan)"),
                                         max_digits=18, decimal_places=2, null=True,
                                         blank=True)  # fmt: skip
    experience_years = models.DecimalField(_("investment experience (years)"), max_digits=4,
                                           decimal_places=1, null=True, blank=True)  # fmt: skip
    net_assets = models.DecimalField(_("net assets (yuan)"), max_digits=18, decimal_places=2,
                                     null=True, blank=True)  # fmt: skip
    evidence = models.TextField(_("evidence seen"))
    evidence_date = models.DateField(_("date of the evidence"))
    rule = models.CharField(_("threshold met"), max_length=20, choices=ProRule.choices)
    status = models.CharField(_("status"), max_length=12, choices=ProStatus.choices,
                              default=ProStatus.REQUESTED)  # fmt: skip
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("requested by"),
    )  # fmt: skip
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("decided by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    review_due_on = models.DateField(_("review due on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = ProClassificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("professional investor classification")
        verbose_name_plural = _("professional investor classifications")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # maker-checker: the second person is never the requester
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="pro_decided_by_another_person",
            ),
            models.UniqueConstraint(fields=["client"], condition=Q(status="requested"),
                                    name="pro_one_pending_per_client"),
            models.UniqueConstraint(fields=["client"], condition=Q(status="approved"),
                                    name="pro_one_approved_per_client"),
            models.CheckConstraint(condition=Q(status__in=ProStatus.values),
                                   name="pro_status_valid"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["branch", "status", "requested_at"], name="pro_branch_status_idx"),
            models.Index(fields=["requested_at", "id"], name="pro_requested_idx"),
            models.Index(fields=["review_due_on", "id"], condition=Q(status="approved"),
                         name="pro_review_due_idx"),
            models.Index(fields=["client", "requested_at"], name="pro_client_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("suitability:pro-detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"专投-{self.pk:05d}" if self.pk else "专投-?"


class AmlRating(models.TextChoices):
    LOW = "low", pgettext_lazy("AML risk", "Low")
    MEDIUM = "medium", pgettext_lazy("AML risk", "Medium")
    HIGHER = "higher", pgettext_lazy("AML risk", "Higher")
    HIGH = "high", pgettext_lazy("AML risk", "High")


RATING_ORDER = [AmlRating.LOW, AmlRating.MEDIUM, AmlRating.HIGHER, AmlRating.HIGH]
HIGH_RATINGS = (AmlRating.HIGHER, AmlRating.HIGH)


class FactorKind(models.TextChoices):
    CLIENT_TYPE = "client_type", _("Client type")
    OCCUPATION = "occupation", _("Occupation contains")
    NATIONALITY = "nationality", _("Nationality")
    RESIDENCE = "residence", _("Residence")
    PRODUCT_TYPE = "product_type", _("Holds a product of type")
    CASH_DAY = "cash_day", _("A day's cash in or out of at least (yuan)")
    CASH_90_DAYS = "cash_90_days", _("Cash in and out over 90 days of at least (yuan)")


class AmlFactor(models.Model):
    """One configurable factor: when it matches a client, its points count toward the
    rating (the bands: suitability.rules). Edited by administrators."""

    kind = models.CharField(_("factor"), max_length=14, choices=FactorKind.choices)
    value = models.CharField(
        _("value"), max_length=100,
        help_text=_("The value that matches: a client type, a word of the occupation, a "
                    "country code (CN, US…), a product type, or an amount in yuan."),
    )  # fmt: skip
    points = models.PositiveSmallIntegerField(_("points"))
    label = models.CharField(_("label"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("AML risk factor")
        verbose_name_plural = _("AML risk factors")
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="aml_factor_once"),
            models.CheckConstraint(condition=Q(kind__in=FactorKind.values),
                                   name="aml_factor_kind_valid"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.label


class AmlProfileQuerySet(ScopedQuerySet):
    """The branch's manager and compliance officers: the branch; HQ: all; nobody else."""

    scope_branch = "branch"
    scope_roles = AML_READERS


class AmlProfile(models.Model):
    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="aml",
                                  verbose_name=_("client"))  # fmt: skip
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("branch"))  # fmt: skip
    nationality = models.CharField(_("nationality"), max_length=2, default="CN")
    residence = models.CharField(_("country of residence"), max_length=2, default="CN")
    id_expires_on = models.DateField(_("ID document expires on"), null=True, blank=True)
    score = models.PositiveIntegerField(_("score"), default=0)
    computed_rating = models.CharField(
        _("rating from the factors"), max_length=6, choices=AmlRating.choices, default=AmlRating.LOW
    )
    override_rating = models.CharField(_("rating set by hand"), max_length=6,
                                       choices=AmlRating.choices, blank=True)  # fmt: skip
    override_reason = models.TextField(_("reason for the rating set by hand"), blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("set by hand by"),
    )  # fmt: skip
    override_at = models.DateTimeField(_("set by hand at"), null=True, blank=True)
    rating = models.CharField(_("AML risk rating"), max_length=6, choices=AmlRating.choices,
                              default=AmlRating.LOW)  # fmt: skip
    # the factors that matched: [{"kind", "value", "label", "points"}]
    factors = models.JSONField(_("matching factors"), default=list, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    last_verified_on = models.DateField(_("identity last verified on"), null=True, blank=True)
    reverify_due_on = models.DateField(_("identity re-verification due on"), null=True,
                                       blank=True)  # fmt: skip
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = AmlProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("AML risk rating")
        verbose_name_plural = _("AML risk ratings")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__in=AmlRating.values),
                                   name="aml_rating_valid"),
            models.CheckConstraint(
                condition=Q(override_rating="") | ~Q(override_reason=""),
                name="aml_override_has_reason",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["branch", "rating", "reverify_due_on", "id"],
                         name="aml_branch_rating_idx"),
            models.Index(fields=["rating", "reverify_due_on", "id"], name="aml_rating_due_idx"),
            models.Index(fields=["reverify_due_on", "id"], name="aml_reverify_idx"),
            models.Index(fields=["id_expires_on"], condition=Q(id_expires_on__isnull=False),
                         name="aml_id_expiry_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.client_id} {self.get_rating_display()}"

    def get_absolute_url(self) -> str:
        return reverse("suitability:aml-detail", args=[self.pk])

    @property
    def is_high(self) -> bool:
        return self.rating in HIGH_RATINGS

    @property
    def reverify_overdue(self) -> bool:
        return bool(self.reverify_due_on and self.reverify_due_on < timezone.localdate())
