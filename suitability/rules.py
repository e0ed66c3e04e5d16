"""The numbers of DOMAIN.md ("Regulatory facts"), each overridable in settings.

Professional investors: institutions with net assets ≥ 20 million yuan and financial
assets ≥ 10 million; persons with financial assets ≥ 5 million or a 3-year average
income ≥ 500,000, plus 2 years' investment experience; reviewed every 12 months.

AML: a client's points (the sum of the matching factors) give the rating by the bands
below; the identity is re-verified every 1 year (high), 2 (higher), 3 (medium) or 5
(low) years.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from clients.models import ClientType

from .models import AmlRating, ProRule, RequestKind


def _setting(name: str, default):
    return getattr(settings, name, default)


def pro_thresholds() -> dict[str, Decimal]:
    return {
        "institution_net_assets": Decimal(_setting("PRO_INSTITUTION_NET_ASSETS", 20_000_000)),
        "institution_financial_assets": Decimal(
            _setting("PRO_INSTITUTION_FINANCIAL_ASSETS", 10_000_000)
        ),
        "person_financial_assets": Decimal(_setting("PRO_PERSON_FINANCIAL_ASSETS", 5_000_000)),
        "person_income": Decimal(_setting("PRO_PERSON_AVERAGE_INCOME", 500_000)),
        "person_experience_years": Decimal(_setting("PRO_PERSON_EXPERIENCE_YEARS", 2)),
    }


def pro_review_months() -> int:
    return int(_setting("PRO_REVIEW_MONTHS", 12))


def aml_bands() -> list[tuple[int, str]]:
    """(minimum points, rating), highest first."""
    bands = _setting("AML_RATING_BANDS", {"high": 60, "higher": 40, "medium": 20})
    return sorted(((int(v), k) for k, v in bands.items()), reverse=True)


def aml_reverify_years() -> dict[str, int]:
    years = {AmlRating.HIGH: 1, AmlRating.HIGHER: 2, AmlRating.MEDIUM: 3, AmlRating.LOW: 5}
    years.update(_setting("AML_REVERIFY_YEARS", {}))
    return {str(k): int(v) for k, v in years.items()}


def rating_for(score: int) -> str:
    for minimum, rating in aml_bands():
        if score >= minimum:
            return rating
    return AmlRating.LOW


@dataclass(frozen=True)
class Check:
    rule: str  # ProRule, or "" when no threshold is met
    errors: dict[str, list[str]]

    @property
    def met(self) -> bool:
        return bool(self.rule)


def check_professional(kind: str, investor_type: str, data: dict) -> Check:
    """Which threshold the evidence meets (the rule), or the fields that fall short."""
    if kind == RequestKind.ORDINARY:
        return Check(ProRule.CLIENT_REQUEST, {})
    t = pro_thresholds()

    def amount(field):
        value = data.get(field)
        return Decimal(value) if value not in (None, "") else None

    if investor_type == ClientType.INSTITUTION:
        net, fin = amount("net_assets"), amount("financial_assets")
        errors = {}
        if net is None or net < t["institution_net_assets"]:
            errors["net_assets"] = [_("An institution needs net assets of at least %(n)s yuan.")
                                    % {"n": f"{t['institution_net_assets']:,.0f}"}]  # fmt: skip
        if fin is None or fin < t["institution_financial_assets"]:
            errors["financial_assets"] = [
                _("An institution needs financial assets of at least %(n)s yuan.")
                % {"n": f"{t['institution_financial_assets']:,.0f}"}
            ]
        return Check("" if errors else ProRule.INSTITUTION, errors)
    fin, income, years = (amount("financial_assets"), amount("average_income"),
                          amount("experience_years"))  # fmt: skip
    errors = {}
    if years is None or years < t["person_experience_years"]:
        errors["experience_years"] = [
            _("A person needs at least %(n)s years of investment experience.")
            % {"n": f"{t['person_experience_years']:g}"}
        ]
    rule = ""
    if fin is not None and fin >= t["person_financial_assets"]:
        rule = ProRule.FINANCIAL_ASSETS
    elif income is not None and income >= t["person_income"]:
        rule = ProRule.INCOME
    else:
        errors["financial_assets"] = [
            _("A person needs financial assets of at least %(assets)s yuan, or an average "
              "yearly income over the last 3 years of at least %(income)s yuan.")
            % {"assets": f"{t['person_financial_assets']:,.0f}",
               "income": f"{t['person_income']:,.0f}"}
        ]  # fmt: skip
    return Check("" if errors else rule, errors)
