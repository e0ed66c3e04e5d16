"""The complaint desk as a table (crm.tables)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clients import masking
from clients.tables import tier_badge
from crm.badges import sla_badge
from crm.models import person_name
from crm.tables import Table, local_minute


def severity_badge(value: int) -> str:
    tone = "danger" if value >= 4 else "warning" if value == 3 else "secondary"
    return format_html('<span class="badge text-bg-{}">{}</span>', tone, value)


class ComplaintTable(Table):
    key = "complaints"
    required = ("ticket_no",)
    hidden_by_default = ("channel", "received_at")
    descending_first = frozenset({"received_at", "severity"})

    ticket_no = tables.Column(verbose_name=_("Ticket"), attrs={"td": {"class": "text-nowrap"}})
    complainant = tables.Column(verbose_name=_("Complainant"), empty_values=(), orderable=False)
    tier = tables.Column(verbose_name=_("Tier"), accessor="client__tier", empty_values=(),
                         orderable=False)  # fmt: skip
    category = tables.Column(verbose_name=_("Category"))
    severity = tables.Column(verbose_name=_("Severity"))
    topic = tables.Column(verbose_name=_("Topic"))
    channel = tables.Column(verbose_name=_("Channel"))
    status = tables.Column(verbose_name=_("Status"))
    handler = tables.Column(verbose_name=_("Handler"))
    received_at = tables.Column(
        verbose_name=_("Received at"), attrs={"td": {"class": "text-nowrap"}}
    )
    resolution_due_at = tables.Column(
        verbose_name=_("Resolution due"), empty_values=(), attrs={"td": {"class": "text-nowrap"}}
    )

    class Meta(Table.Meta):
        row_attrs = {
            "id": lambda record: f"complaint-{record.pk}",
            "class": lambda record, table: "table-danger"
            if record.is_open and record.resolution_due_at < table.now else "",
        }  # fmt: skip
        empty_text = _("No complaints match.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = timezone.now()
        self.viewer = self.request.user

    def render_ticket_no(self, record):
        group = ""
        if record.is_group:
            group = format_html(' <span class="badge text-bg-dark">{}</span>', _("group"))
        return format_html(
            '<a href="{}">{}</a>{}', record.get_absolute_url(), record.ticket_no, group
        )

    def render_complainant(self, record):
        return masking.display(self.viewer, "name", record.complainant)

    def render_tier(self, record):
        return tier_badge(record.client)

    def render_category(self, record):
        return record.get_category_display()

    def render_severity(self, value):
        return severity_badge(value)

    def render_topic(self, record):
        return record.get_topic_display()

    def render_channel(self, record):
        return record.get_channel_display()

    def render_status(self, record):
        return record.get_status_display()

    def render_handler(self, value):
        return person_name(value)

    def render_received_at(self, value):
        return local_minute(value)

    def render_resolution_due_at(self, record):
        if not record.is_open:
            return (
                timezone.localtime(record.resolved_at).strftime("%Y-%m-%d")
                if record.resolved_at
                else "—"
            )
        return sla_badge(record.resolution_due_at, now=self.now)
