"""The scorecard's measures (经纪人考核), declared once: key, label, unit and direction.
The default weights (HQ's, until HQ saves its own) put trading volume first, as the
brokerage studies do (交易量作为首选考核指标), and sum to 100."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ScoreMeasure:
    key: str
    label: str  # lazily translated
    unit: str  # "yuan", "count", "times", "percent", "per_mille"
    higher_is_better: bool = True
    service: bool = False  # a service measure (the other key measure besides business)


MEASURES: tuple[ScoreMeasure, ...] = (
    ScoreMeasure("volume", _("Trading volume"), "yuan"),
    ScoreMeasure("commission", _("Commission"), "yuan"),
    ScoreMeasure("assets", _("Average daily assets under service"), "yuan"),
    ScoreMeasure("net_inflow", _("Net inflow"), "yuan"),
    ScoreMeasure("new_clients", _("New clients"), "count"),
    ScoreMeasure("converted", _("Potential clients converted"), "count"),
    ScoreMeasure("turnover", _("Capital turnover (volume / average assets)"), "times"),
    ScoreMeasure("csi", _("Customer satisfaction (CSI)"), "percent", service=True),
    ScoreMeasure("callback_completion", _("Callback completion"), "percent", service=True),
    ScoreMeasure("quota_met", _("Daily quota met"), "percent", service=True),
    ScoreMeasure("visits_in_time", _("Visits recorded in time"), "percent", service=True),
    ScoreMeasure("complaints_per_1000", _("Complaints per 1,000 clients"), "per_mille",
                 higher_is_better=False, service=True),
    ScoreMeasure("retention_won", _("Retention cases won"), "count", service=True),
)  # fmt: skip
BY_KEY = {m.key: m for m in MEASURES}
KEYS = tuple(m.key for m in MEASURES)

DEFAULT_WEIGHTS = {
    "volume": 30, "commission": 10, "assets": 10, "net_inflow": 10, "new_clients": 5,
    "converted": 5, "turnover": 5, "csi": 10, "callback_completion": 5, "quota_met": 5,
    "visits_in_time": 0, "complaints_per_1000": 5, "retention_won": 0,
}  # fmt: skip
# an achievement above target counts up to this much (120 %): one measure cannot buy all
CAP = 1.2
