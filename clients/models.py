"""The client file (客户档案): master data, suitability, account facts and data duties."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Right
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from crm.models import Branch, Role
from crm.scoping import ScopedQuerySet

from .crypto import decrypt


class ClientType(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    INSTITUTION = "institution", _("Institution")


class IdType(models.TextChoices):
    ID_CARD = "id_card", _("Resident ID card")
    PASSPORT = "passport", _("Passport")
    HK_MACAU_PERMIT = "hk_macau_permit", _("Mainland travel permit for HK/Macau residents")
    TAIWAN_PERMIT = "taiwan_permit", _("Mainland travel permit for Taiwan residents")
    CREDIT_CODE = "credit_code", _("Unified social credit code")
    OTHER = "other", _("Other")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class AccountStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    DORMANT = "dormant", _("Dormant")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class Stage(models.TextChoices):
    POTENTIAL = "potential", _("Potential")
    NEW = "new", _("New")
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    CHURNED = "churned", _("Churned")


class Tier(models.TextChoices):
    MASS = "mass", _("Mass")
    POTENTIAL = "potential", _("Potential VIP")
    VIP = "vip", _("VIP")
    HIGH_NET_WORTH = "hnw", _("High net worth")
    ULTRA = "ultra", _("Ultra high net worth")


class InvestorClass(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary investor")
    PROFESSIONAL = "professional", _("Professional investor")


class RiskLevel(models.TextChoices):
    C1 = "C1", _("C1 (conservative)")
    C2 = "C2", _("C2 (cautious)")
    C3 = "C3", _("C3 (balanced)")
    C4 = "C4", _("C4 (growth)")
    C5 = "C5", _("C5 (aggressive)")


class PotentialGrade(models.TextChoices):
    A = "A", _("A (important)")
    B = "B", _("B")
    C = "C", _("C")


class Seeks(models.TextChoices):
    LOW_PRICE = "low_price", _("Low price (价格敏感)")
    SERVICE = "service", _("Dedicated service (服务型)")


class PreferredChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
    VISIT = "visit", _("Visit")


class ExitSignal(models.TextChoices):
    TRANSFER_OUT = "transfer_out", _("Transfer-out requested (转托管/转户)")
    CLOSING = "closing", _("Closing requested (销户)")
    BANK_CHANGE = "bank_change", _("Settlement bank changed")


TIER_ORDER = [Tier.MASS, Tier.POTENTIAL, Tier.VIP, Tier.HIGH_NET_WORTH, Tier.ULTRA]


class LossReason(models.Model):
    """Why a client was lost (流失原因): a managed list HQ keeps (the admin), chosen when a
    retention case closes as lost or recorded when an account closes (unknown until
    someone says)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(pgettext_lazy("loss reason", "name"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("loss reason")
        verbose_name_plural = _("loss reasons")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


UNKNOWN_LOSS_REASON = "unknown"


class ClientQuerySet(ScopedQuerySet):
    """Account managers and advisors: their own clients; branch roles: the branch;
    HQ (and HQ integrations): every branch."""

    scope_branch = "branch"
    scope_owner = ("owner",)
    scope_owner_by_role = {Role.ADVISOR: ("advisor", "owner")}

    def with_phone_last4(self) -> ClientQuerySet:
        return self.alias(phone_last4=Right("phone", 4))


def largest_first(column: str, name: str, *scope: str) -> models.Index:
    """The index of a sort where an empty value is the smallest: the scope's columns, then
    `column DESC NULLS LAST, id DESC`, walked either way by crm.filters.OrderingFilter."""
    return models.Index(
        *scope, models.F(column).desc(nulls_last=True), models.F("id").desc(), name=name
    )


class Client(models.Model):
    client_type = models.CharField(
        _("client type"), max_length=12, choices=ClientType.choices, default=ClientType.INDIVIDUAL
    )
    client_no = models.CharField(
        _("client number"), max_length=20, null=True, blank=True, unique=True,
        help_text=_("Client number / fund account (客户号/资金账号); empty for potential clients."),
    )  # fmt: skip
    name = models.CharField(pgettext_lazy("person or company", "name"), max_length=100)
    name_initials = models.CharField(_("pinyin initials"), max_length=30, blank=True)

    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, blank=True)
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True, db_index=True)
    phone_alt = models.CharField(_("second mobile phone"), max_length=11, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    # the area code of the ID card (6 digits) or the province of the address (2): clients.regions
    region_code = models.CharField(_("region code"), max_length=6, blank=True, editable=False)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=8, choices=PreferredChannel.choices, blank=True,
        help_text=_("How the client likes to be contacted."),
    )  # fmt: skip

    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    credit_code_override_reason = models.CharField(
        _("reason for accepting a failing credit code"), max_length=200, blank=True
    )
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="clients", verbose_name=_("branch")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_clients",
        verbose_name=_("account manager"),
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="advised_clients",
        verbose_name=_("investment advisor"),
    )
    opened_on = models.DateField(_("opening date"), null=True, blank=True)
    account_status = models.CharField(
        _("account status"),
        max_length=10,
        choices=AccountStatus.choices,
        default=AccountStatus.NORMAL,
    )
    stage = models.CharField(
        _("lifecycle stage"), max_length=10, choices=Stage.choices, default=Stage.POTENTIAL
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, blank=True)

    investor_class = models.CharField(
        _("investor class"),
        max_length=12,
        choices=InvestorClass.choices,
        default=InvestorClass.ORDINARY,
    )
    risk_level = models.CharField(
        _("risk tolerance"), max_length=2, choices=RiskLevel.choices, blank=True
    )
    lowest_category = models.BooleanField(_("lowest category (最低类别)"), default=False)
    risk_assessed_on = models.DateField(_("risk assessed on"), null=True, blank=True)
    risk_expires_on = models.DateField(_("risk assessment expires on"), null=True, blank=True)

    investment_direction = models.CharField(_("investment direction"), max_length=200, blank=True)
    expected_return = models.CharField(_("expected return"), max_length=100, blank=True)
    risk_control = models.CharField(_("risk control wishes"), max_length=200, blank=True)
    risk_preference = models.CharField(_("risk preference"), max_length=100, blank=True)
    horizon = models.CharField(_("investment horizon"), max_length=100, blank=True)
    products_of_interest = models.CharField(_("products of interest"), max_length=200, blank=True)

    tags = ArrayField(
        models.CharField(max_length=30), default=list, blank=True, verbose_name=_("tags")
    )
    source = models.CharField(_("source"), max_length=50, blank=True)
    consent_sms = models.BooleanField(_("agrees to marketing by SMS"), default=False)
    consent_email = models.BooleanField(_("agrees to marketing by e-mail"), default=False)
    # An opt-out (SMS reply TD/退订, the e-mail's unsubscribe link, or staff told) clears
    # the channel's consent at once and is kept here with its date and source
    # (outreach.services.consent).
    sms_opted_out_at = models.DateTimeField(_("opted out of SMS at"), null=True, blank=True)
    sms_opt_out_source = models.CharField(_("SMS opt-out source"), max_length=20, blank=True)
    email_opted_out_at = models.DateTimeField(_("opted out of e-mail at"), null=True, blank=True)
    email_opt_out_source = models.CharField(_("e-mail opt-out source"), max_length=20, blank=True)

    grade = models.CharField(
        _("potential grade"), max_length=1, choices=PotentialGrade.choices, blank=True
    )
    seeks = models.CharField(_("seeks"), max_length=10, choices=Seeks.choices, blank=True)
    next_contact_on = models.DateField(_("next contact"), null=True, blank=True)

    exit_signal = models.CharField(
        _("exit signal"), max_length=12, choices=ExitSignal.choices, blank=True,
        help_text=_("Reported by the trading system or the counter. Retention may call or "
                    "visit, but never blocks or delays a client's exit."),
    )  # fmt: skip
    # an account closed: the day it was first seen closed, and why (clients.retention)
    closed_on = models.DateField(_("account closed on"), null=True, blank=True)
    loss_reason = models.ForeignKey(
        LossReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("loss reason"),
    )  # fmt: skip
    # Segmentation, recomputed by the nightly job (clients.segmentation).
    tier_since = models.DateField(_("tier since"), null=True, blank=True)
    avg_assets = models.DecimalField(
        _("average daily assets last month"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    last_trade_on = models.DateField(_("last trade"), null=True, blank=True)
    sleeping = models.BooleanField(_("sleeping (long inactive)"), default=False)
    rfm_recency = models.PositiveSmallIntegerField(_("RFM recency (1-5)"), null=True, blank=True)
    rfm_frequency = models.PositiveSmallIntegerField(
        _("RFM frequency (1-5)"), null=True, blank=True
    )
    rfm_monetary = models.PositiveSmallIntegerField(_("RFM monetary (1-5)"), null=True, blank=True)
    churn_score = models.PositiveSmallIntegerField(_("churn risk (0-100)"), default=0)
    churn_reasons = ArrayField(
        models.CharField(max_length=20),
        default=list,
        blank=True,
        verbose_name=_("churn risk reasons"),
    )
    segmented_at = models.DateTimeField(_("segmented at"), null=True, blank=True)

    completeness = models.PositiveSmallIntegerField(_("profile completeness (%)"), default=0)
    # Data duties (DOMAIN.md): each deadline is stored here and watched by the SLA clock.
    profile_due_on = models.DateField(_("profile to be completed by"), null=True, blank=True)
    reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    review_due_on = models.DateField(_("next review due"), null=True, blank=True)
    identity_change_reported_at = models.DateTimeField(
        _("identity change reported at"), null=True, blank=True
    )
    identity_change_due_at = models.DateTimeField(
        _("identity change to be recorded by"), null=True, blank=True
    )

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "version", "name_initials", "id_number_hash",
                         "completeness", "tier_since", "avg_assets", "last_trade_on",
                         "sleeping", "rfm_recency", "rfm_frequency", "rfm_monetary",
                         "churn_score", "churn_reasons", "segmented_at", "stage", "tier",
                         "region_code"],
    )  # fmt: skip
    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage="potential") | Q(client_no__isnull=False),
                name="client_opened_has_number",
            ),
        ]
        indexes = [
            models.Index(fields=["branch", "stage", "-id"]),
            models.Index(fields=["owner", "-id"]),
            # the client list's orders (`ordering` of clients.filters.ClientFilterSet)
            models.Index(fields=["branch", "name_initials", "name", "id"]),
            models.Index(fields=["owner", "name_initials", "name", "id"]),
            # an empty opening date or assets sorts as the smallest (crm.filters.OrderingFilter
            # nulls_smallest): one index serves both directions
            largest_first("opened_on", "client_branch_opened_idx", "branch"),
            largest_first("opened_on", "client_owner_opened_idx", "owner"),
            models.Index(fields=["branch", "completeness", "id"]),
            models.Index(fields=["owner", "completeness", "id"]),
            largest_first("avg_assets", "client_branch_assets_idx", "branch"),
            largest_first("avg_assets", "client_owner_assets_idx", "owner"),
            largest_first("avg_assets", "client_assets_idx"),
            models.Index(fields=["branch", "tier"]),
            models.Index(fields=["branch", "risk_level"]),
            models.Index(fields=["risk_expires_on"]),
            models.Index(fields=["review_due_on"]),
            models.Index(
                fields=["profile_due_on"],
                condition=Q(profile_due_on__isnull=False),
                name="client_profile_due_idx",
            ),
            models.Index(
                fields=["identity_change_due_at"],
                condition=Q(identity_change_due_at__isnull=False),
                name="client_identity_due_idx",
            ),
            models.Index(fields=["completeness"]),
            models.Index(
                fields=["branch", "-churn_score"],
                condition=Q(churn_score__gt=0),
                name="client_churn_idx",
            ),
            models.Index(
                fields=["owner", "-churn_score"],
                condition=Q(churn_score__gt=0),
                name="client_owner_churn_idx",
            ),
            models.Index(fields=["branch", "rfm_recency", "rfm_frequency"]),
            models.Index(
                fields=["owner", "next_contact_on"],
                condition=Q(stage="potential"),
                name="client_potential_contact_idx",
            ),
            models.Index(Right("phone", 4), name="client_phone_last4_idx"),
            models.Index(
                fields=["name"], name="client_name_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["name_initials"],
                name="client_initials_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            # the segmentation filters of the client list (clients.filters)
            GinIndex(fields=["tags"], name="client_tags_gin_idx"),
            models.Index(
                fields=["region_code"],
                name="client_region_prefix_idx",
                opclasses=["varchar_pattern_ops"],
                condition=~Q(region_code=""),
            ),
            models.Index(fields=["branch", "birth_date"], name="client_branch_birth_idx"),
            # the dashboards' live client figures (clients.measures): accounts opened in a
            # period across every branch, the pool of potential clients, accounts closed
            models.Index(fields=["opened_on"], name="client_opened_idx"),
            models.Index(
                fields=["branch"], condition=Q(client_no__isnull=True), name="client_pool_idx"
            ),
            # potential clients created after a day: the pool at a period's end (clients.accounts)
            models.Index(
                fields=["created_at"],
                condition=Q(client_no__isnull=True),
                name="client_pool_created_idx",
            ),
            models.Index(
                fields=["branch", "closed_on"],
                condition=Q(closed_on__isnull=False),
                name="client_closed_idx",
            ),
            # the churn rate's accounts open at a period's start, by branch and tier, read
            # index-only (clients.measures.compute_churn)
            models.Index(
                fields=["branch", "tier", "opened_on", "closed_on"],
                condition=Q(client_no__isnull=False),
                name="client_accounts_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_no or _('potential')})"

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.pk])

    # names of the values that are not model fields, for the access log
    access_field_labels = {"id_number": _("ID number")}

    @property
    def id_number(self) -> str:
        return decrypt(self.id_number_encrypted)

    @property
    def risk_assessment_expired(self) -> bool:
        return bool(self.risk_expires_on and self.risk_expires_on < timezone.localdate())

    @property
    def is_potential(self) -> bool:
        return self.stage == Stage.POTENTIAL


class RiskAssessmentQuerySet(ScopedQuerySet):
    scope_via = ("client",)


class RiskAssessment(models.Model):
    """One questionnaire result; kept for 20 years (never deleted)."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="risk_assessments", verbose_name=_("client")
    )
    assessed_on = models.DateField(_("assessed on"))
    score = models.PositiveSmallIntegerField(_("score"))
    risk_level = models.CharField(_("risk tolerance"), max_length=2, choices=RiskLevel.choices)
    lowest_category = models.BooleanField(_("lowest category (最低类别)"), default=False)
    valid_until = models.DateField(_("valid until"))
    questionnaire = models.CharField(_("questionnaire version"), max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = RiskAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["-assessed_on", "-id"]
        indexes = [
            models.Index(fields=["client", "-assessed_on"]),
            models.Index(fields=["assessed_on", "id"], name="risk_assessed_on_idx"),  # ordering
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("assessed_on")),
                name="risk_valid_after_assessed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.assessed_on} {self.risk_level}"


class AccountSnapshot(models.Model):
    """Daily or monthly account facts from the trading system (never typed by hand).

    Partitioned by month in PostgreSQL (clients/partitions.py, migration 0010): the SQL
    primary key is (id, date), `id` alone is still unique (one sequence); the client
    column has no index of its own, the unique (client, date) rule serves it."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="snapshots", db_index=False
    )
    date = models.DateField(_("date"))
    total_assets = models.DecimalField(_("total assets"), max_digits=18, decimal_places=2)
    cash = models.DecimalField(_("cash"), max_digits=18, decimal_places=2, default=0)
    market_value = models.DecimalField(
        _("market value"), max_digits=18, decimal_places=2, default=0
    )
    net_inflow = models.DecimalField(_("net inflow"), max_digits=18, decimal_places=2, default=0)
    trading_volume = models.DecimalField(
        _("trading volume"), max_digits=18, decimal_places=2, default=0
    )
    trade_count = models.PositiveIntegerField(_("trade count"), default=0)
    commission = models.DecimalField(_("commission"), max_digits=14, decimal_places=2, default=0)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("account snapshot")
        verbose_name_plural = _("account snapshots")
        constraints = [
            models.UniqueConstraint(fields=["client", "date"], name="snapshot_once_per_day"),
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.client_id} {self.date}"


class ClientMonth(models.Model):
    """A client's month of account facts, rolled up from the daily snapshots (clients/rollups.py):
    moved by every snapshot upsert for the (client, month) rows it writes, recomputed nightly for
    last and this month, and by `rebuild_rollups`. The dashboards' commission figures and
    the nightly segmentation read it for whole months instead of the daily rows."""

    client = models.ForeignKey(  # indexed by the unique rule, which starts with it
        Client, on_delete=models.CASCADE, related_name="months", verbose_name=_("client"),
        db_index=False,
    )  # fmt: skip
    month = models.DateField(_("month"))  # the first day
    days = models.PositiveIntegerField(_("days with facts"))
    # the day's total assets summed: a snapshot upsert moves it by its rows' differences
    # and the average follows without reading the month's rows again
    assets_sum = models.DecimalField(
        _("total assets summed over the days"), max_digits=22, decimal_places=2, default=0
    )
    avg_assets = models.DecimalField(_("average daily assets"), max_digits=18, decimal_places=2)
    trading_volume = models.DecimalField(_("trading volume"), max_digits=20, decimal_places=2)
    commission = models.DecimalField(_("commission"), max_digits=16, decimal_places=2)
    # no CHECK (>= 0): the upsert proposes a difference, which PostgreSQL checks before
    # it finds the row to add it to; the snapshots' own counts are checked
    trade_count = models.IntegerField(_("trade count"))
    net_inflow = models.DecimalField(_("net inflow"), max_digits=20, decimal_places=2, default=0)
    turnover = models.DecimalField(  # trading volume / average daily assets
        _("turnover"), max_digits=14, decimal_places=4, null=True
    )
    # the month's last day with a trade: the nightly segmentation reads a client's last
    # trade from here for the months before this one instead of every daily row
    last_trade_on = models.DateField(_("last trade"), null=True, blank=True)

    class Meta:
        verbose_name = _("client month")
        verbose_name_plural = _("client months")
        constraints = [
            models.UniqueConstraint(fields=["client", "month"], name="client_month_once"),
        ]
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.client_id} {self.month:%Y-%m}"


class _ByManagerAndTier(models.Model):
    """The key of the dashboards' sums of the client master: branch, account manager and
    tier (as the branch, person and team filters and the tier mix read them)."""

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="+", verbose_name=_("branch")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("account manager"),
    )
    tier = models.CharField(_("tier"), max_length=10, blank=True)

    class Meta:
        abstract = True


class ClientSummary(_ByManagerAndTier):
    """The client master summed per branch, account manager, tier, asset band (20 a
    decade of the average daily assets, as the dashboards' Pareto curve bands them) and
    account or potential client: the dashboards' tier mix, assets and asset curve read
    these few hundred rows instead of every client (clients.summary). Rebuilt for its
    branches by the nightly segmentation, which computes the tiers and assets summed here."""

    band = models.IntegerField(_("asset band"))
    is_account = models.BooleanField(_("is an account"))
    clients = models.PositiveIntegerField(_("number of clients"))
    # null: no assets known
    assets = models.DecimalField(_("assets"), max_digits=22, decimal_places=2, null=True)
    # the curve's sum
    positive_assets = models.DecimalField(_("assets above zero"), max_digits=22, decimal_places=2)

    class Meta:
        verbose_name = _("client summary")
        verbose_name_plural = _("client summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "owner", "tier", "band", "is_account"], name="client_summary_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.owner_id} {self.tier or '-'} {self.band}"


class ClientSummaryBuilt(models.Model):
    """When a branch's `ClientSummary` rows were last rebuilt (a branch without a row here
    is read live from the client master)."""

    branch = models.OneToOneField(
        Branch,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("branch"),
    )
    built_at = models.DateTimeField(_("built at"))

    class Meta:
        verbose_name = _("client summary build")
        verbose_name_plural = _("client summary builds")

    def __str__(self) -> str:
        return f"{self.branch_id} {self.built_at:%Y-%m-%d %H:%M}"


class AccountCount(_ByManagerAndTier):
    """Open accounts and potential clients counted per branch, account manager and tier,
    kept by triggers on the client master (migration 0016): every statement that writes
    clients adds one row per key it changed, +n or -n (rows only added, so two writers
    never wait for each other), and the nightly segmentation adds each branch's rows up
    into one (`clients.accounts.compact`). Their sums are exact at every moment: the churn
    rate's accounts open at a period's start and the pool of potential clients start from
    them instead of counting every client (clients.accounts)."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Open account")
        POTENTIAL = "potential", _("Potential client")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    n = models.IntegerField(_("change in the number"))

    class Meta:
        verbose_name = _("account count")
        verbose_name_plural = _("account counts")
        indexes = [models.Index(fields=["branch", "kind"], name="account_count_branch_idx")]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.owner_id} {self.tier} {self.kind} {self.n:+d}"


class Holding(models.Model):
    """A position on a day; partitioned by month like the snapshots."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="holdings", db_index=False
    )
    date = models.DateField(_("date"))
    security_code = models.CharField(_("security code"), max_length=20)
    security_name = models.CharField(_("security name"), max_length=50, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=2)
    cost = models.DecimalField(_("cost price"), max_digits=14, decimal_places=4, default=0)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=4, default=0)

    class Meta:
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "date", "security_code"], name="holding_once_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.security_code} {self.quantity}"

    @property
    def market_value(self):
        return self.quantity * self.price


class ImportJobQuerySet(ScopedQuerySet):
    """An import is its branch's: seen by the branch (headquarters: every branch); the
    pages show only the kinds the viewer may import (clients.imports)."""

    scope_branch = "branch"


class ImportJob(models.Model):
    """A file uploaded in the UI, imported (or dry-run) by a Celery task in batches; its
    kind is one of clients.imports.KINDS."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of import"), max_length=20, default="snapshots")
    dry_run = models.BooleanField(_("dry run"), default=False)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    stored_rows = models.PositiveIntegerField(_("stored"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    # told by the upserts that count them (None: not told)
    created_rows = models.PositiveIntegerField(_("created"), null=True, blank=True)
    updated_rows = models.PositiveIntegerField(_("updated"), null=True, blank=True)
    unchanged_rows = models.PositiveIntegerField(_("unchanged"), null=True, blank=True)
    error_report = models.TextField(blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return int(self.processed_rows * 100 / self.total_rows)


class TierRule(models.Model):
    """The line of a tier: monthly average daily assets, or optionally commission or volume."""

    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, unique=True)
    min_avg_assets = models.DecimalField(
        _("monthly average daily assets from (yuan)"), max_digits=18, decimal_places=2
    )
    min_commission = models.DecimalField(
        _("or monthly commission from (yuan)"), max_digits=14, decimal_places=2, null=True,
        blank=True,
    )  # fmt: skip
    min_volume = models.DecimalField(
        _("or monthly trading volume from (yuan)"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
    )
    # HQ's order of the tiers in the callback queue, the complaint desk and the service
    # desk at equal deadlines (clients.selectors.tier_rank): 1 first; equal numbers share
    # a place, so giving every tier the same number turns the tie-break off.
    queue_priority = models.PositiveSmallIntegerField(
        _("priority in the queues"), default=5,
        help_text=_("At equal deadlines, lower numbers come first in the callback queue, the "
                    "complaint desk and the service desk (1 = first)."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("tier rule")
        verbose_name_plural = _("tier rules")
        ordering = ["min_avg_assets"]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} ≥ {self.min_avg_assets}"


class TierChange(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="tier_changes")
    changed_on = models.DateField(_("changed on"))
    old_tier = models.CharField(_("from"), max_length=10, choices=Tier.choices, blank=True)
    new_tier = models.CharField(_("to"), max_length=10, choices=Tier.choices)
    avg_assets = models.DecimalField(max_digits=18, decimal_places=2, null=True)

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-changed_on", "-id"]
        indexes = [models.Index(fields=["client", "-changed_on"])]

    def __str__(self) -> str:
        return f"{self.client_id} {self.old_tier}->{self.new_tier}"


class ChurnSignal(models.Model):
    """One warning sign of churn and its weight in the 0-100 score (managers tune them)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("weight"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("churn signal")
        verbose_name_plural = _("churn signals")
        ordering = ["-weight"]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class RetentionCaseQuerySet(ScopedQuerySet):
    scope_via = ("client",)


class RetentionCase(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        RETAINED = "retained", _("Retained")
        LOST = "lost", _("Lost")
        RISK_FELL = "risk_fell", _("Risk fell by itself")

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="retention_cases", verbose_name=_("client")
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="retention_cases",
        verbose_name=_("account manager"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    score_at_open = models.PositiveSmallIntegerField(_("churn risk when opened"))
    reasons = ArrayField(models.CharField(max_length=20), default=list, verbose_name=_("reasons"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    assets_at_close = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    loss_reason = models.ForeignKey(
        LossReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("loss reason"),
    )  # fmt: skip
    note = models.TextField(_("note"), blank=True)

    objects = RetentionCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("retention case")
        verbose_name_plural = _("retention cases")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client"], condition=Q(status="open"),
                                    name="one_open_retention_case"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["owner", "status"]),
                   models.Index(fields=["branch", "status", "-opened_at"]),
                   # the API list's `ordering` (clients.filters.RetentionCaseFilterSet)
                   models.Index(fields=["opened_at", "id"], name="retention_opened_idx"),
                   models.Index(fields=["score_at_open", "id"],
                                name="retention_score_idx")]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.client} {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("clients:retention-case", args=[self.pk])


class RetentionAction(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        OFFER = "offer", _("Offer")
        EVENT = "event", _("Event invitation")

    case = models.ForeignKey(RetentionCase, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("action"), max_length=8, choices=Kind.choices)
    note = models.TextField(_("note"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class SavedClientFilterQuerySet(ScopedQuerySet):
    """A person's own saved client lists and the lists shared in their branch; HQ: every
    list. Using one never widens what the user sees: its query runs on the user's own
    clients (clients.filters.ClientFilterSet `saved`)."""

    scope_branch = "branch"
    scope_owner = ("owner",)
    scope_owner_roles = frozenset(Role.values)
    scope_owner_within_branch = False
    scope_branch_roles = frozenset(Role.values)
    scope_branch_shared = "shared"


class SavedClientFilter(models.Model):
    """A named client list (客户名单): the client list's filters as its address bar shows
    them, reused for event invitations, campaigns and exports."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_client_filters",
        verbose_name=_("owner"),
    )  # fmt: skip
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    name = models.CharField(pgettext_lazy("saved list", "name"), max_length=60)
    query = models.CharField(_("filters"), max_length=1000)
    shared = models.BooleanField(
        _("shared with the branch"), default=False,
        help_text=_("Colleagues of the branch may use it, each on the clients they may see."),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = SavedClientFilterQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved client list")
        verbose_name_plural = _("saved client lists")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_client_filter_name_once"),
        ]
        indexes = [
            models.Index(fields=["branch", "shared"], name="saved_filter_branch_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('clients:list')}?saved={self.pk}"
