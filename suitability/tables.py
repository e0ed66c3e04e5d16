"""The classification list and the AML rating list as tables (crm.tables)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clients import masking
from crm.models import person_name
from crm.tables import Table, local_minute

RATING_TONE = {"low": "success", "medium": "info", "higher": "warning", "high": "danger"}
STATUS_TONE = {"requested": "warning", "approved": "success", "rejected": "secondary",
               "expired": "danger", "superseded": "light"}  # fmt: skip


def day_badge(value, today):
    if value is None:
        return "—"
    text = value.strftime("%Y-%m-%d")
    if value < today:
        return format_html('<span class="badge text-bg-danger">{} {}</span>', _("Overdue"), text)
    return text


class ProTable(Table):
    key = "pro_classifications"
    required = ("reference",)
    hidden_by_default = ("branch",)
    descending_first = frozenset({"requested_at"})

    reference = tables.Column(verbose_name=_("Classification"), accessor="pk", orderable=False)
    requested_at = tables.Column(verbose_name=_("Requested at"),
                                 attrs={"td": {"class": "text-nowrap"}})  # fmt: skip
    client = tables.Column(verbose_name=_("Client"), empty_values=(), orderable=False)
    kind = tables.Column(verbose_name=_("Kind of request"), orderable=False)
    requested_by = tables.Column(verbose_name=_("Requested by"), empty_values=(),
                                 orderable=False)  # fmt: skip
    branch = tables.Column(verbose_name=_("Branch"), accessor="branch__name", orderable=False)
    status = tables.Column(verbose_name=_("Status"), orderable=False)
    review_due_on = tables.Column(verbose_name=_("Review due on"), empty_values=())

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"pro-{record.pk}"}
        empty_text = _("No classification matches.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = self.request.user
        self.today = timezone.localdate()

    def render_reference(self, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.reference)

    def render_requested_at(self, value):
        return local_minute(value)

    def render_client(self, record):
        return masking.display(self.viewer, "name", record.client.name)

    def render_kind(self, record):
        return record.get_kind_display()

    def render_requested_by(self, record):
        return person_name(record.requested_by)

    def render_status(self, record):
        return format_html('<span class="badge text-bg-{}">{}</span>',
                           STATUS_TONE.get(record.status, "secondary"),
                           record.get_status_display())  # fmt: skip

    def render_review_due_on(self, record):
        if record.status != "approved":
            return "—"
        return day_badge(record.review_due_on, self.today)


class AmlTable(Table):
    key = "aml_ratings"
    required = ("client",)
    hidden_by_default = ("branch", "id_expires_on")

    client = tables.Column(verbose_name=_("Client"), empty_values=(), orderable=False)
    client_no = tables.Column(verbose_name=_("Client number"), accessor="client__client_no",
                              orderable=False)  # fmt: skip
    branch = tables.Column(verbose_name=_("Branch"), accessor="branch__name", orderable=False)
    rating = tables.Column(verbose_name=_("AML risk rating"), orderable=False)
    score = tables.Column(verbose_name=_("Score"))
    reverify_due_on = tables.Column(verbose_name=_("Re-verification due"), empty_values=())
    id_expires_on = tables.Column(verbose_name=_("ID document expires"), empty_values=(),
                                  orderable=False)  # fmt: skip

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"aml-{record.pk}"}
        empty_text = _("No AML rating matches.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = self.request.user
        self.today = timezone.localdate()

    def render_client(self, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(),
                           masking.display(self.viewer, "name", record.client.name))  # fmt: skip

    def render_rating(self, record):
        hand = format_html(' <span class="small text-muted">{}</span>', _("(set by hand)")) \
            if record.override_rating else ""  # fmt: skip
        return format_html('<span class="badge text-bg-{}">{}</span>{}',
                           RATING_TONE.get(record.rating, "secondary"),
                           record.get_rating_display(), hand)  # fmt: skip

    def render_reverify_due_on(self, record):
        return day_badge(record.reverify_due_on, self.today)

    def render_id_expires_on(self, record):
        return day_badge(record.id_expires_on, self.today)
