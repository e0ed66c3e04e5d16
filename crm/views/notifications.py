"""The notification list, marking read, and the unread badge."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from .. import selectors
from ..filters import NotificationFilterSet
from ..models import Notification
from ..notifications import notification_mark_read
from ..redirects import next_url
from .base import StaffRequiredMixin, paginate


class NotificationListView(StaffRequiredMixin, View):
    def get(self, request):
        qs = Notification.objects.visible_to(request.user)
        filterset = NotificationFilterSet(request.GET, queryset=qs)
        page = paginate(request, filterset.qs)
        return render(request, "crm/notifications.html", {"page": page, "filter": filterset})


class NotificationReadView(StaffRequiredMixin, View):
    def post(self, request, pk=None):
        notification = None
        if pk is not None:  # someone else's notification: 404, as for any object
            notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
        notification_mark_read(user=request.user, notification_id=pk)
        if request.htmx:
            return render(
                request,
                "crm/partials/unread_badge.html",
                {"unread": selectors.unread_count(request.user), "oob": True},
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
