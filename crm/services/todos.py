"""To-dos: given by a manager or to oneself, due at a chosen time or by an SLA policy."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import SlaPolicy, Todo, staff_of
from ..notifications import notify
from ..sla import compute_deadline, get_policy
from .errors import TransitionNotAllowed

TODO_POLICY = "todo"


def todo_create(
    *,
    created_by,
    assignee,
    title: str,
    description: str = "",
    due_at: datetime | None = None,
    policy: SlaPolicy | None = None,
) -> Todo:
    """A to-do either has a due time chosen by a person or follows an SLA policy."""
    creator = staff_of(created_by)
    target = staff_of(assignee)
    if creator is None or target is None:
        raise ValidationError({"assignee": _("The assignee must be a member of staff.")})
    if (
        assignee != created_by
        and not creator.sees_all_branches
        and (not creator.is_manager or target.branch_id != creator.branch_id)
    ):
        raise PermissionDenied(_("Only a branch manager may assign to-dos to others."))
    if creator.is_read_only:
        raise PermissionDenied(_("Your role may not create to-dos."))
    now = timezone.now()
    if due_at is None and policy is None:
        policy = get_policy(TODO_POLICY)
    if policy is not None:
        due_at = compute_deadline(policy, now)
    assert due_at is not None  # for mypy: a policy's deadline, or the one chosen  # nosec B101
    todo = Todo(
        branch_id=target.branch_id,
        title=title,
        description=description,
        assignee=assignee,
        created_by=created_by,
        created_at=now,
        due_at=due_at,
        policy=policy,
    )
    todo.full_clean()
    todo.save()
    if assignee != created_by:
        notify(
            users=[assignee],
            title=_("New to-do: %(title)s") % {"title": title},
            url=todo.get_absolute_url(),
        )
    return todo


def _check_can_change(user, todo: Todo) -> None:
    staff = staff_of(user)
    if staff is None or staff.is_read_only:
        raise PermissionDenied(_("Your role may not change to-dos."))


def todo_update(*, user, todo: Todo, title: str, description: str, due_at: datetime) -> Todo:
    _check_can_change(user, todo)
    if todo.status != Todo.Status.OPEN:
        raise TransitionNotAllowed(_("Only open to-dos can be edited."))
    todo.title, todo.description, todo.due_at = title, description, due_at
    todo.policy = None  # a person chose the due time: it no longer follows a policy
    todo.full_clean()
    todo.save(update_fields=["title", "description", "due_at", "policy"])
    return todo


def todo_complete(*, user, todo: Todo) -> Todo:
    _check_can_change(user, todo)
    updated = Todo.objects.filter(pk=todo.pk, status=Todo.Status.OPEN).update(
        status=Todo.Status.DONE, done_at=timezone.now()
    )
    if not updated:
        raise TransitionNotAllowed(_("This to-do is not open any more."))
    todo.refresh_from_db()
    return todo


def todo_cancel(*, user, todo: Todo) -> Todo:
    _check_can_change(user, todo)
    updated = Todo.objects.filter(pk=todo.pk, status=Todo.Status.OPEN).update(
        status=Todo.Status.CANCELLED, done_at=timezone.now()
    )
    if not updated:
        raise TransitionNotAllowed(_("This to-do is not open any more."))
    todo.refresh_from_db()
    return todo
