"""The catalogue as a table (crm.tables)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.tables import Table, local_minute

LEVEL_TONE = {"R1": "success", "R2": "info", "R3": "primary", "R4": "warning", "R5": "danger"}


def level_badge(level: str):
    return format_html('<span class="badge text-bg-{}">{}</span>',
                       LEVEL_TONE.get(level, "secondary"), level)  # fmt: skip


class ProductTable(Table):
    key = "products"
    required = ("name",)
    hidden_by_default = ("updated_at",)
    descending_first = frozenset({"updated_at"})

    code = tables.Column(verbose_name=_("Product code"))
    name = tables.Column(verbose_name=_("Product name"))
    product_type = tables.Column(verbose_name=_("Product type"), orderable=False)
    issuer = tables.Column(verbose_name=_("Issuer"), orderable=False)
    risk_level = tables.Column(verbose_name=_("Risk level"))
    status = tables.Column(verbose_name=_("Status"), orderable=False)
    starts_on = tables.Column(verbose_name=_("On sale from"))
    ends_on = tables.Column(verbose_name=_("On sale until"), orderable=False)
    updated_at = tables.Column(verbose_name=_("Updated at"))

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"product-{record.pk}"}
        empty_text = _("No product matches.")

    def render_name(self, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.name)

    def render_product_type(self, record):
        return record.get_product_type_display()

    def render_risk_level(self, value):
        return level_badge(value)

    def render_status(self, record):
        tone = "success" if record.status == "on_sale" else "secondary"
        return format_html('<span class="badge text-bg-{}">{}</span>', tone,
                           record.get_status_display())  # fmt: skip

    def render_updated_at(self, value):
        return local_minute(value)
