"""The article list as a table (crm.tables)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.models import person_name
from crm.tables import Table


class ArticleTable(Table):
    key = "knowledge"
    required = ("title",)
    descending_first = frozenset({"updated_at", "helpful_count"})

    title = tables.Column(verbose_name=_("Title"))
    kind = tables.Column(verbose_name=_("Kind"))
    category = tables.Column(verbose_name=_("Category"))
    source = tables.Column(verbose_name=_("Published by"), empty_values=())
    status = tables.Column(verbose_name=_("Status"))
    owner = tables.Column(verbose_name=_("Owner"))
    review_due = tables.Column(verbose_name=_("Review due"), attrs={"td": {"class": "text-nowrap"}})
    helpful_count = tables.Column(verbose_name=_("Helpful"))

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle mb-0 crm-table"}
        empty_text = _("No article matches.")

    def render_title(self, record):
        tags = " ".join(f"#{t}" for t in record.tags)
        return format_html('<a href="{}">{}</a> <span class="text-muted small">{}</span>',
                           record.get_absolute_url(), record.title, tags)  # fmt: skip

    def render_kind(self, record):
        return record.get_kind_display()

    def render_category(self, value):
        return value.name

    def render_source(self, record):
        return _("Headquarters") if record.branch_id is None else record.branch.name

    def render_status(self, record):
        return record.get_status_display()

    def render_owner(self, value):
        return person_name(value)

    def render_review_due(self, value):
        if value < timezone.localdate():
            return format_html('<span class="badge text-bg-danger">{} {}</span>', value,
                               _("overdue"))  # fmt: skip
        return str(value)
