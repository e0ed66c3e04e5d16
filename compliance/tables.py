"""The compliance case list as a table (crm.tables)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clients import masking
from crm.models import person_name
from crm.tables import Table, local_minute
from crm.templatetags.crm_tags import due_badge


class CaseTable(Table):
    key = "compliance_cases"
    required = ("reference",)
    hidden_by_default = ("branch",)
    descending_first = frozenset({"opened_at"})

    reference = tables.Column(verbose_name=_("Case"), accessor="pk", orderable=False)
    opened_at = tables.Column(verbose_name=_("Opened at"), attrs={"td": {"class": "text-nowrap"}})
    source = tables.Column(verbose_name=_("Source"), accessor="source_kind", orderable=False)
    client = tables.Column(verbose_name=_("Client"), empty_values=(), orderable=False)
    staff_concerned = tables.Column(verbose_name=_("Staff member concerned"), empty_values=(),
                                    orderable=False)  # fmt: skip
    branch = tables.Column(verbose_name=_("Branch"), accessor="branch__name", orderable=False)
    status = tables.Column(verbose_name=_("Status"), orderable=False)
    finding = tables.Column(verbose_name=_("Finding"), empty_values=(), orderable=False)
    due_at = tables.Column(verbose_name=_("Due at"), empty_values=())

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"case-{record.pk}"}
        empty_text = _("No compliance case matches.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = self.request.user

    def render_reference(self, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.reference)

    def render_opened_at(self, value):
        return local_minute(value)

    def render_source(self, record):
        return record.get_source_kind_display()

    def render_client(self, record):
        if record.client_id is None:
            return "—"
        return masking.display(self.viewer, "name", record.client.name)

    def render_staff_concerned(self, record):
        return person_name(record.staff_concerned) if record.staff_concerned_id else "—"

    def render_status(self, record):
        tone = {"opened": "warning", "investigating": "info", "concluded": "primary"}.get(
            record.status, "secondary"
        )
        return format_html('<span class="badge text-bg-{}">{}</span>', tone,
                           record.get_status_display())  # fmt: skip

    def render_finding(self, record):
        return record.get_finding_display() if record.finding else "—"

    def render_due_at(self, record):
        if not record.is_open:
            return "—"
        return due_badge(record.due_at)
