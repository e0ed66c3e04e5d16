"""The notification list (grouped), marking read one, a group or all, and the badge."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from .. import selectors, sla
from ..models import Notification
from ..notifications import notification_groups, notification_mark_read, notifications_in_group
from ..redirects import next_url
from .base import StaffRequiredMixin, paginate

GROUPS_PER_PAGE = 20
ITEMS_PER_PAGE = 20


def _stage_label(stage: str) -> str:
    return {
        "warning": _("due soon"),
        "breach": _("overdue"),
    }.get(stage, _("overdue, escalated"))


def group_title(row: dict, policy_names: dict[str, str]) -> str:
    """One line for a group: "37 × overdue, escalated: risk reassessment" for reminders of
    one clock, the title itself for a single notification, "3 × <title>" otherwise."""
    kind, n = row["kind"] or "", row["n"]
    if n == 1:
        return row["title"]
    if ":" in kind:
        clock, stage = kind.rsplit(":", 1)
        what = policy_names.get(clock)
        if what:
            return _("%(n)s × %(stage)s: %(what)s") % {
                "n": n, "stage": _stage_label(stage), "what": what,
            }  # fmt: skip
    return _("%(n)s × %(title)s") % {"n": n, "title": row["title"]}


def _policy_names() -> dict[str, str]:
    """Clock name -> the declared name of its policy (no query: the declared defaults)."""
    return {
        c.name: sla.DEFAULT_POLICIES.get(c.policy_code, {}).get("name", "")
        for c in sla.registered_clocks()
    }


class NotificationListView(StaffRequiredMixin, View):
    """Unread notifications grouped by kind, newest group first (`?state=all`: the read
    ones too); `?group=<key>` lists one group's notifications (an HTMX partial)."""

    def get(self, request):
        unread_only = request.GET.get("state") != "all"
        group = request.GET.get("group")
        if group is not None:
            items = paginate(
                request, notifications_in_group(request.user, group[:200], unread_only=unread_only),
                ITEMS_PER_PAGE,
            )  # fmt: skip
            context = {"items": items, "group": group, "unread_only": unread_only}
            if request.htmx:
                return render(request, "crm/partials/notification_group.html", context)
            return render(request, "crm/notifications.html", {**context, "expanded": True})
        page = paginate(request, notification_groups(request.user, unread_only=unread_only),
                        GROUPS_PER_PAGE)  # fmt: skip
        names = _policy_names()
        for row in page.object_list:
            row["summary"] = group_title(row, names)
        return render(request, "crm/notifications.html", {"page": page, "unread_only": unread_only})


class NotificationReadView(StaffRequiredMixin, View):
    """POST: one notification read (its id in the URL), one group (`group`) or all."""

    def post(self, request, pk=None):
        notification = None
        if pk is not None:  # someone else's notification: 404, as for any object
            notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
        group = request.POST.get("group") if pk is None else None
        group = group[:200] if group else None
        notification_mark_read(user=request.user, notification_id=pk, group=group)
        if request.htmx:
            return render(
                request,
                "crm/partials/notifications_read.html",
                {
                    "unread": selectors.unread_count(request.user),
                    "oob": True,
                    "all_read": pk is None and group is None,
                },
            )
        default = (notification.url if notification else "") or "crm:notifications"
        return redirect(next_url(request, default))


class UnreadBadgeView(StaffRequiredMixin, View):
    def get(self, request):
        return render(
            request,
            "crm/partials/unread_badge.html",
            {"unread": selectors.unread_count(request.user)},
        )
