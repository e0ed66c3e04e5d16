"""The client lists as tables (crm.tables): what each column shows and how."""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.formats import yuan_short
from crm.models import person_name
from crm.tables import Table

from . import masking


def tier_badge(client) -> str:
    """The client's tier as the queues show it (their tie-break at equal deadlines)."""
    if client is None or not client.tier:
        return format_html('<span class="text-muted">{}</span>', "—")
    return format_html(
        '<span class="badge tier-badge tier-{}">{}</span>', client.tier, client.get_tier_display()
    )


class ClientTable(Table):
    key = "clients"
    required = ("select", "name")
    hidden_by_default = ("risk_level",)
    sort_names = {"assets": "avg_assets"}
    descending_first = frozenset({"opened_on", "assets"})

    select = tables.Column(empty_values=(), verbose_name="", accessor="pk")
    client_no = tables.Column(verbose_name=_("Client number"))
    name = tables.Column(verbose_name=_("Name"), empty_values=())
    phone = tables.Column(
        verbose_name=_("Mobile phone"), attrs={"td": {"class": "font-monospace text-nowrap"}}
    )
    stage = tables.Column(verbose_name=_("Stage"))
    tier = tables.Column(verbose_name=_("Tier"))
    risk_level = tables.Column(verbose_name=_("Risk level"), empty_values=())
    owner = tables.Column(verbose_name=_("Account manager"))
    assets = tables.Column(
        verbose_name=_("Avg. daily assets"),
        accessor="avg_assets",
        attrs={"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}},
    )
    opened_on = tables.Column(
        verbose_name=_("Opening date"), attrs={"td": {"class": "text-nowrap"}}
    )
    completeness = tables.Column(verbose_name=_("Profile"))

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"client-{record.pk}"}
        empty_text = _("No clients match.")

    def __init__(self, *args, can_reassign: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_reassign:
            self.columns.hide("select")
        self.viewer = self.request.user

    def render_select(self, record):
        return format_html(
            '<input class="form-check-input" type="checkbox" name="client" value="{}" '
            'form="reassign-form" aria-label="{}">', record.pk, _("Select"),
        )  # fmt: skip

    def render_name(self, record):
        name = masking.display(self.viewer, "name", record.name)
        badge = ""
        if record.client_type == "institution":
            badge = format_html(' <span class="badge text-bg-light">{}</span>', _("Institution"))
        return format_html('<a href="{}">{}</a>{}', record.get_absolute_url(), name, badge)

    def render_phone(self, value):
        return masking.mask_phone(value)

    def render_stage(self, record):
        return record.get_stage_display()

    def render_tier(self, record):
        return record.get_tier_display()

    def render_risk_level(self, record):
        if not record.risk_level:
            return "—"
        if record.risk_assessment_expired:
            return format_html(
                '{} <span class="badge text-bg-danger">{}</span>', record.risk_level, _("expired")
            )
        return record.risk_level

    def render_owner(self, value):
        return person_name(value)

    def render_assets(self, value):
        return yuan_short(value)

    def render_opened_on(self, value):
        return value.strftime("%Y-%m-%d")

    def render_completeness(self, value):
        return format_html(
            '<div class="progress progress-mini" title="{}%"><div class="progress-bar{}" '
            'data-width="{}"></div></div>', value, " bg-warning" if value < 100 else "", value,
        )  # fmt: skip


def churn_badge(score: int) -> str:
    tone = "danger" if score >= 50 else "warning"
    return format_html('<span class="badge text-bg-{}">{}</span>', tone, score)


class ChurnTable(Table):
    """The churn risk list: highest risk first (clients.filters.ChurnFilterSet orders)."""

    key = "churn"
    required = ("client",)
    descending_first = frozenset({"churn_score"})

    client = tables.Column(verbose_name=_("Client"), accessor="pk")
    churn_score = tables.Column(verbose_name=_("Risk"), empty_values=())
    reasons = tables.Column(verbose_name=_("Reasons"), accessor="churn_reasons")
    tier = tables.Column(verbose_name=_("Tier"))
    owner = tables.Column(verbose_name=_("Account manager"))

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"risk-{record.pk}"}
        empty_text = _("No client shows warning signs.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = self.request.user

    def render_client(self, record):
        name = masking.display(self.viewer, "name", record.name)
        return format_html(
            '<a href="{}">{}</a> <small class="text-muted">{}</small>',
            record.get_absolute_url(), name, record.client_no or "",
        )  # fmt: skip

    def render_churn_score(self, value):
        return churn_badge(value)

    def render_reasons(self, value):
        from .segmentation import reason_labels

        return "；".join(reason_labels(value))

    def render_tier(self, record):
        return record.get_tier_display()

    def render_owner(self, value):
        return person_name(value)


class RetentionTable(Table):
    """The retention board: the cases of the tab (open or closed), newest first."""

    key = "retention"
    required = ("client",)
    descending_first = frozenset({"opened_at", "score_at_open"})

    client = tables.Column(verbose_name=_("Client"), accessor="pk")
    score_at_open = tables.Column(verbose_name=_("Risk when opened"))
    score_now = tables.Column(verbose_name=_("Now"), accessor="client__churn_score")
    owner = tables.Column(verbose_name=_("Account manager"))
    opened_at = tables.Column(verbose_name=_("Opened"), attrs={"td": {"class": "text-nowrap"}})
    outcome = tables.Column(verbose_name=_("Outcome"))

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"case-{record.pk}"}
        empty_text = _("No cases.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = self.request.user

    def render_client(self, record):
        name = masking.display(self.viewer, "name", record.client.name)
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), name)

    def render_owner(self, value):
        return person_name(value)

    def render_opened_at(self, value):
        return timezone.localtime(value).strftime("%Y-%m-%d")

    def render_outcome(self, record):
        return record.get_outcome_display()


class ImportJobTable(Table):
    """The file imports of the user's branch: kind, status, progress, counts, who, when."""

    key = "imports"
    required = ("original_name",)

    original_name = tables.Column(verbose_name=_("File"))
    kind = tables.Column(verbose_name=_("Kind of import"), empty_values=())
    status = tables.Column(verbose_name=_("Status"))
    progress = tables.Column(verbose_name=_("Progress"), empty_values=(), accessor="pk")
    counts = tables.Column(verbose_name=_("Rows"), empty_values=(), accessor="pk")
    created_by = tables.Column(verbose_name=_("Imported by"))
    created_at = tables.Column(verbose_name=_("Uploaded"), attrs={"td": {"class": "text-nowrap"}})

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"import-{record.pk}"}
        empty_text = _("None yet.")

    def render_original_name(self, record):
        from django.urls import reverse

        return format_html(
            '<a href="{}" translate="no">{}</a>',
            reverse("clients:import-status", args=[record.pk]), record.original_name,
        )  # fmt: skip

    def render_kind(self, record):
        from .imports import KINDS

        kind = KINDS.get(record.kind)
        label = kind.label if kind else record.kind
        if record.dry_run:
            return format_html('{} <span class="badge text-bg-info">{}</span>', label, _("Dry run"))
        return label

    def render_status(self, record):
        return record.get_status_display()

    def render_progress(self, record):
        return format_html(
            '<div class="progress progress-mini" title="{}%" role="progressbar" '
            'aria-label="{}" aria-valuenow="{}" aria-valuemin="0" aria-valuemax="100">'
            '<div class="progress-bar" data-width="{}"></div></div>',
            record.percent, _("Import progress"), record.percent, record.percent,
        )  # fmt: skip

    def render_counts(self, record):
        stored = _("%(n)d would be stored") if record.dry_run else _("%(n)d stored")
        return format_html(
            "{} / {} · {}", record.processed_rows, record.total_rows,
            format_html("{}，{}", stored % {"n": record.stored_rows},
                        _("%(n)d with errors") % {"n": record.error_rows}),
        )  # fmt: skip

    def render_created_by(self, record):
        return person_name(record.created_by)

    def render_created_at(self, record):
        return timezone.localtime(record.created_at).strftime("%Y-%m-%d %H:%M")
