"""The self-check list, the misconduct register and the education lists as tables."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clients import masking
from crm.models import person_name
from crm.tables import Table, local_minute
from crm.templatetags.crm_tags import due_badge


def _person(user) -> str:
    """A member of staff by name and role, never by login name."""
    if user is None:
        return "—"
    staff = getattr(user, "staff", None)
    name = person_name(user)
    return f"{name}（{staff.get_role_display()}）" if staff is not None else name


def chinese_date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


class _ClientColumnMixin:
    def render_client(self, record):
        name = masking.display(self.request.user, "name", record.client.name)
        return format_html('<a href="{}">{}</a>', record.client.get_absolute_url(), name)


class SelfCheckTable(Table):
    key = "conduct_selfchecks"
    required = ("staff",)

    staff = tables.Column(verbose_name=_("Member of staff"), empty_values=(), orderable=False)
    branch = tables.Column(verbose_name=_("Branch"), accessor="branch__name", orderable=False)
    year = tables.Column(verbose_name=_("Year"), accessor="form__year", orderable=False)
    status = tables.Column(verbose_name=_("Status"), orderable=False)
    due_at = tables.Column(verbose_name=_("Due at"), empty_values=())
    signed_at = tables.Column(verbose_name=_("Signed at"), empty_values=())
    declared = tables.Column(verbose_name=_("Declared"), empty_values=(), orderable=False)

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"selfcheck-{record.pk}"}
        empty_text = _("No conduct self-check matches.")

    def render_staff(self, record):
        return _person(record.staff)

    def render_status(self, record):
        tone = "success" if record.status == "signed" else "warning"
        return format_html('<span class="badge text-bg-{}">{}</span>', tone,
                           record.get_status_display())  # fmt: skip

    def render_due_at(self, record):
        return due_badge(record.due_at) if record.status == "pending" else "—"

    def render_signed_at(self, record):
        return local_minute(record.signed_at) if record.signed_at else "—"

    def render_declared(self, record):
        """How many questions were answered "yes" (something declared)."""
        if record.status != "signed":
            return "—"
        n = sum(1 for a in record.answers if a.get("answer") == "yes")
        return str(n) if n else _("Nothing")


class MisconductTable(Table):
    key = "conduct_misconduct"
    required = ("occurred_on",)

    occurred_on = tables.Column(verbose_name=_("Date"), attrs={"td": {"class": "text-nowrap"}})
    staff = tables.Column(verbose_name=_("Member of staff"), empty_values=(), orderable=False)
    branch = tables.Column(verbose_name=_("Branch"), accessor="branch__name", orderable=False)
    source = tables.Column(verbose_name=_("Source"), accessor="source_kind", orderable=False)
    summary = tables.Column(verbose_name=_("Misconduct"), orderable=False)
    measures = tables.Column(verbose_name=_("Measures taken"), orderable=False)

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"misconduct-{record.pk}"}
        empty_text = _("The register has no entry that matches.")

    def render_occurred_on(self, value):
        return chinese_date(value)

    def render_staff(self, record):
        if record.staff_id:
            return _person(record.staff)
        return record.staff_name or "—"

    def render_source(self, record):
        return record.get_source_kind_display()

    def render_summary(self, value):
        return value[:120]

    def render_measures(self, value):
        return value[:120] if value else "—"


class EducationTable(_ClientColumnMixin, Table):
    key = "conduct_education"
    required = ("client",)

    on = tables.Column(verbose_name=_("Date"), attrs={"td": {"class": "text-nowrap"}})
    client = tables.Column(verbose_name=_("Client"), empty_values=(), orderable=False)
    kind = tables.Column(verbose_name=_("Type"), orderable=False)
    topic = tables.Column(verbose_name=_("Topic"), orderable=False)
    branch = tables.Column(verbose_name=_("Branch"), accessor="branch__name", orderable=False)
    recorded_by = tables.Column(verbose_name=_("Recorded by"), empty_values=(), orderable=False)

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"education-{record.pk}"}
        empty_text = _("No investor education recorded that matches.")

    def render_on(self, value):
        return chinese_date(value)

    def render_kind(self, record):
        return record.get_kind_display()

    def render_recorded_by(self, record):
        return _person(record.recorded_by) if record.recorded_by_id else _("Event attendance")


class SuggestionTable(_ClientColumnMixin, Table):
    key = "conduct_suggestions"
    required = ("client",)
    descending_first = frozenset({"suggested_at"})

    client = tables.Column(verbose_name=_("Client"), empty_values=(), orderable=False)
    reason = tables.Column(verbose_name=_("Reason"), orderable=False)
    complaints = tables.Column(verbose_name=_("Complaints"), orderable=False)
    loss_months = tables.Column(verbose_name=_("Months with a loss"), orderable=False)
    owner = tables.Column(verbose_name=_("Account manager"), empty_values=(), orderable=False)
    suggested_at = tables.Column(verbose_name=_("Suggested at"))
    educated_at = tables.Column(verbose_name=_("Educated"), empty_values=(), orderable=False)

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"suggestion-{record.pk}"}
        empty_text = _("No client is suggested for investor education.")

    def render_reason(self, record):
        return record.get_reason_display()

    def render_owner(self, record):
        return _person(record.client.owner) if record.client.owner_id else "—"

    def render_suggested_at(self, value):
        return local_minute(value)

    def render_educated_at(self, record):
        return local_minute(record.educated_at) if record.educated_at else _("Not yet")
