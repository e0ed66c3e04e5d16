"""Reads of service requests that need thought: the desk and the workbench queues."""

from __future__ import annotations

from urllib.parse import urlencode

from clients.selectors import tier_rank

from .models import OPEN_STATUSES, ServiceRequest

# the desk's default order: soonest answer deadline first, at equal deadlines the higher
# tier first (clients.selectors.tier_rank, HQ's order)
DESK_ORDER = ("due_at", "tier_rank", "id")


def desk(user):
    return (
        ServiceRequest.objects.visible_to(user)
        .select_related("client", "handler", "taken_by", "category", "subcategory")
        .alias(tier_rank=tier_rank())
    )


def _queue(user):
    return (
        ServiceRequest.objects.visible_to(user)
        .select_related("client", "category")
        .alias(tier_rank=tier_rank())
    )


def my_request_queue(user, now):
    """Open requests the user handles, soonest deadline first (overdue on top)."""
    return _queue(user).filter(handler=user, status__in=OPEN_STATUSES).order_by(*DESK_ORDER)


def my_request_query(user, today) -> str:
    return urlencode({"open": "true", "handler": user.username})


def overdue_request_queue(user, now):
    """The scope's open requests past their answer deadline (the desk's `overdue`)."""
    return _queue(user).filter(status__in=OPEN_STATUSES, due_at__lt=now).order_by(*DESK_ORDER)
