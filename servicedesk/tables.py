"""The service request desk as a table (crm.tables)."""

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


def priority_badge(record) -> str:
    tone = {4: "danger", 3: "warning"}.get(record.priority, "secondary")
    return format_html('<span class="badge text-bg-{}">{}</span>', tone,
                       record.get_priority_display())  # fmt: skip


class ServiceRequestTable(Table):
    key = "service_requests"
    required = ("number",)
    hidden_by_default = ("channel", "received_at")
    descending_first = frozenset({"received_at", "priority"})

    number = tables.Column(verbose_name=_("Number"), attrs={"td": {"class": "text-nowrap"}})
    requester = tables.Column(verbose_name=_("Client or caller"), empty_values=(),
                              orderable=False)  # fmt: skip
    tier = tables.Column(verbose_name=_("Tier"), accessor="client__tier", empty_values=(),
                         orderable=False)  # fmt: skip
    category = tables.Column(verbose_name=_("Category"), orderable=False)
    priority = tables.Column(verbose_name=_("Priority"))
    channel = tables.Column(verbose_name=_("Channel"), orderable=False)
    status = tables.Column(verbose_name=_("Status"), orderable=False)
    handler = tables.Column(verbose_name=_("Handler"), empty_values=(), orderable=False)
    received_at = tables.Column(
        verbose_name=_("Received at"), attrs={"td": {"class": "text-nowrap"}}
    )
    due_at = tables.Column(
        verbose_name=_("Answer due"), empty_values=(), attrs={"td": {"class": "text-nowrap"}}
    )

    class Meta(Table.Meta):
        row_attrs = {
            "id": lambda record: f"service-request-{record.pk}",
            "class": lambda record, table: "table-danger"
            if record.is_open and record.due_at < table.now else "",
        }  # fmt: skip
        empty_text = _("No service requests match.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = timezone.now()
        self.viewer = self.request.user

    def render_number(self, record):
        fcr = ""
        if record.first_contact_resolved:
            fcr = format_html(' <span class="badge text-bg-success">{}</span>',
                              _("first contact"))  # fmt: skip
        return format_html('<a href="{}">{}</a>{}', record.get_absolute_url(), record.number, fcr)

    def render_requester(self, record):
        return masking.display(self.viewer, "name", record.requester)

    def render_tier(self, record):
        return tier_badge(record.client)

    def render_category(self, record):
        if record.subcategory_id:
            return f"{record.category.name} · {record.subcategory.name}"
        return record.category.name

    def render_priority(self, record):
        return priority_badge(record)

    def render_channel(self, record):
        return record.get_channel_display()

    def render_status(self, record):
        return record.get_status_display()

    def render_handler(self, record):
        if record.handler_id is None:
            return _("Back office") if record.back_office else "—"
        return person_name(record.handler)

    def render_received_at(self, value):
        return local_minute(value)

    def render_due_at(self, record):
        if record.status in ("received", "in_progress"):
            return sla_badge(record.due_at, now=self.now)
        if record.resolved_at:
            return sla_badge(record.due_at, record.resolved_at, record.answer_met, self.now)
        return "—"
