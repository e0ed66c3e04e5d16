"""Every write of the kernel that carries a business rule."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .auth import client_ip
from .jobs import enqueue_on_commit
from .models import (
    EXPORT_APPROVER_ROLES,
    AccessLog,
    Branch,
    ExportRequest,
    Holiday,
    IntegrationToken,
    Notification,
    Role,
    SlaPolicy,
    StaffProfile,
    Todo,
    staff_of,
)
from .notifications import (  # noqa: F401 (re-exported: services.notify and the rest)
    notification_mark_read,
    notifications_deliver,
    notify,
    send_sms,
)
from .sla import compute_deadline, get_policy

User = get_user_model()


class TransitionNotAllowed(Exception):
    """A step that the object's current state does not allow (HTTP 409)."""


class ConcurrentUpdate(TransitionNotAllowed):
    """Someone else saved the record since the caller read it: a stale `version` (HTTP 412).

    A kind of TransitionNotAllowed, so that a page that shows a refused step also shows
    this one; the API tells them apart (412 here, 409 for a step the state forbids)."""


def check_version(locked, version, message: str) -> None:
    """Refuse a stale version; `locked` is the row read with select_for_update, so that no
    other save can slip in between this check and the caller's save."""
    if version is not None and int(version) != locked.version:
        raise ConcurrentUpdate(message)


# --- Staff ------------------------------------------------------------------------
def staff_assign(*, user, branch: Branch, role: str, team: str = "") -> StaffProfile:
    """Give a user a branch and a role; the Django group of the role follows."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    with transaction.atomic():
        profile, _created = StaffProfile.objects.update_or_create(
            user=user, defaults={"branch": branch, "role": role, "team": team}
        )
        role_groups = Group.objects.filter(name__in=Role.values)
        user.groups.remove(*role_groups)
        group, _created = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    return profile


# --- Access log -------------------------------------------------------------------
def access_log_record(
    *, user, obj, field: str, request=None, action=AccessLog.Action.REVEAL, object_repr=None
):
    """One line of the access log. `obj` None: a list export, logged in the user's branch."""
    from django.contrib.contenttypes.models import ContentType

    if obj is not None:
        branch_id = getattr(obj, "branch_id", None)
    else:
        staff = staff_of(user)
        branch_id = staff.branch_id if staff is not None else None
    return AccessLog.objects.create(
        user=user,
        branch_id=branch_id,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=obj.pk if obj is not None else None,
        object_repr=(str(obj) if object_repr is None else object_repr)[:200],
        field=field,
        # the login lockout's rule: only the trusted proxies' X-Forwarded-For entry counts
        ip_address=(client_ip(request) or None) if request is not None else None,
        path=request.get_full_path()[:300] if request is not None else "",
    )


def access_log_export_record(*, user, fmt: str, filters: str, request=None) -> AccessLog:
    """Exporting the access log is itself written to it."""
    return access_log_record(
        user=user, obj=None, field="access_log", request=request,
        action=AccessLog.Action.EXPORT,
        object_repr=_("Access log (%(fmt)s) %(filters)s") % {"fmt": fmt, "filters": filters},
    )  # fmt: skip


# --- Working-day calendar ---------------------------------------------------------
_LINE = re.compile(
    r"^\s*(?P<start>\d{4}-\d{2}-\d{2})\s*(?:[~至]\s*(?P<end>\d{4}-\d{2}-\d{2}))?\s+"
    r"(?P<kind>holiday|workday|休|班|假|上班)\s*(?P<name>.*)$"
)
_KIND_WORDS = {
    "holiday": Holiday.Kind.HOLIDAY,
    "休": Holiday.Kind.HOLIDAY,
    "假": Holiday.Kind.HOLIDAY,
    "workday": Holiday.Kind.WORKDAY,
    "班": Holiday.Kind.WORKDAY,
    "上班": Holiday.Kind.WORKDAY,
}


@dataclass
class ScheduleLine:
    day: date
    kind: str
    name: str


def parse_schedule(text: str) -> list[ScheduleLine]:
    """Parse an official schedule typed by an administrator, one line per day or range:

    2027-01-01 holiday 元旦
    2027-02-06~2027-02-14 休 春节
    2027-02-15 班 春节调休
    """
    lines: list[ScheduleLine] = []
    errors = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.strip().startswith("#"):
            continue
        match = _LINE.match(raw)
        if not match:
            errors.append(
                _("Line %(n)d is not 'date[~date] holiday|workday name'.") % {"n": number}
            )
            continue
        try:
            start = date.fromisoformat(match["start"])
            end = date.fromisoformat(match["end"]) if match["end"] else start
        except ValueError:
            errors.append(_("Line %(n)d has a date that does not exist.") % {"n": number})
            continue
        if end < start or (end - start).days > 31:
            errors.append(
                _("Line %(n)d has a range that is reversed or longer than 31 days.") % {"n": number}
            )
            continue
        for i in range((end - start).days + 1):
            lines.append(
                ScheduleLine(start + timedelta(i), _KIND_WORDS[match["kind"]], match["name"][:50])
            )
    if errors:
        raise ValidationError({"schedule": errors})
    if not lines:
        raise ValidationError({"schedule": [_("Enter at least one day.")]})
    return lines


def holidays_enter_schedule(*, year: int, text: str, replace: bool = True) -> int:
    """Store a year's official schedule; open deadlines are recomputed after commit."""
    lines = parse_schedule(text)
    wrong_year = sorted({str(line.day) for line in lines if line.day.year != year})
    if wrong_year:
        raise ValidationError(
            {
                "schedule": [
                    _("These days are not in %(year)d: %(days)s")
                    % {"year": year, "days": ", ".join(wrong_year[:5])}
                ]
            }
        )
    with transaction.atomic():
        if replace:
            Holiday.objects.filter(date__year=year).delete()
        for line in lines:
            Holiday.objects.update_or_create(
                date=line.day, defaults={"kind": line.kind, "name": line.name}
            )
        calendar_changed()
    return len(lines)


def calendar_changed() -> None:
    """Called after any change of the Holiday table (also from the admin, via signals)."""
    from .workdays import invalidate_calendar

    invalidate_calendar()
    enqueue_on_commit("crm.tasks.sla_recompute_deadlines")


# --- To-dos -----------------------------------------------------------------------
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


# --- Integration tokens -----------------------------------------------------------
TOKEN_MAX_DAYS = 3650


def token_lifetime_message() -> str:
    return _("A token lives 1 to %(max)d days.") % {"max": TOKEN_MAX_DAYS}


def token_expiry_check(expires_at: datetime) -> None:
    """An expiry given by hand: in the future and within TOKEN_MAX_DAYS."""
    now = timezone.now()
    if not now < expires_at <= now + timedelta(days=TOKEN_MAX_DAYS):
        raise ValidationError({"expires_at": token_lifetime_message()})


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def integration_token_issue(
    *, name: str, user, days: int | None = None, expires_at: datetime | None = None
) -> tuple[IntegrationToken, str]:
    """Issue a token; the key is returned once and only its digest is stored. A lifetime
    is 1 to TOKEN_MAX_DAYS days; none given: `CRM_API_TOKEN_DAYS`."""
    if staff_of(user) is None:
        raise ValidationError({"user": _("The service account needs a staff profile.")})
    if days is not None and not 1 <= days <= TOKEN_MAX_DAYS:
        raise ValidationError({"days": token_lifetime_message()})
    if expires_at is not None:
        token_expiry_check(expires_at)
    key = secrets.token_urlsafe(32)
    token = IntegrationToken.objects.create(
        name=name,
        user=user,
        prefix=key[:8],
        key_digest=token_digest(key),
        expires_at=expires_at
        or timezone.now() + timedelta(days=settings.CRM_API_TOKEN_DAYS if days is None else days),
    )
    return token, key


def integration_token_revoke(*, token: IntegrationToken) -> None:
    IntegrationToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- Morning agenda ---------------------------------------------------------------
def morning_agenda_send(today: date | None = None) -> int:
    """One notification per member of staff with what is due today or overdue.

    Each workbench section counts for all users in one grouped query; the reminder key
    (user, day) makes a second run that morning send nothing.
    """
    from collections import defaultdict
    from datetime import time

    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    from .sla import claim_reminders
    from .workbench import all_sections
    from .workdays import SHANGHAI

    today = today or timezone.localdate()
    lines: dict[int, list[str]] = defaultdict(list)
    for section in all_sections():
        if section.agenda_counts is None:
            continue
        for user_id, count in section.agenda_counts(today).items():
            if count:
                lines[user_id].append(f"{section.title}: {count}")
    if not lines:
        return 0
    content_type_id = ContentType.objects.get_for_model(User).pk
    moment = datetime.combine(today, time(8, 0), tzinfo=SHANGHAI)
    keys = [(content_type_id, uid, "agenda", "morning", moment) for uid in sorted(lines)]
    with transaction.atomic():
        sent = claim_reminders(keys)
        url = reverse("crm:workbench")
        notifications_deliver(
            [
                Notification(
                    recipient_id=uid,
                    title=_("Your agenda for %(day)s") % {"day": today.isoformat()},
                    body="\n".join(lines[uid]),
                    url=url,
                )
                for uid, _kind, _deadline in sorted(sent)
            ]
        )
    return len(sent)


# --- Unmasked exports, after approval ------------------------------------------------
def export_request_approvers(export_request: ExportRequest):
    """Who may decide: the branch's managers and compliance, and HQ; never the requester.
    Notified are the branch's (HQ staff only for requests made at headquarters)."""
    staff = StaffProfile.objects.filter(user__is_active=True).exclude(
        user_id=export_request.requested_by_id
    )
    if export_request.branch.kind == Branch.Kind.HEADQUARTERS:
        staff = staff.filter(role=Role.HQ)
    else:
        staff = staff.filter(branch_id=export_request.branch_id, role__in=EXPORT_APPROVER_ROLES)
    return User.objects.filter(pk__in=staff.values("user_id"))


def export_request_can_decide(user, export_request: ExportRequest) -> bool:
    staff = staff_of(user)
    if staff is None or user.pk == export_request.requested_by_id:
        return False
    if staff.role == Role.HQ:
        return True
    return staff.role in EXPORT_APPROVER_ROLES and staff.branch_id == export_request.branch_id


def export_request_create(*, user, kind: str, params: dict, reason: str, request=None):
    """Ask for an export without masking; the approvers are notified."""
    from .exports import export_kind

    export = export_kind(kind)
    staff = staff_of(user)
    if export is None:
        raise ValidationError({"kind": [_("Unknown export.")]})
    if staff is None or staff.role not in export.roles:
        raise PermissionDenied(_("Your role may not request this export unmasked."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [_("Say why you need the data unmasked.")]})
    params = {k: v for k, v in (params or {}).items() if k not in ("page", "export")}
    with transaction.atomic():
        export_request = ExportRequest.objects.create(
            kind=kind, params=params, reason=reason[:2000], branch_id=staff.branch_id,
            requested_by=user,
        )  # fmt: skip
        access_log_record(
            user=user, obj=export_request, field=kind, request=request,
            action=AccessLog.Action.REQUEST,
        )  # fmt: skip
        notify(
            users=export_request_approvers(export_request),
            title=_("Unmasked export to approve: %(label)s, requested by %(name)s")
            % {"label": export.label, "name": staff.display_name},
            body=reason[:500],
            url=export_request.get_absolute_url(),
            level=Notification.Level.WARNING,
        )
    return export_request


def export_request_decide(
    *, user, export_request: ExportRequest, approve: bool, note: str = "", request=None
) -> ExportRequest:
    """Approve (downloadable once within CRM_UNMASKED_EXPORT_HOURS) or reject with a note."""
    if not export_request_can_decide(user, export_request):
        raise PermissionDenied(
            _("Only a branch manager or compliance, not the requester, decides.")
        )
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": [_("Say why the request is rejected.")]})
    now = timezone.now()
    status = ExportRequest.Status.APPROVED if approve else ExportRequest.Status.REJECTED
    hours = settings.CRM_UNMASKED_EXPORT_HOURS
    with transaction.atomic():
        decided = ExportRequest.objects.filter(
            pk=export_request.pk, status=ExportRequest.Status.PENDING
        ).update(
            status=status, decided_by=user, decided_at=now, decision_note=note[:2000],
            expires_at=now + timedelta(hours=hours) if approve else None,
        )  # fmt: skip
        if not decided:
            raise TransitionNotAllowed(_("This request has been decided already."))
        export_request.refresh_from_db()
        access_log_record(
            user=user, obj=export_request, field=export_request.kind, request=request,
            action=AccessLog.Action.APPROVE if approve else AccessLog.Action.REJECT,
        )  # fmt: skip
        title = (
            _("Your unmasked export was approved: download it within %(hours)d hours, once.")
            % {"hours": hours}
            if approve
            else _("Your unmasked export was rejected.")
        )
        notify(
            users=[export_request.requested_by], title=title, body=note[:500],
            url=export_request.get_absolute_url(),
        )  # fmt: skip
    return export_request


def export_request_download(*, user, export_request: ExportRequest, request=None):
    """Claim the one download of an approved request (one atomic update: a second click,
    a second tab or a late one is refused) and log it; the caller builds the file."""
    if user.pk != export_request.requested_by_id:
        raise PermissionDenied(_("Only the requester may download this export."))
    now = timezone.now()
    with transaction.atomic():
        claimed = ExportRequest.objects.filter(
            pk=export_request.pk, status=ExportRequest.Status.APPROVED, expires_at__gt=now
        ).update(status=ExportRequest.Status.DOWNLOADED, downloaded_at=now)
        if not claimed:
            raise TransitionNotAllowed(
                _("This export is not available: not approved, downloaded already or expired.")
            )
        export_request.refresh_from_db()
        access_log_record(
            user=user, obj=export_request, field=export_request.kind, request=request,
            action=AccessLog.Action.EXPORT,
        )  # fmt: skip
    return export_request
