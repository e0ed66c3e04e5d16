"""The service request workflow: one service per step, each recorded on the history.

The steps, the statuses they start from and lead to, and who takes them are declared in
servicedesk/workflow.py; `servicerequest_<step>` here applies one. Each step locks the
row, checks the version (412) and the table (409), and writes one event.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from clients.validators import normalize_mobile
from complaints import services as complaint_services
from crm.models import SlaPolicy, staff_of
from crm.references import check_branch
from crm.services import notify
from crm.sla import DEFAULT_POLICIES, compute_deadline, get_policy
from crm.workdays import WorkCalendar, get_calendar
from opinions import services as opinion_services

from .models import (
    CLOCK_STATUSES,
    Channel,
    Priority,
    ServiceCategory,
    ServiceRequest,
    ServiceRequestEvent,
    Status,
)
from .workflow import SERVICE_REQUEST_WORKFLOW, WORKER_ROLES

DEFAULT_POLICY = "service_request"
# the complaint's channel and topic for an escalated request (complaints.models)
COMPLAINT_CHANNEL = {"phone": "phone", "on_site": "on_site", "online": "online",
                     "app": "online", "email": "email"}  # fmt: skip
COMPLAINT_TOPIC = {"account": "account", "trading": "trading", "fees": "fees",
                   "systems": "systems", "password_security": "account",
                   "transfer": "account", "info_change": "account"}  # fmt: skip

# the opinion category of a request's category (opinions.models)
OPINION_CATEGORY = {"fees": "fees", "systems": "systems", "products": "advice"}


# --- Policies and deadlines -------------------------------------------------------------
def policy_codes(category: ServiceCategory, subcategory: ServiceCategory | None) -> list[str]:
    """The policies that may set a request's time limit, the most specific first."""
    codes = [c.policy_code for c in (subcategory, category) if c is not None]
    return [*codes, DEFAULT_POLICY]


def policy_for(category: ServiceCategory, subcategory: ServiceCategory | None) -> SlaPolicy:
    """The subcategory's policy, else the category's, else the default (crm.sla)."""
    codes = policy_codes(category, subcategory)
    stored = {p.code: p for p in SlaPolicy.objects.filter(code__in=codes, is_active=True)}
    for code in codes:
        if code in stored:
            return stored[code]
        if code in DEFAULT_POLICIES and not SlaPolicy.objects.filter(code=code).exists():
            return get_policy(code)  # declared, never stored yet: created with its defaults
    return get_policy(DEFAULT_POLICY)


def deadline(request: ServiceRequest, calendar: WorkCalendar | None = None) -> datetime:
    return compute_deadline(request.sla_policy, request.clock_started_at, calendar)


# --- Permissions ----------------------------------------------------------------------------
def _staff(user):
    staff = staff_of(user)
    if staff is None or staff.role not in WORKER_ROLES:
        raise PermissionDenied(_("Your role may not work on service requests."))
    return staff


def can_work(user, request: ServiceRequest | None = None) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role in WORKER_ROLES


def may_edit_categories(user) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role == "hq"


# --- Intake ---------------------------------------------------------------------------------
def next_number(branch, day) -> str:
    """SR + branch code + date + sequence, e.g. SR-BJ01-20251030-003; safe under concurrency."""
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO servicedesk_requestcounter (branch_id, day, last) VALUES (%s, %s, 1) "
            "ON CONFLICT (branch_id, day) DO UPDATE SET last = servicedesk_requestcounter.last + 1 "
            "RETURNING last",
            [branch.pk, day],
        )
        sequence = cur.fetchone()[0]
    return f"SR-{branch.code}-{day:%Y%m%d}-{sequence:03d}"


def _check_category(data, errors) -> tuple[ServiceCategory | None, ServiceCategory | None]:
    category, sub = data.get("category"), data.get("subcategory")
    if not isinstance(category, ServiceCategory) or category.parent_id or not category.is_active:
        errors["category"] = [_("Choose the category.")]
        return None, None
    if sub is not None and (
        not isinstance(sub, ServiceCategory) or sub.parent_id != category.pk or not sub.is_active
    ):
        errors["subcategory"] = [_("Choose a subcategory of the category.")]
    return category, sub


def servicerequest_receive(*, user, data: dict) -> ServiceRequest:
    """Take a request (during a call, at the counter, online). With `resolved_now` and a
    resolution it is resolved on the spot: resolved on first contact."""
    staff = _staff(user)
    errors: dict[str, list[str]] = {}
    client: Client | None = data.get("client")
    if client is not None and not Client.objects.visible_to(user).filter(pk=client.pk).exists():
        errors["client"] = [_("No such client.")]
    name = (data.get("caller_name") or "").strip()
    phone = (data.get("caller_phone") or "").strip()
    if client is None and not name:
        errors["caller_name"] = [_("Choose the client or enter the caller's name.")]
    if phone:
        try:
            phone = normalize_mobile(phone)
        except ValidationError as exc:
            errors["caller_phone"] = exc.messages
    if data.get("channel") not in Channel.values:
        errors["channel"] = [_("Choose the channel.")]
    category, sub = _check_category(data, errors)
    priority = data.get("priority") or Priority.NORMAL
    if priority not in Priority.values:
        errors["priority"] = [_("Choose the priority.")]
    description = (data.get("description") or "").strip()
    if not description:
        errors["description"] = [_("Describe the request.")]
    now = timezone.now()
    received_at = data.get("received_at") or now
    if received_at > now + timedelta(minutes=5):
        errors["received_at"] = [_("The time received cannot be in the future.")]
    handler = data.get("handler") or user
    handler_staff = staff_of(handler)
    if handler_staff is None or handler_staff.role not in WORKER_ROLES:
        errors["handler"] = [_("The handler must be a member of staff who handles "
                               "service requests.")]  # fmt: skip
    resolved_now = bool(data.get("resolved_now"))
    resolution = (data.get("resolution") or "").strip()
    if resolved_now and not resolution:
        errors["resolution"] = [_("Say how the request was resolved.")]
    if errors or category is None:
        raise ValidationError(errors)
    branch = client.branch if client is not None else staff.branch
    if not staff.sees_all_branches and branch.pk != staff.branch_id:
        raise ValidationError({"client": [_("No such client.")]})
    check_branch(branch, handler=handler)
    with transaction.atomic():
        request = ServiceRequest(
            number=next_number(branch, timezone.localtime(received_at).date()),
            branch=branch, client=client, caller_name=name if client is None else "",
            caller_phone=phone, channel=data["channel"], category=category, subcategory=sub,
            priority=priority, description=description, taken_by=user, handler=handler,
            received_at=received_at, clock_started_at=received_at,
            sla_policy=policy_for(category, sub),
        )  # fmt: skip
        request.due_at = deadline(request)
        if resolved_now:
            at = max(now, received_at)
            request.status = Status.RESOLVED
            request.resolution = resolution
            request.first_contact_resolved = True
            request.resolved_at = at
            request.answer_met = at <= request.due_at
        request.save()
        _event(request, user, "receive", "", Status.RECEIVED, description[:200])
        if resolved_now:
            _event(request, user, "resolve", Status.RECEIVED, Status.RESOLVED,
                   _("Resolved on first contact: %(resolution)s")
                   % {"resolution": resolution[:180]})  # fmt: skip
        elif handler != user:
            notify(
                users=[handler],
                title=_("Service request %(no)s assigned to you") % {"no": request.number},
                url=request.get_absolute_url(),
            )
    return request


def _event(request, user, action, from_status, to_status, note=""):
    return ServiceRequestEvent.objects.create(
        request=request, by=user, action=action, from_status=from_status,
        to_status=to_status, note=note,
    )  # fmt: skip


# --- Workflow steps -------------------------------------------------------------------------
def _step(*, user, request, action: str, note: str = "", version=None, change=None):
    """A step of servicedesk.workflow (crm.workflow.Workflow.take), with its event line."""
    _staff(user)
    return SERVICE_REQUEST_WORKFLOW.take(
        action, request, version=version, change=change,
        stale=_("Someone else changed this service request since you opened it. Reload it."),
        record=lambda locked, before: _event(locked, user, action, before, locked.status, note),
    )  # fmt: skip


def servicerequest_start(*, user, service_request, note: str = "", version=None) -> ServiceRequest:
    """Start handling; a back-office request is taken by whoever starts it."""

    def change(r, now):
        if r.handler_id is None:
            r.handler = user

    return _step(
        user=user,
        request=service_request,
        action="start",
        note=note,
        version=version,
        change=change,
    )


def servicerequest_wait_for_client(*, user, service_request, note: str, version=None):
    """Wait for the client (documents, a call back): the answer clock stops."""
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say what the client is to do.")]})

    def change(r, now):
        r.paused_at = now

    return _step(
        user=user,
        request=service_request,
        action="wait_for_client",
        note=note.strip(),
        version=version,
        change=change,
    )


def servicerequest_resume(*, user, service_request, note: str = "", version=None) -> ServiceRequest:
    """The client answered: the clock runs again, its deadline moved on by the wait."""

    def change(r, now):
        if r.paused_at is not None:
            r.clock_started_at += now - r.paused_at
        r.paused_at = None
        r.due_at = deadline(r)

    return _step(
        user=user,
        request=service_request,
        action="resume",
        note=note,
        version=version,
        change=change,
    )


def servicerequest_transfer(
    *, user, service_request, handler=None, back_office: bool = False, note: str = "", version=None
) -> ServiceRequest:
    """Hand the request to another person of the branch, or to the back office."""
    if handler is None and not back_office:
        raise ValidationError({"handler": [_("Choose the new handler or the back office.")]})
    if handler is not None and back_office:
        raise ValidationError({"handler": [_("Choose either a person or the back office.")]})
    if handler is not None:
        target = staff_of(handler)
        if target is None or target.role not in WORKER_ROLES:
            raise ValidationError({"handler": [_("Choose a member of staff who handles "
                                                 "service requests.")]})  # fmt: skip
        check_branch(service_request.branch_id, handler=handler)

    def change(r, now):
        if handler is not None and r.handler_id == handler.pk and not r.back_office:
            raise ValidationError({"handler": [_("This is already the handler.")]})
        if back_office and r.back_office and r.handler_id is None:
            raise ValidationError({"back_office": [_("It is with the back office already.")]})
        r.handler = handler
        r.back_office = back_office

    if not note:
        named = staff_of(handler) if handler is not None else None
        note = (
            _("Transferred to %(name)s") % {"name": named.display_name}
            if named is not None
            else _("Transferred to the back office")
        )
    result = _step(
        user=user,
        request=service_request,
        action="transfer",
        note=note,
        version=version,
        change=change,
    )
    if handler is not None:
        notify(
            users=[handler],
            title=_("Service request %(no)s transferred to you") % {"no": result.number},
            url=result.get_absolute_url(),
        )
    return result


def _record_resolved(r, now):
    r.resolved_at = now
    r.answer_met = now <= r.due_at


def servicerequest_resolve(
    *, user, service_request, resolution: str, version=None
) -> ServiceRequest:
    if not (resolution or "").strip():
        raise ValidationError({"resolution": [_("Describe the resolution.")]})

    def change(r, now):
        _record_resolved(r, now)
        r.resolution = resolution.strip()
        if r.handler_id is None:
            r.handler = user

    return _step(
        user=user,
        request=service_request,
        action="resolve",
        note=resolution.strip()[:200],
        version=version,
        change=change,
    )


def servicerequest_close(
    *, user, service_request, note: str = "", opinion: str = "", version=None
) -> ServiceRequest:
    """Close; the client's opinion given at the close (if any) goes to the register."""

    def change(r, now):
        r.closed_at = now

    with transaction.atomic():
        closed = _step(
            user=user,
            request=service_request,
            action="close",
            note=note,
            version=version,
            change=change,
        )
        opinion_services.opinion_record(
            source_kind="service_request", source_id=closed.pk,
            source_url=closed.get_absolute_url(), branch=closed.branch_id, client=closed.client,
            category=OPINION_CATEGORY.get(closed.category.code, "service"), text=opinion,
            user=user,
        )  # fmt: skip
    return closed


def servicerequest_reopen(*, user, service_request, reason: str, version=None) -> ServiceRequest:
    """The client comes back on the same matter: handled again, with a new time limit
    from now; the first-contact mark and the earlier outcome are cleared."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give the reason for reopening.")]})

    def change(r, now):
        r.resolved_at = r.closed_at = r.answer_met = None
        r.first_contact_resolved = False
        r.clock_started_at = now
        r.due_at = deadline(r)
        if r.handler_id is None:
            r.handler = user

    return _step(
        user=user,
        request=service_request,
        action="reopen",
        note=reason.strip(),
        version=version,
        change=change,
    )


def servicerequest_escalate_to_complaint(*, user, service_request, reason: str, version=None):
    """The client is dissatisfied: receive a complaint from the request (its client or
    caller, channel, topic and description) in the same transaction, and link it."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the client is dissatisfied.")]})

    def change(r, now):
        complaint = complaint_services.complaint_receive(user=user, data={
            "client": r.client, "complainant_name": r.caller_name,
            "complainant_phone": r.caller_phone, "channel": COMPLAINT_CHANNEL[r.channel],
            "topic": COMPLAINT_TOPIC.get(r.category.code, "other"),
            "description": _("Escalated from service request %(no)s: %(reason)s\n%(text)s")
            % {"no": r.number, "reason": reason.strip(), "text": r.description},
            "handler": user,
        })  # fmt: skip
        r.complaint = complaint
        r.closed_at = now
        r.paused_at = None

    return _step(
        user=user,
        request=service_request,
        action="escalate_to_complaint",
        note=reason.strip(),
        version=version,
        change=change,
    )


# --- Categories (HQ) ------------------------------------------------------------------------
def category_save(*, user, data: dict, instance: ServiceCategory | None = None):
    """Add or change a category or subcategory (HQ only); a subcategory's parent is a
    category, never another subcategory."""
    if not may_edit_categories(user):
        raise PermissionDenied(_("Only headquarters edits the service categories."))
    category = instance or ServiceCategory()
    parent = data.get("parent")
    errors = {}
    if parent is not None and (parent.parent_id is not None or parent.pk == category.pk):
        errors["parent"] = [_("A subcategory belongs to a category, not to a subcategory.")]
    code = (data.get("code") or "").strip()
    if not code:
        errors["code"] = [_("Enter the code.")]
    elif ServiceCategory.objects.filter(code=code).exclude(pk=category.pk).exists():
        errors["code"] = [_("This code is used already.")]
    if not (data.get("name") or "").strip():
        errors["name"] = [_("Enter the name.")]
    if errors:
        raise ValidationError(errors)
    category.code, category.name, category.parent = code, data["name"].strip(), parent
    category.sort_order = data.get("sort_order") or 100
    category.is_active = data.get("is_active", True)
    category.save()
    return category


def recompute_open_deadlines(calendar: WorkCalendar) -> int:
    """After a calendar edit: the deadline of every request whose clock runs."""
    calendar = calendar or get_calendar()
    changed = []
    qs = ServiceRequest.objects.filter(status__in=CLOCK_STATUSES).select_related("sla_policy")
    for r in qs.only("pk", "clock_started_at", "due_at", "sla_policy").iterator(chunk_size=2000):
        new = deadline(r, calendar)
        if new != r.due_at:
            r.due_at = new
            changed.append(r)
    ServiceRequest.objects.bulk_update(changed, ["due_at"], batch_size=1000)
    return len(changed)
