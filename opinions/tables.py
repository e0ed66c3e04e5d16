"""The opinion register as a table (crm.tables)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clients import masking
from crm.models import person_name
from crm.tables import Table, local_minute


class OpinionTable(Table):
    key = "opinions"
    required = ("text",)
    hidden_by_default = ("source",)
    descending_first = frozenset({"received_at"})

    received_at = tables.Column(
        verbose_name=_("Received at"), attrs={"td": {"class": "text-nowrap"}}
    )
    text = tables.Column(verbose_name=_("Opinion"), orderable=False)
    client = tables.Column(verbose_name=_("Client"), empty_values=(), orderable=False)
    category = tables.Column(verbose_name=_("Category"), orderable=False)
    source = tables.Column(verbose_name=_("Heard in"), accessor="source_kind", orderable=False)
    status = tables.Column(verbose_name=_("Status"), orderable=False)
    routed_to = tables.Column(verbose_name=_("Routed to"), empty_values=(), orderable=False)

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"opinion-{record.pk}"}
        empty_text = _("No opinions match.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = self.request.user

    def render_received_at(self, value):
        return local_minute(value)

    def render_text(self, record):
        text = record.text if len(record.text) <= 40 else record.text[:40] + "…"
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), text)

    def render_client(self, record):
        if record.client_id is None:
            return "—"
        return masking.display(self.viewer, "name", record.client.name)

    def render_category(self, record):
        return record.get_category_display()

    def render_source(self, record):
        return record.get_source_kind_display()

    def render_status(self, record):
        tone = {"open": "warning", "routed": "info", "answered": "primary"}.get(
            record.status, "secondary"
        )
        return format_html('<span class="badge text-bg-{}">{}</span>', tone,
                           record.get_status_display())  # fmt: skip

    def render_routed_to(self, record):
        parts = [p for p in (record.department, person_name(record.routed_to)
                             if record.routed_to_id else "") if p]  # fmt: skip
        return " · ".join(parts) or "—"
