"""The message record and the templates as tables (crm.tables)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clients import masking
from crm.models import person_name
from crm.tables import Table, local_minute

STATUS_TONE = {"queued": "secondary", "sending": "info", "sent": "primary",
               "delivered": "success", "failed": "danger", "withheld": "warning"}  # fmt: skip


def status_badge(message) -> str:
    return format_html('<span class="badge text-bg-{}">{}</span>',
                       STATUS_TONE.get(message.status, "secondary"),
                       message.get_status_display())  # fmt: skip


def recipient_display(viewer, message) -> str:
    if message.channel == "sms":
        return masking.display(viewer, "phone", message.recipient)
    return message.recipient


class MessageTable(Table):
    key = "messages"
    required = ("created_at",)
    hidden_by_default = ("source", "sent_by")
    descending_first = frozenset({"created_at"})

    created_at = tables.Column(verbose_name=_("Created at"),
                               attrs={"td": {"class": "text-nowrap"}})  # fmt: skip
    client = tables.Column(verbose_name=_("Client"), empty_values=(), orderable=False)
    channel = tables.Column(verbose_name=_("Channel"), orderable=False)
    purpose = tables.Column(verbose_name=_("Purpose"), orderable=False)
    recipient = tables.Column(verbose_name=_("To"), orderable=False)
    body = tables.Column(verbose_name=_("Content"), orderable=False)
    status = tables.Column(verbose_name=_("Status"), orderable=False)
    source = tables.Column(verbose_name=_("Sent for"), accessor="source_kind", orderable=False)
    sent_by = tables.Column(verbose_name=_("Sent by"), accessor="created_by", orderable=False)

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"message-{record.pk}"}
        empty_text = _("No messages match.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = self.request.user

    def render_created_at(self, record):
        url = reverse("outreach:message-detail", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, local_minute(record.created_at))

    def render_client(self, record):
        return masking.display(self.viewer, "name", record.client.name)

    def render_channel(self, record):
        return record.get_channel_display()

    def render_purpose(self, record):
        return record.get_purpose_display()

    def render_recipient(self, record):
        return recipient_display(self.viewer, record)

    def render_body(self, record):
        text = record.subject or record.body
        return text if len(text) <= 40 else text[:40] + "…"

    def render_status(self, record):
        return status_badge(record)

    def render_source(self, record):
        return record.get_source_kind_display()

    def render_sent_by(self, record):
        return person_name(record.created_by) if record.created_by_id else "—"


class TemplateTable(Table):
    key = "message_templates"
    required = ("name",)

    # in words only: the code and the SMS provider's template code are the editor's
    # business (the form shows them), not the list's
    name = tables.Column(verbose_name=_("Name"), orderable=False)
    channel = tables.Column(verbose_name=_("Channel"), orderable=False)
    purpose = tables.Column(verbose_name=_("Purpose"), orderable=False)
    branch = tables.Column(verbose_name=_("Branch"), empty_values=(), orderable=False)
    active = tables.Column(verbose_name=_("In use"), orderable=False)
    updated_by = tables.Column(verbose_name=_("Changed by"), empty_values=(), orderable=False)
    updated_at = tables.Column(verbose_name=_("Changed at"), orderable=False,
                               attrs={"td": {"class": "text-nowrap"}})  # fmt: skip

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"template-{record.code}"}
        empty_text = _("No templates yet.")

    def render_name(self, record):
        url = reverse("outreach:template-edit", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, record.name)

    def render_channel(self, record):
        return record.get_channel_display()

    def render_purpose(self, record):
        return record.get_purpose_display()

    def render_branch(self, record):
        return record.branch.name if record.branch_id else _("Every branch")

    def render_active(self, record):
        return _("Yes") if record.active else _("No")

    def render_updated_by(self, record):
        """The editor's name and role (a login name is never shown)."""
        if record.updated_by_id is None:
            return "—"
        user = record.updated_by
        staff = getattr(user, "staff", None)
        # a person without a name on file is shown by their role, never by their login
        name = person_name(user) if (user.last_name or user.first_name).strip() else ""
        if staff is None:
            return name or "—"
        role = staff.get_role_display()
        return f"{name}（{role}）" if name else role

    def render_updated_at(self, value):
        return local_minute(value)
