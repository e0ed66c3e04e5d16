"""The SLA clock shared by every time limit in the product.

A *policy* (SlaPolicy) says the target and whom to warn and escalate to. A *clock* is
registered by an app for one deadline field of one model (`register_clock`); the
deadline is stored on the object when it is created, so lists sort and filter on it with
an index. `scan()` finds what is near or past its deadline with one indexed query per
clock and sends each reminder exactly once: the Reminder table's unique key
(object, clock, kind, deadline) is claimed with INSERT ... ON CONFLICT DO NOTHING, so a
second or concurrent scan sends nothing twice and a missed run is caught up by the next.
A recomputed deadline is a new key, so its reminders go out again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .bounds import skip_out_of_range
from .models import Notification, Reminder, Role, SlaPolicy, StaffProfile
from .notifications import notifications_deliver
from .workdays import SHANGHAI, WorkCalendar, get_calendar

logger = logging.getLogger(__name__)


def compute_deadline(
    policy: SlaPolicy, start: datetime, calendar: WorkCalendar | None = None
) -> datetime:
    calendar = calendar or get_calendar()
    if policy.target_unit == SlaPolicy.Unit.OFFICE_MINUTES:
        return calendar.add_office_minutes(start, policy.target_value)
    if policy.target_unit == SlaPolicy.Unit.HOURS:
        return start + timedelta(hours=policy.target_value)
    if policy.target_unit == SlaPolicy.Unit.DAYS:
        return start + timedelta(days=policy.target_value)
    return calendar.add_workdays_to_moment(start, policy.target_value)


# Each app declares the defaults of its policies here (DOMAIN.md's numbers); an
# administrator edits them afterwards in the admin. A missing policy is created from them.
DEFAULT_POLICIES: dict[str, dict] = {}


def declare_policy(code: str, **defaults) -> None:
    DEFAULT_POLICIES[code] = defaults


def get_policy(code: str) -> SlaPolicy:
    policy = SlaPolicy.objects.filter(code=code).first()
    if policy is None:
        policy, _created = SlaPolicy.objects.get_or_create(
            code=code, defaults=DEFAULT_POLICIES[code]
        )
    return policy


@dataclass(frozen=True)
class Clock:
    """One deadline field of one model, watched by the scan."""

    name: str
    model: type[models.Model]
    due_field: str
    policy_code: str
    open_filter: models.Q
    # user ids to warn and notify at breach, per object id
    recipients: Callable[[list[models.Model]], dict[int, set[int]]]
    describe: Callable[[models.Model], str]
    url: Callable[[models.Model], str]
    branch_field: str = "branch_id"
    # per-object policy (a ForeignKey to SlaPolicy) overriding policy_code, if the model has one
    policy_field: str | None = None
    # or a function choosing the policy of an object from {code: policy}, reading only
    # `policy_fields` of the object
    policy_for: Callable[[models.Model, dict], SlaPolicy | None] | None = None
    policy_fields: tuple[str, ...] = ()
    # the moment the clock started, for recomputing deadlines after a calendar change
    start_field: str | None = None
    # or a function that recomputes the deadlines of the given open objects itself
    recompute: Callable[[WorkCalendar], int] | None = None
    select_related: tuple[str, ...] = ()


_clocks: dict[str, Clock] = {}


def register_clock(clock: Clock) -> None:
    _clocks[clock.name] = clock


def registered_clocks() -> list[Clock]:
    return list(_clocks.values())


def _escalation_targets(branch_ids: Iterable[int], roles: Iterable[str]) -> dict:
    """{(branch_id, role): {user ids}}; HQ staff are found whatever their branch."""
    roles = set(roles)
    if not roles:
        return {}
    targets: dict = defaultdict(set)
    profiles = StaffProfile.objects.filter(role__in=roles, user__is_active=True).filter(
        models.Q(branch_id__in=set(branch_ids)) | models.Q(role=Role.HQ)
    )
    for user_id, branch_id, role in profiles.values_list("user_id", "branch_id", "role"):
        key = (None, role) if role == Role.HQ else (branch_id, role)
        targets[key].add(user_id)
    return targets


def claim_reminders(keys: list[tuple]) -> set[tuple]:
    """Insert reminder keys (content_type_id, object_id, clock, kind, deadline); return the
    (object_id, kind, deadline) of those this call inserted, i.e. not sent before."""
    claimed: set = set()
    now = timezone.now()
    for start in range(0, len(keys), 5000):
        rows = [(*key, now) for key in keys[start : start + 5000]]
        placeholders = ",".join(["(%s,%s,%s,%s,%s,%s)"] * len(rows))
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO crm_reminder (content_type_id, object_id, clock, kind, deadline, "
                f"created_at) VALUES {placeholders} ON CONFLICT DO NOTHING "
                "RETURNING object_id, kind, deadline",
                [v for row in rows for v in row],
            )
            claimed.update(cur.fetchall())
    return claimed


def _due_kinds(policy: SlaPolicy, deadline: datetime, now: datetime):
    """(kind, escalation role or None) of every reminder due at `now` for one deadline."""
    if deadline > now:
        if deadline - timedelta(minutes=policy.warn_before_minutes) <= now:
            yield "warning", None
        return
    yield "breach", None
    for level, role in enumerate(policy.escalation_roles, start=1):
        if now < deadline + timedelta(minutes=policy.escalation_interval_minutes * (level - 1)):
            return
        yield f"escalation-{level}", role


def _scan_clock(clock: Clock, policies: dict[str, SlaPolicy], now: datetime) -> int:
    """Two cheap reads find what is missing; only those objects are loaded in full.

    1. the open objects near or past their deadline, with just the fields the policy needs;
    2. the reminders already sent for them; the difference is what to send now.
    """
    default = policies.get(clock.policy_code)
    if default is None:
        return 0
    widest_warning = max(p.warn_before_minutes for p in policies.values())
    horizon = now + timedelta(minutes=widest_warning)
    is_date = _is_date_field(clock)
    limit = timezone.localtime(horizon, SHANGHAI).date() if is_date else horizon
    content_type_id = ContentType.objects.get_for_model(clock.model).pk
    fields = {"pk", clock.due_field, clock.branch_field, *clock.policy_fields}
    if clock.policy_field:
        fields.add(f"{clock.policy_field}_id")
    qs = (
        clock.model._default_manager.filter(clock.open_filter)
        .filter(**{f"{clock.due_field}__lte": limit})
        .order_by()
    )
    # a deadline stored before the years were bounded is left out (and logged), not sent
    qs = skip_out_of_range(qs, clock.due_field, job=f"sla scan {clock.name}")
    # Leave out, in SQL, what needs nothing more: past the last escalation level, or
    # warned and not yet due. A clock whose objects all follow its own policy ends at
    # that policy's last level; one that picks a policy per object, at the longest chain
    # (objects whose policy has a shorter chain are then still read).
    if clock.policy_field or clock.policy_for is not None:
        last_level = max(len(p.escalation_roles) for p in policies.values())
    else:
        last_level = len(default.escalation_roles)
    last_kind = f"escalation-{last_level}" if last_level else "breach"
    deadline_sql: models.Expression | models.F
    if is_date:
        deadline_sql = models.Func(
            models.F(clock.due_field),
            template="(%(expressions)s::timestamp AT TIME ZONE 'Asia/Shanghai')",
            output_field=models.DateTimeField(),
        )
    else:
        deadline_sql = models.F(clock.due_field)
    sent = Reminder.objects.filter(
        content_type_id=content_type_id, clock=clock.name, object_id=models.OuterRef("pk"),
        deadline=models.OuterRef("_deadline"),
    )  # fmt: skip
    qs = (
        qs.annotate(_deadline=deadline_sql)
        .exclude(models.Exists(sent.filter(kind=last_kind)))
        .exclude(Q(**{f"{clock.due_field}__gt": timezone.localtime(now, SHANGHAI).date()
                      if is_date else now})
                 & models.Exists(sent.filter(kind="warning")))
    )  # fmt: skip
    candidates = list(qs.only(*fields))
    if not candidates:
        return 0
    by_id = {p.pk: p for p in policies.values()}
    wanted: list[tuple[int, str, datetime, str | None, int]] = []
    for obj in candidates:
        policy = default
        if clock.policy_field:
            policy = by_id.get(getattr(obj, f"{clock.policy_field}_id"), default)
        elif clock.policy_for is not None:
            policy = clock.policy_for(obj, policies) or default
        deadline = getattr(obj, clock.due_field)
        if is_date:  # a due date means the start of that day, Shanghai time
            deadline = datetime.combine(deadline, time.min, tzinfo=SHANGHAI)
        for kind, role in _due_kinds(policy, deadline, now):
            wanted.append((obj.pk, kind, deadline, role, getattr(obj, clock.branch_field)))
    if not wanted:
        return 0
    sent_before = set(
        Reminder.objects.filter(
            content_type_id=content_type_id,
            clock=clock.name,
            object_id__in={w[0] for w in wanted},
        ).values_list("object_id", "kind", "deadline")
    )
    missing = [w for w in wanted if (w[0], w[1], w[2]) not in sent_before]
    if not missing:
        return 0
    due = clock.model._default_manager.filter(pk__in={m[0] for m in missing})
    objects = {o.pk: o for o in due.select_related(*clock.select_related)}
    responsible = clock.recipients(list(objects.values()))
    targets = _escalation_targets({m[4] for m in missing}, {m[3] for m in missing if m[3]})

    with transaction.atomic():
        keys = [(content_type_id, pk, clock.name, kind, deadline)
                for pk, kind, deadline, _role, _branch in missing]  # fmt: skip
        claimed_keys = claim_reminders(keys)  # a concurrent scan may have claimed some meanwhile
        notifications = []
        claimed = 0
        for pk, kind, deadline, role, branch_id in missing:
            if (pk, kind, deadline) not in claimed_keys or pk not in objects:
                continue
            claimed += 1
            obj = objects[pk]
            if role is None:
                users = responsible.get(pk, set())
            else:
                users = targets.get((None if role == Role.HQ else branch_id, role), set())
            title = _reminder_title(kind) % {"item": clock.describe(obj)}
            body = _("Deadline: %(deadline)s") % {
                "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
            }
            level = Notification.Level.WARNING if kind == "warning" else Notification.Level.DANGER
            notifications += [
                Notification(recipient_id=user_id, title=title[:200], body=body,
                             url=clock.url(obj), level=level, created_at=now,
                             kind=f"{clock.name}:{kind}"[:80])
                for user_id in sorted(users)
            ]  # fmt: skip
        notifications_deliver(notifications)
    if claimed:
        logger.info("sla scan %s: %d reminders, %d notifications", clock.name, claimed,
                    len(notifications))  # fmt: skip
    return claimed


def _is_date_field(clock: Clock) -> bool:
    field = clock.model._meta.get_field(clock.due_field)
    return isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField)


def _reminder_title(kind: str) -> str:
    if kind == "warning":
        return _("Due soon: %(item)s")
    if kind == "breach":
        return _("Overdue: %(item)s")
    return _("Escalated, overdue: %(item)s")


def scan(now: datetime | None = None, only: tuple[str, ...] = ()) -> int:
    """Send the reminders due at `now` for every registered clock (or those whose name
    starts with one of `only`, e.g. ("complaint.",)); return how many."""
    now = now or timezone.now()
    policies = {p.code: p for p in SlaPolicy.objects.filter(is_active=True)}
    known = set(policies) | set(SlaPolicy.objects.values_list("code", flat=True))
    for code in {c.policy_code for c in _clocks.values()} - known:
        policies[code] = get_policy(code)  # declared but never stored: create the default
    clocks = [c for name, c in _clocks.items() if not only or name.startswith(only)]
    sent = sum(_scan_clock(clock, policies, now) for clock in clocks)
    if sent > 5000:
        # A large backlog was just sent: refresh the planner's statistics now rather than
        # wait for autovacuum, or the next scan's lookups may not use the index.
        with connection.cursor() as cur:
            cur.execute("ANALYZE crm_reminder")
    return sent


def recompute_open_deadlines() -> int:
    """Recompute the deadlines of open objects after the calendar changed."""
    calendar = get_calendar(fresh=True)
    policies = {p.pk: p for p in SlaPolicy.objects.all()}
    by_code = {p.code: p for p in policies.values()}
    changed = 0
    for clock in _clocks.values():
        if clock.recompute is not None:
            changed += clock.recompute(calendar)
            continue
        if clock.start_field is None:
            continue
        fields = ["pk", clock.start_field, clock.due_field]
        qs = skip_out_of_range(
            clock.model._default_manager.filter(clock.open_filter),
            clock.start_field, clock.due_field, job=f"sla recompute {clock.name}",
        )  # fmt: skip
        if clock.policy_field:
            fields.append(f"{clock.policy_field}_id")
            qs = qs.filter(**{f"{clock.policy_field}__isnull": False})
        to_update = []
        for obj in qs.only(*fields).iterator(chunk_size=2000):
            policy = by_code.get(clock.policy_code)
            if clock.policy_field:
                policy = policies[getattr(obj, f"{clock.policy_field}_id")]
            if policy is None:
                continue
            new_due = compute_deadline(policy, getattr(obj, clock.start_field), calendar)
            if new_due != getattr(obj, clock.due_field):
                setattr(obj, clock.due_field, new_due)
                to_update.append(obj)
        clock.model._default_manager.bulk_update(to_update, [clock.due_field], batch_size=1000)
        changed += len(to_update)
    return changed
