"""The campaign list as a table (crm.tables)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import person_name
from crm.tables import Table, local_minute

STATUS_TONE = {"draft": "secondary", "submitted": "warning", "approved": "info",
               "sending": "primary", "done": "success", "rejected": "danger",
               "cancelled": "dark"}  # fmt: skip


def status_badge(record) -> str:
    return format_html('<span class="badge text-bg-{}">{}</span>',
                       STATUS_TONE.get(record.status, "secondary"),
                       record.get_status_display())  # fmt: skip


class CampaignTable(Table):
    key = "campaigns"
    required = ("name",)
    hidden_by_default = ("template",)
    descending_first = frozenset({"created_at"})

    name = tables.Column(verbose_name=_("Campaign"))
    kind = tables.Column(verbose_name=_("Kind"), orderable=False)
    channel = tables.Column(verbose_name=_("Channel"), orderable=False)
    purpose = tables.Column(verbose_name=_("Purpose"), orderable=False)
    template = tables.Column(verbose_name=pgettext_lazy("campaign", "Template"), orderable=False)
    scheduled_at = tables.Column(
        verbose_name=pgettext_lazy("campaign", "Schedule"), empty_values=()
    )
    branch = tables.Column(verbose_name=_("Branch"), empty_values=(), orderable=False)
    owner = tables.Column(verbose_name=_("Owner"), orderable=False)
    status = tables.Column(verbose_name=_("Status"), orderable=False)
    created_at = tables.Column(verbose_name=_("Created at"),
                               attrs={"td": {"class": "text-nowrap"}})  # fmt: skip

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"campaign-{record.pk}"}
        empty_text = _("No campaigns match.")

    def render_name(self, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.name)

    def render_kind(self, record):
        return record.get_kind_display()

    def render_channel(self, record):
        return record.get_channel_display()

    def render_purpose(self, record):
        return record.get_purpose_display()

    def render_template(self, record):
        return record.template.name

    def render_scheduled_at(self, record):
        if record.scheduled_at:
            return local_minute(record.scheduled_at)
        if record.send_time:
            return format_html("{} {}", _("Daily at"), record.send_time.strftime("%H:%M"))
        return "—"

    def render_branch(self, record):
        return record.branch.name if record.branch_id else _("Every branch")

    def render_owner(self, record):
        return person_name(record.owner)

    def render_status(self, record):
        return status_badge(record)

    def render_created_at(self, value):
        return local_minute(value)
