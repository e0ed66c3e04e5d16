"""Callbacks, registration forms, calls, inspection and satisfaction."""

from __future__ import annotations

import math
import random
import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client
from clients.validators import phone_digits
from complaints import services as complaint_services
from complaints.models import Complaint
from crm.models import Role, staff_of
from crm.services import TransitionNotAllowed
from crm.sla import compute_deadline, get_policy
from crm.workdays import closing_on_or_after, get_calendar
from opinions import services as opinion_services
from outreach.models import Message, Purpose, SourceKind
from outreach.services import messages as outreach
from servicedesk import services as servicedesk_services
from servicedesk.models import ServiceRequest

from .hooks import run_callback_completed
from .models import (
    Attempt,
    Call,
    Callback,
    CallbackPolicy,
    Channel,
    InspectionItem,
    InspectionRound,
    OpinionCategory,
    Reason,
    RegistrationForm,
    WrapUpCode,
)

CALLERS = {Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER, Role.HQ}
OPINION_TOPIC = {"service": "staff_conduct", "fees": "fees", "systems": "systems",
                 "advice": "advice", "staff": "staff_conduct", "other": "other"}  # fmt: skip
CLAIM_MINUTES = 30
POLICY_EDITORS = {Role.BRANCH_MANAGER, Role.HQ}
MAX_INTERVAL_DAYS = 3660  # ten years: the generation subtracts it from today in SQL


def _caller(user):
    staff = staff_of(user)
    if staff is None or staff.role not in CALLERS:
        raise PermissionDenied(_("Your role may not work on callbacks."))
    return staff


# --- Policies ----------------------------------------------------------------------------
def callback_policy_save(
    *,
    user,
    tier: str,
    stage: str,
    interval_days: int,
    channel: str,
    assignee: str,
    is_active: bool,
    policy: CallbackPolicy | None = None,
) -> CallbackPolicy:
    """Set how often clients of a tier and stage (empty: every one) are called back. One
    policy per pair: without `policy` (the row the admin edits), the pair's policy is
    changed, or made when it has none."""
    staff = staff_of(user)
    if not user.is_superuser and (staff is None or staff.role not in POLICY_EDITORS):
        raise PermissionDenied(_("Your role may not do this."))
    if policy is None:
        policy = CallbackPolicy.objects.filter(tier=tier, stage=stage).first() or CallbackPolicy()
    policy.tier, policy.stage, policy.interval_days = tier, stage, interval_days
    policy.channel, policy.assignee, policy.is_active = channel, assignee, is_active
    errors: dict[str, list[str]] = {}
    for check in (MinValueValidator(1), MaxValueValidator(MAX_INTERVAL_DAYS)):
        try:
            check(interval_days)
        except ValidationError as exc:
            errors["interval_days"] = exc.messages
    try:
        policy.full_clean(exclude=list(errors))
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    policy.save()
    return policy


# --- Generation --------------------------------------------------------------------------
def generate_due_callbacks(
    today: date | None = None, branch_ids: list[int] | None = None
) -> dict[str, int]:
    """The nightly job: create every due callback in set-based SQL. Never two open
    callbacks for the same client and reason (a partial unique index; ON CONFLICT skips).
    `branch_ids`: the clients of those branches only (a chunk of the nightly job,
    crm/chunks.py; the annual sample is drawn per branch, so the chunks add up to a whole
    run)."""
    today = today or timezone.localdate()
    mine = "(%(branches)s::bigint[] IS NULL OR {} = ANY(%(branches)s::bigint[]))"
    client_mine, case_mine = mine.format("c.branch_id"), mine.format("r.branch_id")
    now = timezone.now()
    counts: dict[str, int] = {}
    closing_time = get_calendar().office_hours[-1][1].isoformat()  # the new-account deadline
    with transaction.atomic(), connection.cursor() as cur:
        # 1. every new account within a month of opening, once
        cur.execute(
            f"""
            INSERT INTO callcenter_callback (client_id, branch_id, reason, period, channel,
                due_at, assignee_id, status, attempts, created_at)
            SELECT c.id, c.branch_id, 'new_account', '', 'phone',
                   (c.opened_on + 30 + %(closing)s::time) AT TIME ZONE 'Asia/Shanghai', NULL,
                   'open', 0, %(now)s
            FROM clients_client c
            WHERE c.client_no IS NOT NULL AND c.account_status <> 'closed'
              AND c.opened_on > %(today)s::date - 30 AND {client_mine}
              AND NOT EXISTS (SELECT 1 FROM callcenter_callback b
                              WHERE b.client_id = c.id AND b.reason = 'new_account')
            ON CONFLICT DO NOTHING
            """,
            {"now": now, "today": today, "closing": closing_time, "branches": branch_ids},
        )
        counts["new_account"] = cur.rowcount
        # 2. each year at least 10% of the clients at the previous year-end (dormant and
        #    suspended accounts excluded), a random sample per branch, once a year
        year = str(today.year)
        cur.execute(
            f"""
            WITH eligible AS (
                SELECT c.id, c.branch_id,
                       row_number() OVER (PARTITION BY c.branch_id ORDER BY random()) AS rn,
                       count(*) OVER (PARTITION BY c.branch_id) AS total
                FROM clients_client c
                WHERE c.client_no IS NOT NULL AND c.opened_on <= %(year_end)s
                  AND c.account_status = 'normal' AND c.stage <> 'dormant'
                  AND {client_mine}
                  AND c.branch_id NOT IN (SELECT DISTINCT branch_id FROM callcenter_callback
                                          WHERE reason = 'annual_sample' AND period = %(year)s)
            )
            INSERT INTO callcenter_callback (client_id, branch_id, reason, period, channel,
                due_at, assignee_id, status, attempts, created_at)
            SELECT id, branch_id, 'annual_sample', %(year)s, 'phone', %(due)s, NULL, 'open', 0,
                   %(now)s
            FROM eligible WHERE rn <= ceil(total * %(share)s)
            ON CONFLICT DO NOTHING
            """,
            {"year_end": date(today.year - 1, 12, 31), "year": year, "now": now,
             "due": closing_on_or_after(today + timedelta(days=60)),
             "share": settings.CRM_ANNUAL_SAMPLE_SHARE, "branches": branch_ids},
        )  # fmt: skip
        counts["annual_sample"] = cur.rowcount
        # 3. periodic callbacks from the tier and stage policies
        cur.execute(
            f"""
            WITH p AS (
                SELECT tier, stage, interval_days, channel, assignee FROM callcenter_callbackpolicy
                WHERE is_active
            ), last_done AS (
                SELECT client_id, max(completed_at) AS at FROM callcenter_callback
                WHERE status = 'completed' GROUP BY client_id
            )
            INSERT INTO callcenter_callback (client_id, branch_id, reason, period, channel,
                due_at, assignee_id, status, attempts, created_at)
            SELECT DISTINCT ON (c.id) c.id, c.branch_id, 'periodic', '', p.channel,
                   %(due)s, CASE WHEN p.assignee = 'owner' THEN c.owner_id END, 'open', 0, %(now)s
            FROM clients_client c
            JOIN p ON (p.tier = '' OR p.tier = c.tier) AND (p.stage = '' OR p.stage = c.stage)
            LEFT JOIN last_done l ON l.client_id = c.id
            WHERE c.client_no IS NOT NULL AND c.account_status = 'normal'
              AND {client_mine}
              AND COALESCE(l.at, c.opened_on::timestamptz)
                  < %(now)s - make_interval(days => p.interval_days)
            ORDER BY c.id, (p.tier <> '') DESC, (p.stage <> '') DESC
            ON CONFLICT DO NOTHING
            """,
            {"now": now, "due": closing_on_or_after(today + timedelta(days=7)),
             "branches": branch_ids},
        )  # fmt: skip
        counts["periodic"] = cur.rowcount
        # 4. one callback for every open retention case, by the account manager
        cur.execute(
            f"""
            INSERT INTO callcenter_callback (client_id, branch_id, reason, period, channel,
                due_at, assignee_id, source_id, status, attempts, created_at)
            SELECT r.client_id, r.branch_id, 'retention', '', 'phone', %(due)s, r.owner_id,
                   r.id, 'open', 0, %(now)s
            FROM clients_retentioncase r
            WHERE r.status = 'open' AND {case_mine}
              AND NOT EXISTS (SELECT 1 FROM callcenter_callback b
                              WHERE b.reason = 'retention' AND b.source_id = r.id)
            ON CONFLICT DO NOTHING
            """,
            {"now": now, "due": closing_on_or_after(today + timedelta(days=2)),
             "branches": branch_ids},
        )  # fmt: skip
        counts["retention"] = cur.rowcount
    return counts


def callback_for_event(
    *, client: Client, reason: str, source_id: int | None = None, assignee=None
) -> Callback | None:
    """A mandatory callback after an event (closed complaint, visit, suitability change)."""
    if client is None or client.client_no is None:
        return None
    now = timezone.now()
    due = compute_deadline(get_policy(f"callback.{reason}"), now)
    try:
        with transaction.atomic():
            return Callback.objects.create(
                client=client,
                branch_id=client.branch_id,
                reason=reason,
                source_id=source_id,
                due_at=due,
                assignee=assignee,
                created_at=now,
            )
    except IntegrityError:
        return None  # an open callback for this client and reason exists already


# --- Working a callback ------------------------------------------------------------------
def callback_claim(*, user, callback: Callback) -> Callback:
    """Take a pool callback; two agents never call the same client at once."""
    _caller(user)
    stale = timezone.now() - timedelta(minutes=CLAIM_MINUTES)
    updated = Callback.objects.filter(
        Q(claimed_by__isnull=True) | Q(claimed_by=user) | Q(claimed_at__lt=stale),
        pk=callback.pk, status=Callback.Status.OPEN,
    ).filter(Q(assignee__isnull=True) | Q(assignee=user)).update(
        claimed_by=user, claimed_at=timezone.now()
    )  # fmt: skip
    if not updated:
        raise TransitionNotAllowed(_("Someone else is working on this callback."))
    callback.refresh_from_db()
    return callback


def _must_hold(user, callback: Callback) -> Callback:
    locked = Callback.objects.select_for_update().get(pk=callback.pk)
    if locked.status != Callback.Status.OPEN:
        raise TransitionNotAllowed(_("This callback is closed."))
    holder = locked.claimed_by_id or locked.assignee_id
    if holder != user.pk:
        raise TransitionNotAllowed(_("Claim the callback before working on it."))
    return locked


def callback_fail(*, user, callback: Callback, outcome: str, note: str = "") -> Callback:
    """An unreached attempt: retried after a delay that depends on the outcome, closed as
    unreachable after the maximum number of attempts (or at once for a wrong number)."""
    _caller(user)
    if outcome not in Attempt.Outcome.values or outcome == Attempt.Outcome.REACHED:
        raise ValidationError({"outcome": [_("Choose no answer, busy, wrong number or "
                                             "refused.")]})  # fmt: skip
    delays = settings.CRM_CALLBACK_RETRY_MINUTES
    with transaction.atomic():
        locked = _must_hold(user, callback)
        Attempt.objects.create(callback=locked, by=user, outcome=outcome, note=note[:300])
        locked.attempts += 1
        final = outcome in (Attempt.Outcome.WRONG_NUMBER, Attempt.Outcome.REFUSED) or (
            locked.attempts >= settings.CRM_CALLBACK_MAX_ATTEMPTS
        )
        if final:
            locked.status, locked.completed_at = Callback.Status.UNREACHABLE, timezone.now()
        else:
            locked.next_attempt_at = timezone.now() + timedelta(minutes=delays.get(outcome, 240))
        locked.claimed_by, locked.claimed_at = None, None
        locked.save()
    return locked


def is_negative(data: dict) -> bool:
    return (
        data.get("trading_by_staff") == "yes"
        or data.get("risks_disclosed") == "no"
        or data.get("discretionary_mandate") == "yes"
        or int(data.get("satisfaction") or 5) <= 2
    )


def callback_complete(
    *,
    user,
    callback: Callback,
    identity_verified: bool,
    trading_by_staff: str,
    risks_disclosed: str,
    discretionary_mandate: str,
    satisfaction: int,
    account_changes_confirmed: bool = False,
    opinion: str = "",
    opinion_category: str = "",
    make_complaint: bool = False,
) -> RegistrationForm:
    """The client was reached: the registration form. An opinion can become a complaint
    in the same step; a negative answer raises the client's churn risk (nightly)."""
    _caller(user)
    errors = {}
    if not identity_verified:
        errors["identity_verified"] = [_("Verify the client's identity first.")]
    for field, value in (("trading_by_staff", trading_by_staff),
                         ("risks_disclosed", risks_disclosed),
                         ("discretionary_mandate", discretionary_mandate)):  # fmt: skip
        if value not in ("yes", "no"):
            errors[field] = [_("Answer yes or no.")]
    if not 1 <= int(satisfaction or 0) <= 5:
        errors["satisfaction"] = [_("Satisfaction is 1 to 5.")]
    if opinion_category and opinion_category not in OpinionCategory.values:
        errors["opinion_category"] = [_("Unknown category.")]
    if make_complaint and not (opinion or "").strip():
        errors["opinion"] = [_("Write the opinion that becomes a complaint.")]
    if errors:
        raise ValidationError(errors)
    data = {
        "trading_by_staff": trading_by_staff,
        "risks_disclosed": risks_disclosed,
        "discretionary_mandate": discretionary_mandate,
        "satisfaction": satisfaction,
    }
    with transaction.atomic():
        locked = _must_hold(user, callback)
        complaint = None
        if make_complaint:
            complaint = complaint_services.complaint_receive(user=user, data={
                "client": locked.client, "channel": "callback",
                "topic": OPINION_TOPIC.get(opinion_category or "other", "other"),
                "description": opinion.strip(), "category": "general", "severity": 2,
            })  # fmt: skip
        form = RegistrationForm.objects.create(
            callback=locked, identity_verified=True,
            account_changes_confirmed=account_changes_confirmed, opinion=(opinion or "").strip(),
            opinion_category=opinion_category or "", complaint=complaint,
            negative=is_negative(data), **data,
        )  # fmt: skip
        opinion_services.opinion_record(  # the register of client opinions (once per callback)
            source_kind="callback", source_id=locked.pk, source_url=locked.get_absolute_url(),
            branch=locked.branch_id, client=locked.client, category=opinion_category,
            text=opinion, user=user,
        )  # fmt: skip
        Attempt.objects.create(callback=locked, by=user, outcome=Attempt.Outcome.REACHED)
        locked.attempts += 1
        locked.status, locked.completed_at, locked.completed_by = (
            Callback.Status.COMPLETED,
            timezone.now(),
            user,
        )
        locked.save()
        run_callback_completed(form=form, user=user)  # callcenter.hooks (compliance cases)
    return form


# --- Calls ---------------------------------------------------------------------------------
def match_clients(user, raw_phone: str):
    digits = phone_digits(raw_phone)
    if len(digits) < 7:
        return Client.objects.none()
    return Client.objects.visible_to(user).filter(Q(phone=digits) | Q(phone_alt=digits))


def call_record(*, user, data: dict) -> tuple[Call, bool]:
    """Store a call posted by the telephony system (or a person); idempotent on the poster
    and its call id, so one system can never reach another's calls. A re-post completes
    the call (end, wrap-up, notes, recording, agent, links) but never moves it to another
    branch, client, number or start time."""
    staff = staff_of(user)
    if staff is None:
        raise PermissionDenied(_("Only staff and integration systems post calls."))
    call_id = (data.get("call_id") or "").strip()
    if not call_id:
        raise ValidationError({"call_id": [_("This field is required.")]})
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(posted_by=user, call_id=call_id).first()
        if call is None and staff.role != Role.INTEGRATION and waiting_for_wrap_up(user).exists():
            raise ValidationError({"wrap_up": [_("Choose the wrap-up code of your previous call "
                                                 "first.")]})  # fmt: skip
        started = call.started_at if call else data["started_at"]
        ended = data.get("ended_at")
        if ended is not None and ended < started:
            raise ValidationError({"ended_at": [_("The call cannot end before it starts.")]})
        progress = {
            "agent": data.get("agent"), "ended_at": ended,
            "duration": int((ended - started).total_seconds()) if ended else 0,
            "wrap_up": data.get("wrap_up"), "notes": data.get("notes", ""),
            "recording_ref": data.get("recording_ref", ""), "callback": data.get("callback"),
            "complaint": data.get("complaint"),
        }  # fmt: skip
        if call is not None:
            for field, value in progress.items():
                setattr(call, field, value)
            call.repeat_contact = is_repeat_contact(call)
            call.save(update_fields=[*progress, "repeat_contact"])
            return call, False
        client = match_clients(user, data["phone"]).order_by("id").first()
        try:
            with transaction.atomic():
                call = Call.objects.create(
                    posted_by=user, call_id=call_id, started_at=started,
                    branch_id=client.branch_id if client else staff.branch_id,
                    direction=data["direction"], client=client,
                    phone=phone_digits(data["phone"]) or data["phone"], **progress,
                )  # fmt: skip
                if call.wrap_up_id and call.client_id:
                    call.repeat_contact = is_repeat_contact(call)
                    if call.repeat_contact:
                        call.save(update_fields=["repeat_contact"])
        except IntegrityError:  # the same call posted twice at once: the first one stands
            return Call.objects.get(posted_by=user, call_id=call_id), False
    return call, True


def wrap_up_codes():
    return WrapUpCode.objects.filter(is_active=True)


REPEAT_DAYS = 7
FOLLOW_UPS = ("", "service_request", "complaint", "callback")


def waiting_for_wrap_up(user):
    """The agent's ended calls without a wrap-up code, oldest first: they block the next."""
    return Call.objects.filter(agent=user, ended_at__isnull=False, wrap_up__isnull=True).order_by(
        "started_at", "id"
    )


def is_repeat_contact(call: Call) -> bool:
    """The same client called within the previous 7 days with the same wrap-up code: one
    query."""
    if call.client_id is None or call.wrap_up_id is None:
        return False
    return (
        Call.objects.filter(
            client_id=call.client_id, wrap_up_id=call.wrap_up_id,
            started_at__gte=call.started_at - timedelta(days=REPEAT_DAYS),
            started_at__lte=call.started_at,
        ).exclude(pk=call.pk).exists()
    )  # fmt: skip


def _active_code(value, errors) -> WrapUpCode | None:
    if isinstance(value, WrapUpCode) and value.is_active:
        return value
    code = WrapUpCode.objects.filter(is_active=True, code=value).first() if value else None
    if code is None:
        errors["wrap_up"] = [_("Choose the wrap-up code.")]
    return code


def call_wrap_up(*, user, call: Call, wrap_up, notes: str | None = None) -> Call:
    """Set the wrap-up code of a call (its agent, or a manager of its branch); flags the
    repeat contact."""
    staff = staff_of(user)
    if (
        staff is None
        or staff.role not in CALLERS
        or (call.agent_id != user.pk and staff.role not in POLICY_EDITORS)
    ):
        raise PermissionDenied(_("Only the call's agent sets its wrap-up code."))
    errors: dict[str, list[str]] = {}
    code = _active_code(wrap_up, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        locked.wrap_up = code
        if notes is not None and notes.strip():
            locked.notes = notes.strip()
        locked.repeat_contact = is_repeat_contact(locked)
        locked.save(update_fields=["wrap_up", "notes", "repeat_contact"])
    return locked


def _follow_up_text(call: Call, notes: str) -> str:
    return (notes.strip() or _("See the call.")) + "\n" + _("(Call %(id)s)") % {"id": call.call_id}


def call_log(*, user, data: dict):
    """An agent logs a call by hand (the telephony did not post it): stored with its
    wrap-up code, and the follow-up chosen (a service request, a complaint or a callback)
    made in the same transaction. Refused while the agent has a call waiting for its
    wrap-up code. Returns (call, follow-up or None)."""
    staff = staff_of(user)
    if staff is None or staff.role not in CALLERS:
        raise PermissionDenied(_("Your role may not log calls."))
    errors: dict[str, list[str]] = {}
    if waiting_for_wrap_up(user).exists():
        raise ValidationError({"wrap_up": [_("Choose the wrap-up code of your previous call "
                                             "first.")]})  # fmt: skip
    direction: str = data.get("direction") or ""
    if direction not in Call.Direction.values:
        errors["direction"] = [_("Choose the direction.")]
    client: Client | None = data.get("client")
    if client is not None and not Client.objects.visible_to(user).filter(pk=client.pk).exists():
        errors["client"] = [_("No such client.")]
    raw_phone = (data.get("phone") or "").strip()
    phone = phone_digits(raw_phone)
    if not phone and client is not None:
        phone = client.phone or ""
    if not phone or len(phone) > 20:
        errors["phone"] = [_("Enter the phone number.")]
    now = timezone.now()
    started = data.get("started_at") or now
    if started > now + timedelta(minutes=5):
        errors["started_at"] = [_("The call cannot start in the future.")]
    try:
        duration = int(data.get("duration") or 0)
    except (TypeError, ValueError):
        duration = -1
    if not 0 <= duration <= 24 * 3600:
        errors["duration"] = [_("The duration is 0 to 24 hours.")]
    code = _active_code(data.get("wrap_up"), errors)
    follow_up = data.get("follow_up") or ""
    if follow_up not in FOLLOW_UPS:
        errors["follow_up"] = [_("Choose what to open from the call.")]
    if follow_up == "callback" and client is None:
        errors["client"] = [_("A callback needs the client.")]
    if errors:
        raise ValidationError(errors)
    notes = (data.get("notes") or "").strip()
    with transaction.atomic():
        call = Call.objects.create(
            call_id=f"manual-{uuid.uuid4().hex[:20]}", posted_by=user,
            branch_id=client.branch_id if client else staff.branch_id, direction=direction,
            phone=phone, client=client, agent=user, started_at=started,
            ended_at=started + timedelta(seconds=duration), duration=duration, wrap_up=code,
            notes=notes,
        )  # fmt: skip
        call.repeat_contact = is_repeat_contact(call)
        made: ServiceRequest | Complaint | Callback | None = None
        if follow_up == "service_request":
            receive = servicedesk_services.servicerequest_receive
            call.service_request = made = receive(user=user, data={
                "client": client, "caller_name": data.get("caller_name", ""),
                "caller_phone": "", "channel": "phone",
                "category": data.get("category"), "subcategory": data.get("subcategory"),
                "description": _follow_up_text(call, notes), "received_at": started,
                "resolved_now": data.get("resolved_now"), "resolution": data.get("resolution"),
            })  # fmt: skip
        elif follow_up == "complaint":
            call.complaint = made = complaint_services.complaint_receive(user=user, data={
                "client": client, "complainant_name": data.get("caller_name", ""),
                "complainant_phone": "", "channel": "phone",
                "topic": data.get("topic") or "other", "category": "general", "severity": 2,
                "description": _follow_up_text(call, notes), "received_at": started,
            })  # fmt: skip
        elif follow_up == "callback" and client is not None:
            if client.client_no is None:
                raise ValidationError({"client": [_("Only clients with an account get "
                                                    "callbacks.")]})  # fmt: skip
            due = data.get("callback_at") or closing_on_or_after(
                timezone.localdate() + timedelta(days=1)
            )
            try:
                with transaction.atomic():
                    call.follow_up_callback = made = Callback.objects.create(
                        client=client, branch_id=client.branch_id, reason=Reason.CALL,
                        source_id=call.pk, due_at=due, assignee=user, created_at=now,
                    )  # fmt: skip
            except IntegrityError:
                raise ValidationError(
                    {"follow_up": [_("This client already has an open callback from a call.")]}
                ) from None
        call.save(update_fields=["repeat_contact", "service_request", "complaint",
                                 "follow_up_callback"])  # fmt: skip
    return call, made


# --- Inspection ----------------------------------------------------------------------------
def inspection_draw(
    *, user, branch, period_start: date, period_end: date, size: int | None = None
) -> InspectionRound:
    staff = staff_of(user)
    if staff is None or staff.role != Role.HQ:
        raise PermissionDenied(_("Inspection is done by headquarters."))
    if period_end < period_start:
        raise ValidationError({"period_end": [_("The period ends before it starts.")]})
    done = list(Callback.objects.filter(
        branch=branch, status=Callback.Status.COMPLETED,
        completed_at__date__gte=period_start, completed_at__date__lte=period_end,
    ).values_list("pk", flat=True))  # fmt: skip
    if not done:
        raise ValidationError({"period_start": [_("No completed callbacks in this period.")]})
    size = size or max(1, math.ceil(len(done) * settings.CRM_INSPECTION_SHARE))
    with transaction.atomic():
        inspection = InspectionRound.objects.create(
            branch=branch, period_start=period_start, period_end=period_end, created_by=user
        )
        InspectionItem.objects.bulk_create([
            InspectionItem(round=inspection, callback_id=pk)
            for pk in random.sample(done, min(size, len(done)))
        ])  # fmt: skip
    return inspection


def inspection_score(*, user, item: InspectionItem, checks: dict, comment: str = ""):
    staff = staff_of(user)
    if staff is None or staff.role != Role.HQ:
        raise PermissionDenied(_("Inspection is done by headquarters."))
    keys = [k for k, _label in InspectionItem.CHECKLIST]
    item.checks = {k: bool(checks.get(k)) for k in keys}
    item.score = round(100 * sum(item.checks.values()) / len(keys))
    item.comment, item.inspected_by, item.inspected_at = comment, user, timezone.now()
    item.save()
    return item


# --- Satisfaction ---------------------------------------------------------------------------
def csi(ratings: list[int]) -> float | None:
    """Customer satisfaction index: the share of 4 and 5 on the 5-point scale, in %."""
    if not ratings:
        return None
    return round(100 * sum(1 for r in ratings if r >= 4) / len(ratings), 1)


def as_datetime(day: date) -> datetime:
    from crm.workdays import SHANGHAI

    return datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI)


# --- Callbacks by SMS or e-mail (客户触达) -----------------------------------------------------
CALLBACK_TEXT = gettext_lazy(
    "Dear {{ client_name }}, this is {{ firm_name }} following up on your account: are you "
    "satisfied with our service? Reply to this message with any opinion or suggestion."
)
MESSAGE_CHANNELS = (Channel.SMS, Channel.EMAIL)


def callbacks_send_messages(now: datetime | None = None) -> dict[str, int]:
    """Open callbacks by SMS or e-mail that are due send their message (a service notice,
    once: the key is the callback's) and are completed by it; a message the rules
    withhold (no mobile, no address) closes the callback as unreachable. A failed
    delivery reopens nothing: the callback becomes unreachable (`message_failed`), and
    the client's reply is recorded as the callback's opinion (`reply_received`)."""
    now = now or timezone.now()
    counts = {"sent": 0, "unreachable": 0}
    due = Callback.objects.filter(status=Callback.Status.OPEN, channel__in=MESSAGE_CHANNELS,
                                  due_at__lte=now).values_list("pk", flat=True)  # fmt: skip
    for pk in list(due):
        with transaction.atomic():
            locked = (
                Callback.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=Callback.Status.OPEN)
                .select_related("client")
                .first()
            )
            if locked is None:
                continue
            template = outreach.template_for("callback", locked.channel, locked.branch_id)
            message = outreach.message_send(
                client=locked.client, channel=locked.channel, purpose=Purpose.SERVICE,
                template=template, subject=str(_("A word from your branch")),
                body=str(CALLBACK_TEXT), source_kind=SourceKind.CALLBACK, source_id=locked.pk,
                idempotency_key=f"callback:{locked.pk}",
            )  # fmt: skip
            withheld = message.status == Message.Status.WITHHELD
            locked.attempts += 1
            locked.status = Callback.Status.UNREACHABLE if withheld else Callback.Status.COMPLETED
            locked.completed_at = now
            locked.save(update_fields=["attempts", "status", "completed_at"])
            counts["unreachable" if withheld else "sent"] += 1
    return counts


def callback_message_failed(*, message_id: int, source_kind: str, source_id, **kwargs) -> None:
    """The message of a callback failed: the callback was not done, it is unreachable."""
    if source_kind != SourceKind.CALLBACK or source_id is None:
        return
    Callback.objects.filter(pk=source_id, status=Callback.Status.COMPLETED,
                            completed_by__isnull=True).update(
        status=Callback.Status.UNREACHABLE
    )  # fmt: skip


def callback_reply_received(*, reply, **kwargs) -> None:
    """A reply to a callback's SMS: the client's opinion of that callback (once)."""
    message = reply.message
    if message is None or message.source_kind != SourceKind.CALLBACK or reply.opted_out:
        return
    callback = Callback.objects.filter(pk=message.source_id).first()
    if callback is None:
        return
    opinion_services.opinion_record(
        source_kind="callback", source_id=callback.pk, source_url=callback.get_absolute_url(),
        branch=callback.branch_id, client=callback.client, category="other", text=reply.text,
        received_at=reply.received_at,
    )  # fmt: skip
