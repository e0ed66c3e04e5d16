"""The ranking as a table (crm.tables): rank, who, score, the figures and the trend."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm import formats
from crm.models import person_name
from crm.tables import Table

from . import selectors
from .models import Level


def line_name(record) -> str:
    if record.level == Level.PERSON:
        return person_name(record.person)
    if record.level == Level.TEAM:
        return record.team
    return record.branch.name


def sparkline(points: list) -> str:
    """The scores of the last periods as a small inline chart, with its numbers as text
    for screen readers."""
    scores = [float(score) for _start, score, _rank in points]
    if len(scores) < 2:
        return ""
    top = max(max(scores), 1.0)
    step = 60 / (len(scores) - 1)
    coords = " ".join(f"{i * step:.1f},{18 - 16 * s / top:.1f}" for i, s in enumerate(scores))
    words = " → ".join(formats.number(s, 1) for s in scores)
    return format_html(
        '<svg class="scorecard-spark" width="62" height="20" viewBox="0 0 62 20" role="img" '
        'aria-label="{}"><polyline points="{}" fill="none" stroke="currentColor" '
        'stroke-width="1.5"/></svg>', words, coords,
    )  # fmt: skip


def _num(field, unit, label, **kw):
    return tables.Column(verbose_name=label, accessor=field,
                         attrs={"td": {"class": "text-end text-nowrap"},
                                "th": {"class": "text-end"}}, **kw)  # fmt: skip


class ScorecardTable(Table):
    key = "scorecards"
    required = ("rank", "name", "score")
    hidden_by_default = ("branch", "net_inflow", "converted", "callback_completion",
                         "quota_met", "visits_in_time", "retention_won", "commission")  # fmt: skip

    rank = tables.Column(verbose_name=_("Rank"))
    name = tables.Column(verbose_name=_("Name"), empty_values=(), orderable=False)
    branch = tables.Column(verbose_name=_("Branch"), accessor="branch__name", orderable=False)
    score = _num("score", "score", _("Score"))
    volume = _num("volume", "yuan", _("Trading volume"))
    commission = _num("commission", "yuan", _("Commission"))
    assets = _num("assets", "yuan", _("Average daily assets"))
    net_inflow = _num("net_inflow", "yuan", _("Net inflow"))
    turnover = _num("turnover", "times", _("Capital turnover"))
    new_clients = _num("new_clients", "count", _("New clients"))
    converted = _num("converted", "count", _("Potential clients converted"))
    csi = _num("csi", "percent", _("CSI"))
    callback_completion = _num("callback_completion", "percent", _("Callback completion"))
    quota_met = _num("quota_met", "percent", _("Daily quota met"))
    visits_in_time = _num("visits_in_time", "percent", _("Visits recorded in time"))
    complaints_per_1000 = _num(
        "complaints_per_1000", "per_mille", _("Complaints per 1,000 clients")
    )
    retention_won = _num("retention_won", "count", _("Retention cases won"))
    trend = tables.Column(verbose_name=_("Trend"), empty_values=(), orderable=False)

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"line-{record.pk}"}
        empty_text = _("No scorecard for this period yet: it is computed every night.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._trends: dict | None = None

    def render_name(self, record):
        return line_name(record)

    def render_rank(self, record):
        return format_html('{}<span class="text-muted small"> / {}</span>', record.rank,
                           record.ranked)  # fmt: skip

    def render_score(self, value):
        return format_html("<strong>{}</strong>", formats.number(value, 2))

    def render_volume(self, value):
        return formats.yuan_short(value)

    render_commission = render_assets = render_net_inflow = render_volume

    def render_turnover(self, value):
        return formats.number(value, 2)

    def render_csi(self, value):
        return formats.percent(value)

    render_callback_completion = render_quota_met = render_visits_in_time = render_csi

    def render_complaints_per_1000(self, value):
        return formats.number(value, 2)

    def render_trend(self, record):
        if self._trends is None:
            records = list(self.page_obj.object_list)
            self._trends = selectors.trends(self.request.user, records, record.kind, record.start)
        return sparkline(self._trends.get(selectors.key_of(record), []))
