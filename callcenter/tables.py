"""The call log as a table (crm.tables)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from clients import masking
from clients.tables import tier_badge
from crm.formats import duration
from crm.models import person_name
from crm.tables import Table, local_minute
from crm.templatetags.crm_tags import due_badge


class CallTable(Table):
    key = "calls"
    required = ("started_at",)
    descending_first = frozenset({"started_at"})

    started_at = tables.Column(verbose_name=_("Started at"), attrs={"td": {"class": "text-nowrap"}})
    direction = tables.Column(verbose_name=_("Direction"))
    client = tables.Column(verbose_name=_("Client"), empty_values=())
    agent = tables.Column(verbose_name=_("Agent"))
    duration = tables.Column(verbose_name=_("Duration (s)"), attrs={"td": {"class": "text-nowrap"}})
    wrap_up = tables.Column(verbose_name=_("Wrap-up"), empty_values=())
    notes = tables.Column(verbose_name=_("Notes"))

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle mb-0 crm-table"}
        empty_text = _("No calls.")

    def render_started_at(self, value):
        return local_minute(value)

    def render_direction(self, record):
        return record.get_direction_display()

    def render_client(self, record):
        if record.client is None:
            return format_html('<span class="text-muted">{}</span>', _("unknown"))
        name = masking.display(self.request.user, "name", record.client.name)
        return format_html('<a href="{}">{}</a>', record.client.get_absolute_url(), name)

    def render_agent(self, value):
        return person_name(value)

    def render_duration(self, value):
        return duration(value)

    def render_wrap_up(self, record):
        if record.wrap_up is None:
            if record.ended_at is None:
                return "—"
            return format_html('<span class="badge text-bg-danger">{}</span>',
                               _("Wrap-up code missing"))  # fmt: skip
        if record.repeat_contact:
            return format_html('{} <span class="badge text-bg-warning repeat-badge">{}</span>',
                               record.wrap_up.name, _("Repeat contact"))  # fmt: skip
        return record.wrap_up.name

    def render_notes(self, value):
        return Truncator(value).chars(40)


class InspectionRoundTable(Table):
    key = "inspections"
    required = ("branch",)
    hidden_by_default = ("created_by",)
    descending_first = frozenset({"period_start"})  # the list is newest first already

    branch = tables.Column(verbose_name=_("Branch"))
    period_start = tables.Column(verbose_name=_("Period"), attrs={"td": {"class": "text-nowrap"}})
    created_at = tables.Column(verbose_name=_("Drawn on"), attrs={"td": {"class": "text-nowrap"}})
    created_by = tables.Column(verbose_name=_("Drawn by"))

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"round-{record.pk}"}
        empty_text = _("No inspection rounds yet.")

    def render_branch(self, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.branch)

    def render_period_start(self, record):
        return f"{record.period_start:%Y-%m-%d} – {record.period_end:%Y-%m-%d}"

    def render_created_at(self, value):
        return local_minute(value)

    def render_created_by(self, value):
        return person_name(value)


class CallbackTable(Table):
    """The callback queue, one tab at a time (callcenter.selectors.queue)."""

    key = "callbacks"
    required = ("client",)
    hidden_by_default = ("phone",)

    client = tables.Column(verbose_name=_("Client"))
    tier = tables.Column(verbose_name=_("Tier"), accessor="client__tier", empty_values=(),
                         orderable=False)  # fmt: skip
    phone = tables.Column(verbose_name=_("Phone"), accessor="client__phone")
    reason = tables.Column(verbose_name=_("Reason"))
    channel = tables.Column(verbose_name=_("Channel"))
    due_at = tables.Column(verbose_name=_("Due"), attrs={"td": {"class": "text-nowrap"}})
    attempts = tables.Column(verbose_name=_("Attempts"))
    who = tables.Column(verbose_name=_("Who"), empty_values=(), accessor="pk")

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"callback-{record.pk}"}
        empty_text = _("Nothing in this list.")

    def render_client(self, record):
        name = masking.display(self.request.user, "name", record.client.name)
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), name)

    def render_phone(self, value):
        return masking.mask_phone(value)

    def render_tier(self, record):
        return tier_badge(record.client)

    def render_reason(self, record):
        return record.get_reason_display()

    def render_channel(self, record):
        return record.get_channel_display()

    def render_due_at(self, value):
        return due_badge(value)

    def render_who(self, record):
        holder = record.claimed_by or record.assignee
        if holder is None:
            return format_html('<span class="text-muted">{}</span>', _("pool"))
        return person_name(holder)
