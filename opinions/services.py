"""The opinion register's writes: recording an opinion (from any source, once) and the
workflow steps of opinions/workflow.py, `opinion_<step>`.

Other apps call `opinion_record` in the transaction of the step that heard the opinion
(a callback completed, a complaint reviewed, a service request closed): the opinion
exists exactly when that step was saved, and recording the same source twice is a no-op
(the unique key source kind + source id, `INSERT … ON CONFLICT DO NOTHING`).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from crm.models import Branch, staff_of
from crm.references import check_branch
from crm.services import notify

from .models import Opinion, OpinionCategory, SourceKind
from .workflow import OPINION_WORKFLOW, WORKER_ROLES

TEXT_LIMIT = 2000


def _category(value: str) -> str:
    return value if value in OpinionCategory.values else OpinionCategory.OTHER


def opinion_record(
    *,
    source_kind: str,
    source_id: int,
    source_url: str,
    branch: Branch | int,
    client: Client | None,
    category: str,
    text: str,
    received_at: datetime | None = None,
    user=None,
) -> Opinion | None:
    """Register the opinion heard at a source (idempotent: one source, one opinion).
    Empty text records nothing (None)."""
    text = (text or "").strip()[:TEXT_LIMIT]
    if not text:
        return None
    if source_kind not in SourceKind.values or source_kind == SourceKind.MANUAL:
        raise ValueError(f"unknown opinion source {source_kind!r}")
    branch_id: int = branch.pk if isinstance(branch, Branch) else int(branch)
    Opinion.objects.bulk_create(
        [Opinion(source_kind=source_kind, source_id=source_id, source_url=source_url[:200],
                 branch_id=branch_id, client=client, category=_category(category), text=text,
                 received_at=received_at or timezone.now(), recorded_by=user)],
        ignore_conflicts=True,
    )  # fmt: skip
    return Opinion.objects.get(source_kind=source_kind, source_id=source_id)


# --- Permissions ----------------------------------------------------------------------------
def can_record(user) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role in WORKER_ROLES


def opinion_create(*, user, data: dict) -> Opinion:
    """An opinion entered by hand (a letter, a visit, a conversation at the counter)."""
    staff = staff_of(user)
    if staff is None or staff.role not in WORKER_ROLES:
        raise PermissionDenied(_("Your role may not record client opinions."))
    errors: dict[str, list[str]] = {}
    client = data.get("client")
    if client is not None and not Client.objects.visible_to(user).filter(pk=client.pk).exists():
        errors["client"] = [_("No such client.")]
    category = data.get("category") or ""
    if category not in OpinionCategory.values:
        errors["category"] = [_("Choose the category.")]
    text = (data.get("text") or "").strip()
    if not text:
        errors["text"] = [_("Write the opinion.")]
    elif len(text) > TEXT_LIMIT:
        errors["text"] = [_("At most %(n)d characters.") % {"n": TEXT_LIMIT}]
    received_at = data.get("received_at") or timezone.now()
    if received_at > timezone.now():
        errors["received_at"] = [_("The time received cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    branch_id = client.branch_id if client is not None else staff.branch_id
    return Opinion.objects.create(
        branch_id=branch_id, client=client, source_kind=SourceKind.MANUAL, category=category,
        text=text, received_at=received_at, recorded_by=user,
    )  # fmt: skip


# --- Workflow steps -------------------------------------------------------------------------
def _step(*, user, opinion: Opinion, action: str, change) -> Opinion:
    """Check the role (403), lock the row, check the state (409), apply the step."""
    step = OPINION_WORKFLOW[action]
    staff = staff_of(user)
    roles = step.roles if step.roles is not None else OPINION_WORKFLOW.roles
    if staff is None or (roles is not None and staff.role not in roles):
        raise PermissionDenied(_("Your role may not take this step on client opinions."))
    with transaction.atomic():
        locked = Opinion.objects.select_for_update().get(pk=opinion.pk)
        OPINION_WORKFLOW.check(action, locked)
        if step.when is not None and not step.when(user, locked):
            raise PermissionDenied(_("Only the person it is routed to, or a manager, answers it."))
        change(locked, timezone.now())
        if step.target is not None:
            locked.status = step.target
        locked.save()
    return locked


def opinion_route(*, user, opinion: Opinion, department: str = "", routed_to=None,
                  note: str = "") -> Opinion:  # fmt: skip
    """To the responsible department and/or person (of the opinion's branch, or HQ)."""
    department = (department or "").strip()[:60]
    if not department and routed_to is None:
        raise ValidationError({"department": [_("Name the department or the person.")]})
    if routed_to is not None:
        staff = staff_of(routed_to)
        if staff is None or staff.role not in WORKER_ROLES:
            raise ValidationError({"routed_to": [_("This person cannot take opinions.")]})
        check_branch(opinion.branch_id, routed_to=routed_to)

    def change(o, now):
        o.department, o.routed_to, o.routed_at = department, routed_to, now
        if note:
            o.note = (note or "").strip()

    routed = _step(user=user, opinion=opinion, action="route", change=change)
    if routed_to is not None and routed_to != user:
        transaction.on_commit(lambda: notify(
            users=[routed_to], title=_("A client opinion is routed to you"),
            body=routed.text[:80], url=routed.get_absolute_url(), kind="opinion.routed",
        ))  # fmt: skip
    return routed


def opinion_answer(*, user, opinion: Opinion, answer: str) -> Opinion:
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": [_("Write the answer.")]})

    def change(o, now):
        o.answer, o.answered_by, o.answered_at = answer[:TEXT_LIMIT], user, now

    return _step(user=user, opinion=opinion, action="answer", change=change)


def opinion_close(*, user, opinion: Opinion, note: str = "") -> Opinion:
    def change(o, now):
        o.closed_at = now
        if note:
            o.note = note.strip()

    return _step(user=user, opinion=opinion, action="close", change=change)


def opinion_reopen(*, user, opinion: Opinion, reason: str) -> Opinion:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason.")]})

    def change(o, now):
        o.closed_at = None
        o.note = reason

    return _step(user=user, opinion=opinion, action="reopen", change=change)
