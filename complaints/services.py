"""The complaint workflow: one service per step, each recorded on the timeline.

The steps, the statuses they start from and lead to, and who takes them are declared
in complaints/workflow.py; `complaint_<step>` here applies one (the first responder
stays accountable through transfers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from clients.models import Client
from clients.validators import normalize_mobile
from crm.bounds import skip_out_of_range
from crm.models import SlaPolicy, staff_of
from crm.references import check_branch
from crm.services import TransitionNotAllowed, notify
from crm.sla import compute_deadline, get_policy
from crm.uploads import UploadRule, clean_file_name
from crm.workdays import WorkCalendar, get_calendar
from opinions import services as opinion_services
from outreach.models import Message, Purpose, SourceKind
from outreach.services import messages as outreach

from .models import (
    OPEN_STATUSES,
    Attachment,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    Status,
    Topic,
)
from .signals import complaint_closed, complaint_received
from .workflow import (
    COMPENSATION_APPROVERS,
    COMPLAINT_WORKFLOW,
    REVIEWERS,
    WORKER_ROLES,
    is_major_economic,
    not_the_handler,
)


@dataclass(frozen=True)
class ClockSpec:
    name: str
    due: str
    done: str
    met: str
    label: str | Promise


CLOCKS = (
    ClockSpec("first_response", "first_response_due_at", "first_responded_at",
              "first_response_met", gettext_lazy("first response")),
    ClockSpec("acknowledge", "acknowledge_due_at", "acknowledged_at", "acknowledge_met",
              gettext_lazy("acknowledgement")),
    ClockSpec("initial_handling", "initial_handling_due_at", "initial_handled_at",
              "initial_handling_met", gettext_lazy("initial handling")),
    ClockSpec("resolution", "resolution_due_at", "resolved_at", "resolution_met",
              pgettext_lazy("time limit", "resolution")),
)  # fmt: skip
CLOCK_BY_NAME = {c.name: c for c in CLOCKS}
# Letters, scans, photos, office documents, text and recordings (CRM_UPLOAD_MAX_BYTES).
ATTACHMENT_UPLOAD = UploadRule(kinds=("pdf", "jpeg", "png", "gif", "webp", "doc", "docx", "xls",
                                      "xlsx", "txt", "csv", "mp3", "wav", "m4a"))  # fmt: skip


# --- Policies and deadlines ----------------------------------------------------------
def policy_code_candidates(clock: str, category: str, severity: int) -> list[str]:
    base = f"complaint.{clock}"
    return [f"{base}.{category}.s{severity}", f"{base}.{category}", f"{base}.s{severity}", base]


def policy_for(clock: str, category: str, severity: int, policies: dict) -> SlaPolicy:
    for code in policy_code_candidates(clock, category, severity):
        if code in policies:
            return policies[code]
    return get_policy(f"complaint.{clock}")


def _policies() -> dict[str, SlaPolicy]:
    return {p.code: p for p in SlaPolicy.objects.filter(code__startswith="complaint.",
                                                        is_active=True)}  # fmt: skip


def paused_total(events, now: datetime | None = None) -> timedelta:
    """Time spent waiting for the client, from the status history (closed pauses only)."""
    total, since = timedelta(), None
    for event in events:
        if event.action == "pause":
            since = event.at
        elif event.action == "resume" and since is not None:
            total += event.at - since
            since = None
    return total


def set_deadlines(
    complaint: Complaint,
    *,
    policies=None,
    calendar: WorkCalendar | None = None,
    paused: timedelta = timedelta(),
) -> None:
    """Deadlines of every clock from the received time, shifted by the time paused."""
    policies = _policies() if policies is None else policies
    calendar = calendar or get_calendar()
    start = complaint.received_at + paused
    for clock in CLOCKS:
        policy = policy_for(clock.name, complaint.category, complaint.severity, policies)
        setattr(complaint, clock.due, compute_deadline(policy, start, calendar))


def recompute_open_deadlines(calendar: WorkCalendar) -> int:
    """After a calendar edit: every unfinished complaint's deadlines, pauses included."""
    policies = _policies()
    qs = skip_out_of_range(
        Complaint.objects.filter(status__in=OPEN_STATUSES), "received_at",
        *(c.due for c in CLOCKS), job="complaint deadline recompute",
    ).prefetch_related("events")  # fmt: skip
    changed = []
    for complaint in qs.iterator(chunk_size=1000):
        before = [getattr(complaint, c.due) for c in CLOCKS]
        set_deadlines(
            complaint,
            policies=policies,
            calendar=calendar,
            paused=paused_total(complaint.events.all()),
        )
        if before != [getattr(complaint, c.due) for c in CLOCKS]:
            changed.append(complaint)
    Complaint.objects.bulk_update(changed, [c.due for c in CLOCKS], batch_size=1000)
    return len(changed)


def _record_met(complaint: Complaint, clock: ClockSpec, now: datetime) -> None:
    if getattr(complaint, clock.done) is None:
        setattr(complaint, clock.done, now)
        setattr(complaint, clock.met, now <= getattr(complaint, clock.due))


# --- Permissions -----------------------------------------------------------------
def _staff(user):
    staff = staff_of(user)
    if staff is None or staff.role not in WORKER_ROLES:
        raise PermissionDenied(_("Your role may not work on complaints."))
    return staff


def can_work(user, complaint: Complaint | None = None) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role in WORKER_ROLES


# --- Intake -----------------------------------------------------------------------
def next_ticket_no(branch, day) -> str:
    """Branch code + date + sequence, e.g. BJ01-20251030-003; safe under concurrency."""
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO complaints_ticketcounter (branch_id, day, last) VALUES (%s, %s, 1) "
            "ON CONFLICT (branch_id, day) DO UPDATE SET last = complaints_ticketcounter.last + 1 "
            "RETURNING last",
            [branch.pk, day],
        )
        sequence = cur.fetchone()[0]
    return f"{branch.code}-{day:%Y%m%d}-{sequence:03d}"


def complaint_receive(*, user, data: dict) -> Complaint:
    """Take a complaint (during a call, at the counter, from a letter or a regulator)."""
    staff = _staff(user)
    errors: dict[str, list[str]] = {}
    client: Client | None = data.get("client")
    if client is not None and not Client.objects.visible_to(user).filter(pk=client.pk).exists():
        errors["client"] = [_("No such client.")]
    name = (data.get("complainant_name") or "").strip()
    phone = (data.get("complainant_phone") or "").strip()
    if client is None and not name:
        errors["complainant_name"] = [_("Choose the client or enter the complainant's name.")]
    if phone:
        try:
            phone = normalize_mobile(phone)
        except ValidationError as exc:
            errors["complainant_phone"] = exc.messages
    if data.get("channel") not in Channel.values:
        errors["channel"] = [_("Choose the channel.")]
    if data.get("topic") not in Topic.values:
        errors["topic"] = [_("Choose the topic.")]
    category = data.get("category") or Category.GENERAL
    if category not in Category.values:
        errors["category"] = [_("Choose the category.")]
    severity = data.get("severity") or 2
    if not isinstance(severity, int) or not 1 <= severity <= 5:
        errors["severity"] = [_("Severity is 1 to 5.")]
    if not (data.get("description") or "").strip():
        errors["description"] = [_("Describe the complaint.")]
    now = timezone.now()
    received_at = data.get("received_at") or now
    if received_at > now + timedelta(minutes=5):
        errors["received_at"] = [_("The time received cannot be in the future.")]
    handler = data.get("handler") or user
    handler_staff = staff_of(handler)
    if handler_staff is None or handler_staff.role not in WORKER_ROLES:
        errors["handler"] = [_("The handler must be a member of staff who handles complaints.")]
    claimed = data.get("claimed_compensation")
    if claimed is not None and Decimal(claimed) < 0:
        errors["claimed_compensation"] = [_("The amount cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    branch = client.branch if client is not None else staff.branch
    if not staff.sees_all_branches and branch.pk != staff.branch_id:
        raise ValidationError({"client": [_("No such client.")]})
    check_branch(branch, handler=handler)
    with transaction.atomic():
        complaint = Complaint(
            ticket_no=next_ticket_no(branch, timezone.localtime(received_at).date()),
            branch=branch, client=client, complainant_name=name if client is None else "",
            complainant_phone=phone, channel=data["channel"], received_at=received_at,
            first_responder=user, handler=handler, category=category, severity=severity,
            topic=data["topic"], is_group=bool(data.get("is_group")),
            description=data["description"].strip(), claimed_compensation=claimed,
        )  # fmt: skip
        set_deadlines(complaint)
        complaint.save()
        _event(complaint, user, "receive", "", Status.RECEIVED, complaint.description[:200])
        if handler != user:
            notify(
                users=[handler],
                title=_("Complaint %(no)s assigned to you") % {"no": complaint.ticket_no},
                url=complaint.get_absolute_url(),
            )
        _on_commit_send(complaint_received, complaint)
    return complaint


def _on_commit_send(signal, complaint):
    transaction.on_commit(lambda: signal.send(sender=Complaint, complaint=complaint))


def _event(complaint, user, action, from_status, to_status, note=""):
    return ComplaintEvent.objects.create(
        complaint=complaint, by=user, action=action, from_status=from_status,
        to_status=to_status, note=note,
    )  # fmt: skip


# --- Workflow steps ------------------------------------------------------------------
def _step(
    *,
    user,
    complaint: Complaint,
    action: str,
    note: str = "",
    version: int | None = None,
    change=None,
) -> Complaint:
    """A step of complaints.workflow (crm.workflow.Workflow.take), with its event line."""
    _staff(user)
    return COMPLAINT_WORKFLOW.take(
        action, complaint, version=version, change=change,
        stale=_("Someone else changed this complaint since you opened it. Reload it."),
        record=lambda locked, before: _event(locked, user, action, before, locked.status, note),
    )  # fmt: skip


def complaint_respond(*, user, complaint, note: str, version=None) -> Complaint:
    """Record the first contact with the client (the 30-minute first response)."""
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say how the client was contacted.")]})

    def change(c, now):
        _record_met(c, CLOCK_BY_NAME["first_response"], now)

    return _step(
        user=user,
        complaint=complaint,
        action="respond",
        note=note.strip(),
        version=version,
        change=change,
    )


def complaint_acknowledge(*, user, complaint, note: str = "", version=None) -> Complaint:
    def change(c, now):
        _record_met(c, CLOCK_BY_NAME["first_response"], now)
        _record_met(c, CLOCK_BY_NAME["acknowledge"], now)

    return _step(
        user=user,
        complaint=complaint,
        action="acknowledge",
        note=note,
        version=version,
        change=change,
    )


def complaint_investigate(*, user, complaint, note: str = "", version=None) -> Complaint:
    def change(c, now):
        _record_met(c, CLOCK_BY_NAME["initial_handling"], now)

    return _step(
        user=user,
        complaint=complaint,
        action="investigate",
        note=note,
        version=version,
        change=change,
    )


def complaint_pause(*, user, complaint, note: str, version=None) -> Complaint:
    """Wait for the client's materials: the clocks stop until resumed."""
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say what the client is to send.")]})

    def change(c, now):
        c.paused_at = now

    return _step(
        user=user,
        complaint=complaint,
        action="pause",
        note=note.strip(),
        version=version,
        change=change,
    )


def complaint_resume(*, user, complaint, note: str = "", version=None) -> Complaint:
    def change(c, now):
        resumed_to = (
            ComplaintEvent.objects.filter(complaint=c, action="pause")
            .order_by("-at", "-id").values_list("from_status", flat=True).first()
        ) or Status.INVESTIGATING  # fmt: skip
        c.status = resumed_to
        c.paused_at = None
        events = [*c.events.all(), ComplaintEvent(action="resume", at=now)]
        set_deadlines(c, paused=paused_total(events))

    return _step(
        user=user,
        complaint=complaint,
        action="resume",
        note=note,
        version=version,
        change=change,
    )


def complaint_transfer(*, user, complaint, handler, note: str = "", version=None) -> Complaint:
    """Hand the complaint to another handler; the first responder stays accountable."""
    target = staff_of(handler)
    if target is None or target.role not in WORKER_ROLES:
        raise ValidationError({"handler": [_("Choose a member of staff who handles "
                                             "complaints.")]})  # fmt: skip
    check_branch(complaint.branch_id, handler=handler)

    def change(c, now):
        if c.handler_id == handler.pk:
            raise ValidationError({"handler": [_("This is already the handler.")]})
        c.handler = handler

    result = _step(
        user=user,
        complaint=complaint,
        action="transfer",
        note=note or _("Transferred to %(name)s") % {"name": target.display_name},
        version=version,
        change=change,
    )
    notify(
        users=[handler],
        title=_("Complaint %(no)s transferred to you") % {"no": result.ticket_no},
        url=result.get_absolute_url(),
    )
    return result


def complaint_approve_compensation(
    *, user, complaint, amount, note: str = "", version=None
) -> Complaint:
    """The branch manager approves compensation in a major economic complaint."""
    staff = _staff(user)
    if staff.role not in COMPENSATION_APPROVERS:
        raise PermissionDenied(_("Only the branch manager approves compensation."))
    if not is_major_economic(user, complaint):
        raise ValidationError({"amount": [_("Only major economic complaints carry "
                                            "compensation.")]})  # fmt: skip
    amount = Decimal(str(amount))
    if amount < 0:
        raise ValidationError({"amount": [_("The amount cannot be negative.")]})

    def change(c, now):
        c.approved_compensation = amount
        c.compensation_approved_by = user

    return _step(
        user=user,
        complaint=complaint,
        action="approve_compensation",
        note=note or f"{amount}",
        version=version,
        change=change,
    )


def complaint_resolve(
    *,
    user,
    complaint,
    resolution: str,
    feedback: str,
    root_cause: str = "",
    corrective_action: str = "",
    caused_by_department: str = "",
    caused_by_person: str = "",
    version=None,
) -> Complaint:
    """Resolved: the resolution and the written feedback given to the client."""
    errors = {}
    if not (resolution or "").strip():
        errors["resolution"] = [_("Describe the resolution.")]
    if not (feedback or "").strip():
        errors["feedback"] = [_("Record the written feedback given to the client.")]
    if errors:
        raise ValidationError(errors)

    def change(c, now):
        if (
            c.category == Category.MAJOR_ECONOMIC
            and c.claimed_compensation
            and (c.compensation_approved_by_id is None)
        ):
            raise TransitionNotAllowed(
                _("The branch manager must approve the compensation before resolving.")
            )
        _record_met(c, CLOCK_BY_NAME["resolution"], now)
        c.resolution, c.feedback = resolution.strip(), feedback.strip()
        c.root_cause, c.corrective_action = root_cause.strip(), corrective_action.strip()
        c.caused_by_department = caused_by_department.strip()
        c.caused_by_person = caused_by_person.strip()

    return _step(
        user=user,
        complaint=complaint,
        action="resolve",
        note=resolution.strip()[:200],
        version=version,
        change=change,
    )


# the opinion category of a review comment, by the complaint's topic (opinions.models)
REVIEW_OPINION_CATEGORY = {"fees": "fees", "systems": "systems", "advice": "advice",
                           "staff_conduct": "staff"}  # fmt: skip


def complaint_review(
    *,
    user,
    complaint,
    note: str,
    satisfaction: int | None = None,
    satisfaction_comment: str = "",
    version=None,
) -> Complaint:
    """复核: by the client's account manager or a supervisor, never the handler."""
    staff = _staff(user)
    if staff.role not in REVIEWERS:
        raise PermissionDenied(_("The review is done by the account manager or a supervisor."))
    if not not_the_handler(user, complaint):
        raise PermissionDenied(_("The handler cannot review their own work."))
    if satisfaction is not None and not 1 <= int(satisfaction) <= 5:
        raise ValidationError({"satisfaction": [_("Satisfaction is 1 to 5.")]})

    def change(c, now):
        c.reviewer, c.reviewed_at, c.review_note = user, now, (note or "").strip()
        if satisfaction is not None:
            c.satisfaction = int(satisfaction)
            c.satisfaction_comment = (satisfaction_comment or "").strip()[:300]

    with transaction.atomic():
        reviewed = _step(
            user=user,
            complaint=complaint,
            action="review",
            note=note,
            version=version,
            change=change,
        )
        # the client's comment at the review lands in the register of opinions, once
        opinion_services.opinion_record(
            source_kind="complaint_review", source_id=reviewed.pk,
            source_url=reviewed.get_absolute_url(), branch=reviewed.branch_id,
            client=reviewed.client, category=REVIEW_OPINION_CATEGORY.get(reviewed.topic, "service"),
            text=reviewed.satisfaction_comment,
            user=user,
        )  # fmt: skip
    return reviewed


def complaint_close(*, user, complaint, note: str = "", version=None) -> Complaint:
    """Archive: read-only from now on; the call center schedules the follow-up callback."""

    def change(c, now):
        c.closed_at = now

    closed = _step(
        user=user,
        complaint=complaint,
        action="close",
        note=note,
        version=version,
        change=change,
    )
    _on_commit_send(complaint_closed, closed)
    return closed


def complaint_reopen(*, user, complaint, reason: str, version=None) -> Complaint:
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give the reason for reopening.")]})

    def change(c, now):
        c.resolved_at = c.reviewed_at = c.closed_at = None
        c.resolution_met = None
        c.reviewer = None

    return _step(
        user=user,
        complaint=complaint,
        action="reopen",
        note=reason.strip(),
        version=version,
        change=change,
    )


def complaint_refuse(*, user, complaint, reason: str, version=None) -> Complaint:
    """Decide not to accept the complaint; the reason is recorded and given to the client."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give the reason for not accepting.")]})

    def change(c, now):
        c.refused_reason = reason.strip()
        _record_met(c, CLOCK_BY_NAME["first_response"], now)
        _record_met(c, CLOCK_BY_NAME["acknowledge"], now)
        c.closed_at = now

    return _step(
        user=user,
        complaint=complaint,
        action="refuse",
        note=reason.strip(),
        version=version,
        change=change,
    )


def complaint_link_client(*, user, complaint, client: Client) -> Complaint:
    """An unidentified complainant turns out to be a client: link the complaint."""
    if not Client.objects.visible_to(user).filter(pk=client.pk).exists():
        raise ValidationError({"client": [_("No such client.")]})

    def change(c, now):
        if c.client_id is not None:
            raise TransitionNotAllowed(_("This complaint is already linked to a client."))
        c.client = client

    return _step(
        user=user, complaint=complaint, action="link_client", note=client.name, change=change
    )


def attachment_add(*, user, complaint, upload=None, recording_ref: str = "") -> Attachment:
    _staff(user)
    if complaint.status in (Status.CLOSED, Status.REFUSED):
        raise TransitionNotAllowed(_("Closed complaints are archived and read-only."))
    if upload is None and not recording_ref.strip():
        raise ValidationError({"file": [_("Choose a file or enter a recording reference.")]})
    name = recording_ref.strip()
    if upload is not None:
        try:
            ATTACHMENT_UPLOAD.check(upload)
        except ValidationError as exc:
            raise ValidationError({"file": exc.messages}) from None
        name = clean_file_name(upload.name)
    attachment = Attachment.objects.create(
        complaint=complaint, file=upload or "", recording_ref=recording_ref.strip(),
        original_name=name[:200], size=upload.size if upload else 0, uploaded_by=user,
    )  # fmt: skip
    _event(complaint, user, "attach", complaint.status, complaint.status, name[:200])
    return attachment


# --- Progress to the complainant (客户触达) ---------------------------------------------------
PROGRESS_TEXT = gettext_lazy(
    "Dear {{ client_name }}, your complaint {{ ticket_no }} is now: {{ status }}. "
    "If you have questions, please call your branch."
)


def complaint_send_progress(*, user, complaint: Complaint) -> Message:
    """One click: a service notice of the complaint's current status to the complainant
    (SMS to a mobile, else e-mail), once per status change (the key holds the version)."""
    if not can_work(user, complaint):
        raise PermissionDenied(_("Your role may not work on complaints."))
    client = complaint.client
    if client is None:
        raise ValidationError(_("The complainant is not a client: call them instead."))
    channel = outreach.preferred_channel(client) or "sms"
    template = outreach.template_for("complaint-progress", channel, client.branch_id)
    return outreach.message_send(
        client=client, channel=channel, purpose=Purpose.SERVICE, template=template,
        subject=str(_("Progress of your complaint")), body=str(PROGRESS_TEXT),
        context={"ticket_no": complaint.ticket_no, "status": complaint.get_status_display()},
        source_kind=SourceKind.COMPLAINT, source_id=complaint.pk,
        idempotency_key=f"complaint:{complaint.pk}:v{complaint.version}", by=user,
    )  # fmt: skip
