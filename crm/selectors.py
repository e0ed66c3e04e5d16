"""Reads of the kernel that need thought."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from .models import Branch, Notification, Todo, staff_of


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


def todos_due_for(user, today: date) -> list[Todo]:
    """The user's open to-dos due today or overdue, soonest first (at most 10)."""
    return list(
        Todo.objects.open().filter(assignee=user, due_at__date__lte=today).order_by("due_at")[:10]
    )


def unread_count(user) -> int:
    return Notification.objects.visible_to(user).unread().count()
