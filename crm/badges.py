"""Badges drawn in Python: lists show one per row, where a template include each would
cost more than the rest of the row."""

from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _


def sla_badge(due, done=None, met=None, now=None) -> str:
    """A clock's badge: met or breached once done; else overdue by, or the time left."""
    if not due:
        return "—"
    if done:
        if met:
            return format_html('<span class="badge text-bg-success">{}</span>', _("met"))
        return format_html('<span class="badge text-bg-danger">{}</span>', _("breached"))
    now = now or timezone.now()
    title = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
    if due < now:
        return format_html(
            '<span class="badge text-bg-danger sla-badge" title="{}">{} {}</span>',
            title, _("overdue"), timesince(due, now),
        )  # fmt: skip
    return format_html(
        '<span class="badge text-bg-warning sla-badge" title="{}">{}</span>',
        title, _("%(left)s left") % {"left": timeuntil(due, now)},
    )  # fmt: skip
