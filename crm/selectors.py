"""Reads of the kernel that need thought."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils import timezone

from .filters import start_of_day
from .models import AccessLog, Branch, ExportRequest, Notification, Todo, staff_of


@dataclass(frozen=True)
class BranchScope:
    """The branches a dashboard or report covers: None means every branch."""

    branch_ids: tuple[int, ...] | None

    @classmethod
    def for_user(cls, user, branch_id: int | None = None) -> BranchScope:
        staff = staff_of(user)
        if staff is None:
            return cls(branch_ids=())
        if staff.sees_all_branches:
            return cls(branch_ids=(branch_id,) if branch_id else None)
        return cls(branch_ids=(staff.branch_id,))

    def apply(self, qs: QuerySet, field: str = "branch_id") -> QuerySet:
        if self.branch_ids is None:
            return qs
        return qs.filter(**{f"{field}__in": self.branch_ids})

    def branches(self) -> QuerySet:
        return self.apply(Branch.objects.all(), "pk")


def unread_count(user) -> int:
    return Notification.objects.visible_to(user).unread().count()


# --- the kernel's workbench queues: (user, now) -> the queue, ordered; the workbench lists
# its first rows and counts it, and its link opens the list with the same filter.


def todo_queue(user, now) -> QuerySet:
    """The user's open to-dos due by the end of today, soonest first."""
    end_of_today = start_of_day(timezone.localdate(now) + timedelta(days=1))
    return (
        Todo.objects.open().filter(assignee=user, due_at__lt=end_of_today).order_by("due_at", "id")
    )


def todo_queue_query(user, today: date) -> str:
    end = (start_of_day(today + timedelta(days=1)) - timedelta(seconds=1)).isoformat()
    return urlencode({"status": Todo.Status.OPEN, "assignee": user.username, "due_before": end})


def export_decision_queue(user, now) -> QuerySet:
    """Unmasked exports waiting for this user's decision (never their own), oldest first."""
    return (
        ExportRequest.objects.visible_to(user)
        .filter(status=ExportRequest.Status.PENDING)
        .exclude(requested_by=user)
        .select_related("requested_by")
        .order_by("requested_at", "id")
    )


REVIEW_DAYS = 7  # compliance reads the unmasked views of the last week


def reveal_review_queue(user, now) -> QuerySet:
    """Masked values revealed in the last week, for compliance to read, newest first."""
    since = start_of_day(timezone.localdate(now) - timedelta(days=REVIEW_DAYS - 1))
    return (
        AccessLog.objects.visible_to(user)
        .filter(action=AccessLog.Action.REVEAL, occurred_at__gte=since)
        .select_related("user")
        .order_by("-occurred_at", "-id")
    )


def reveal_review_query(user, today: date) -> str:
    since = today - timedelta(days=REVIEW_DAYS - 1)
    return urlencode({"action": AccessLog.Action.REVEAL, "since": since.isoformat()})
