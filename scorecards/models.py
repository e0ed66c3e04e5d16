"""Staff scorecards (经纪人考核): per account manager, team and branch, per month and
quarter, the business figures (trading volume first, commission, assets under service,
net inflow, new and converted clients, capital turnover) and the service measures, each
scored against the weights and targets of the branch (HQ's by default), and ranked.

Computed nightly (scorecards.services.scorecards_compute) from the monthly rollups, never
from the daily rows. A period keeps a copy of the weights and targets it was scored with:
once the period is over and computed (final), later changes of the weights do not change
its scores or ranks.

Who sees a line is declared once, on the queryset: everyone their own line; the branch
manager and compliance their branch; HQ every branch.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Branch, Role
from crm.scoping import ScopedQuerySet

from .measures import KEYS

BRANCH_ROLES = frozenset({Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ})


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class Level(models.TextChoices):
    PERSON = "person", _("Account manager")
    TEAM = "team", _("Team")
    BRANCH = "branch", _("Branch")


def validate_weights(weights: dict, targets: dict) -> None:
    """Weights: whole numbers 0-100 for known measures, summing to 100; targets: numbers
    not below zero (an empty target scores against the best of the peers)."""
    errors = {}
    unknown = (set(weights) | set(targets)) - set(KEYS)
    if unknown:
        keys = ", ".join(sorted(unknown))
        errors["weights"] = [_("Unknown measures: %(keys)s.") % {"keys": keys}]
    values = list(weights.values())
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 or v > 100 for v in values):
        errors["weights"] = [_("Each weight is a whole number from 0 to 100.")]
    elif sum(values) != 100:
        errors["weights"] = [
            _("The weights add up to %(total)s; they must add up to 100.") % {"total": sum(values)}
        ]
    for target in targets.values():
        try:
            if target is not None and Decimal(str(target)) < 0:
                raise ValueError
        except (ValueError, ArithmeticError):
            errors["targets"] = [_("A target is a number not below zero.")]
    if errors:
        raise ValidationError(errors)


class ScorecardWeightsQuerySet(ScopedQuerySet):
    """A branch's weights: seen by its branch; HQ's default (no branch): by every branch."""

    scope_branch = "branch"
    scope_null_branch_shared = True


class ScorecardWeights(models.Model):
    """The weights and targets of one branch's scorecard (set by its branch manager), or
    HQ's default (no branch) for the branches that set none."""

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("branch"), help_text=_("Empty: HQ's default for every branch."),
    )  # fmt: skip
    weights = models.JSONField(_("weights"), default=dict)  # {measure key: 0..100}, sum 100
    targets = models.JSONField(_("targets"), default=dict, blank=True)  # {key: number}
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("updated by"),
    )  # fmt: skip
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = ScorecardWeightsQuerySet.as_manager()

    class Meta:
        verbose_name = _("scorecard weights")
        verbose_name_plural = _("scorecard weights")
        constraints = [
            models.UniqueConstraint(Coalesce("branch", Value(0)), name="scorecard_weights_once"),
        ]

    def __str__(self) -> str:
        return str(self.branch) if self.branch_id else str(_("HQ default"))

    def clean(self) -> None:
        validate_weights(self.weights or {}, self.targets or {})


class ScorecardPeriod(models.Model):
    """One month or quarter of one branch's scorecard (or, without a branch, HQ's
    comparison of the branches), with the weights and targets it was scored with."""

    kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("branch"),
    )  # fmt: skip
    weights = models.JSONField(_("weights used"), default=dict)
    targets = models.JSONField(_("targets used"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    # computed after the period was over: its weights are kept from then on
    final = models.BooleanField(_("final"), default=False)

    class Meta:
        verbose_name = _("scorecard period")
        verbose_name_plural = _("scorecard periods")
        constraints = [
            models.UniqueConstraint(
                "kind", "start", Coalesce("branch", Value(0)), name="scorecard_period_once"
            ),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")),
                                   name="scorecard_period_ends_after_start"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start:%Y-%m} {self.branch_id or 'HQ'}"

    @property
    def label(self) -> str:
        return period_label(self.kind, self.start)


def period_label(kind: str, start) -> str:
    if kind == PeriodKind.QUARTER:
        quarter = (start.month - 1) // 3 + 1
        return _("%(year)s Q%(quarter)s") % {"year": start.year, "quarter": quarter}
    return _("%(year)s-%(month)02d") % {"year": start.year, "month": start.month}


class ScorecardLineQuerySet(ScopedQuerySet):
    """Everyone sees their own line; the branch manager and compliance their branch's
    lines (people, teams, the branch); HQ every branch's."""

    scope_branch = "branch"
    scope_owner = ("person",)
    scope_owner_roles = frozenset({Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.SERVICE_AGENT})
    scope_branch_roles = frozenset({Role.BRANCH_MANAGER, Role.COMPLIANCE})


def _money(name):
    return models.DecimalField(name, max_digits=20, decimal_places=2, default=0)


def _rate(name):
    return models.DecimalField(name, max_digits=7, decimal_places=1, null=True, blank=True)


class ScorecardLine(models.Model):
    """One person's, team's or branch's figures, points, score and rank in one period."""

    period = models.ForeignKey(
        ScorecardPeriod, on_delete=models.CASCADE, related_name="lines", verbose_name=_("period")
    )
    # the period's kind and start, copied so the lists filter and sort without a join
    kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    start = models.DateField(_("start"))
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="+", verbose_name=_("branch")
    )
    team = models.CharField(_("team"), max_length=50, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="scorecard_lines", verbose_name=_("account manager"),
    )  # fmt: skip
    clients = models.PositiveIntegerField(_("clients served"), default=0)
    volume = _money(_("trading volume"))
    commission = _money(_("commission"))
    assets = _money(_("average daily assets under service"))
    net_inflow = _money(_("net inflow"))
    new_clients = models.PositiveIntegerField(_("new clients"), default=0)
    converted = models.PositiveIntegerField(_("potential clients converted"), default=0)
    turnover = models.DecimalField(_("capital turnover"), max_digits=16, decimal_places=4,
                                   null=True, blank=True)  # fmt: skip
    csi = _rate(_("customer satisfaction (CSI)"))
    callback_completion = _rate(_("callback completion"))
    quota_met = _rate(_("daily quota met"))
    visits_in_time = _rate(_("visits recorded in time"))
    complaints_per_1000 = models.DecimalField(
        _("complaints per 1,000 clients"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    retention_won = models.PositiveIntegerField(_("retention cases won"), default=0)
    points = models.JSONField(_("points per measure"), default=dict)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, default=0)
    rank = models.PositiveIntegerField(_("rank"))
    ranked = models.PositiveIntegerField(_("ranked of"))

    objects = ScorecardLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("scorecard line")
        verbose_name_plural = _("scorecard lines")
        constraints = [
            models.UniqueConstraint(fields=["period", "level", "branch", "team", "person"],
                                    nulls_distinct=False, name="scorecard_line_once"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["period", "level", "rank", "id"], name="scoreline_rank_idx"),
            models.Index(fields=["person", "kind", "start"], name="scoreline_person_idx"),
            models.Index(fields=["branch", "kind", "start", "level"],
                         name="scoreline_branch_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.period} {self.level} {self.person_id or self.team or self.branch_id}"

    @property
    def period_label(self) -> str:
        return period_label(self.kind, self.start)
