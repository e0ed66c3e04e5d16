"""The visit lists as tables (crm.tables): visit plans, consultation sheets, events."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from clients import masking
from crm.models import person_name
from crm.tables import Table, local_minute
from crm.templatetags.crm_tags import due_badge

NOWRAP = {"td": {"class": "text-nowrap"}}


class ClientCellMixin:
    def client_link(self, client, url):
        name = masking.display(self.request.user, "name", client.name)  # type: ignore[attr-defined]
        return format_html('<a href="{}">{}</a>', url, name)


class VisitPlanTable(ClientCellMixin, Table):
    key = "visit_plans"
    required = ("planned_at",)
    hidden_by_default = ("place",)  # the list is latest first: a click on 计划时间 turns it

    planned_at = tables.Column(verbose_name=_("Planned for"), attrs=NOWRAP)
    client = tables.Column(verbose_name=_("Client"))
    kind = tables.Column(verbose_name=_("Type"))
    place = tables.Column(verbose_name=_("Place"))
    owner = tables.Column(verbose_name=_("Account manager"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"plan-{record.pk}"}
        empty_text = _("No visit plans.")

    def render_planned_at(self, record):
        return format_html(
            '<a href="{}">{}</a>', record.get_absolute_url(), local_minute(record.planned_at)
        )

    def render_client(self, record):
        return self.client_link(record.client, record.client.get_absolute_url())

    def render_kind(self, record):
        return record.get_kind_display()

    def render_place(self, value):
        return Truncator(value).chars(30)

    def render_owner(self, value):
        return person_name(value)

    def render_status(self, record):
        return record.get_status_display()


class ConsultationTable(ClientCellMixin, Table):
    key = "consultations"
    required = ("client",)
    descending_first = frozenset({"created_at"})

    client = tables.Column(verbose_name=_("Client"))
    advisor = tables.Column(verbose_name=_("Advisor"))
    question = tables.Column(verbose_name=_("Question"))
    due_at = tables.Column(verbose_name=_("Advice due"), attrs=NOWRAP)
    created_at = tables.Column(verbose_name=_("Created at"), attrs=NOWRAP)
    status = tables.Column(verbose_name=_("Status"))

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"sheet-{record.pk}"}
        empty_text = _("No consultation sheets.")

    def render_client(self, record):
        return self.client_link(record.client, record.get_absolute_url())

    def render_advisor(self, value):
        return person_name(value)

    def render_question(self, value):
        return Truncator(value).chars(50)

    def render_due_at(self, record):
        if record.status == "open":
            return due_badge(record.due_at)
        return local_minute(record.answered_at) if record.answered_at else "—"

    def render_created_at(self, value):
        return local_minute(value)

    def render_status(self, record):
        return record.get_status_display()


class EventTable(Table):
    key = "events"
    required = ("title",)  # latest first: a click on 开始时间 turns it

    starts_at = tables.Column(verbose_name=_("Starts at"), attrs=NOWRAP)
    title = tables.Column(verbose_name=_("Title"))
    kind = tables.Column(verbose_name=_("Type"))
    place = tables.Column(verbose_name=_("Place"))

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"event-{record.pk}"}
        empty_text = _("No events.")

    def render_starts_at(self, value):
        return local_minute(value)

    def render_title(self, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.title)

    def render_kind(self, record):
        return record.get_kind_display()

    def render_place(self, value):
        return Truncator(value).chars(30)


class AdvisedProductTable(ClientCellMixin, Table):
    """Advised products for inspection: recorded sales (双录), advice to re-check."""

    key = "advised_products"
    required = ("product",)
    descending_first = frozenset({"recorded_at", "recheck_flagged_at"})

    client = tables.Column(verbose_name=_("Client"), empty_values=(), orderable=False)
    product = tables.Column(verbose_name=_("Product"), empty_values=(), orderable=False)
    risk_level = tables.Column(verbose_name=_("Level at the advice"), orderable=False)
    recording_ref = tables.Column(verbose_name=_("Recording reference"), orderable=False)
    recorded_at = tables.Column(verbose_name=_("Recorded at"), attrs=NOWRAP)
    advisor = tables.Column(verbose_name=_("Advisor"), empty_values=(), orderable=False)
    sheet = tables.Column(verbose_name=_("Consultation sheet"), empty_values=(), orderable=False)

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"advised-{record.pk}"}
        empty_text = _("No recorded sale matches.")

    def render_client(self, record):
        client = record.consultation.client
        return self.client_link(client, client.get_absolute_url())

    def render_product(self, record):
        if record.product_id is None:
            return record.name
        return format_html('<a href="{}">{}</a> <span class="text-muted small">{}</span>',
                           record.product.get_absolute_url(), record.name,
                           record.product.code)  # fmt: skip

    def render_recorded_at(self, value):
        return local_minute(value)

    def render_advisor(self, record):
        return person_name(record.consultation.advisor)

    def render_sheet(self, record):
        sheet = record.consultation
        return format_html('<a href="{}">{}</a> · {}', sheet.get_absolute_url(),
                           local_minute(sheet.created_at), sheet.get_status_display())  # fmt: skip


class RecheckTable(AdvisedProductTable):
    key = "advice_recheck"
    required = ("product",)
    hidden_by_default = ("recording_ref", "recorded_at")

    recheck_level = tables.Column(verbose_name=_("New risk level"), orderable=False)
    recheck_reason = tables.Column(verbose_name=_("Why"), orderable=False)
    recheck_flagged_at = tables.Column(verbose_name=_("Flagged at"), attrs=NOWRAP)

    class Meta(AdvisedProductTable.Meta):
        empty_text = _("No open advice needs re-checking.")
        sequence = ("client", "product", "risk_level", "recheck_level", "recheck_reason",
                    "advisor", "sheet", "recheck_flagged_at", "...")  # fmt: skip

    def render_recheck_flagged_at(self, value):
        return local_minute(value)
