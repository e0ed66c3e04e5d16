"""Visit plans and records, daily quota, consultation sheets with the suitability rule,
and client events."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import services as client_services
from clients.filters import saved_filter_apply
from clients.models import AccountStatus, Client, InvestorClass, SavedClientFilter
from clients.selectors import latest_holdings
from crm.models import Role, StaffProfile, staff_of
from crm.references import PERSON_OUT_OF_SCOPE, may_work_in
from crm.services import TransitionNotAllowed, notify
from crm.services.todos import todo_create
from crm.sla import compute_deadline, get_policy
from crm.workdays import closing_on_or_after
from outreach import rules
from outreach.models import Channel, Purpose, SourceKind
from outreach.services import messages as outreach
from products.models import level_number

from .models import (
    SEATED,
    AdvisedProduct,
    Consultation,
    DailyQuota,
    Event,
    EventSeries,
    Invitation,
    QuotaLog,
    ResearchRequest,
    VisitPlan,
    VisitRecord,
)
from .signals import visit_completed
from .workflow import APPROVERS, VISIT_PLAN_WORKFLOW

RECORD_POLICY = "visit.record"
CONSULTATION_POLICY = "consultation.answer"
PREFERENCE_FIELDS = ("investment_direction", "expected_return", "risk_control",
                     "risk_preference")  # fmt: skip


def _role(user, *roles):
    staff = staff_of(user)
    if staff is None or staff.role not in roles:
        raise PermissionDenied(_("Your role may not do this."))
    return staff


def _transition(plan_id: int, action: str, change=None) -> VisitPlan:
    """Lock the plan, check that its status allows the step of visits.workflow (409),
    apply it."""
    with transaction.atomic():
        plan = VisitPlan.objects.select_for_update().get(pk=plan_id)
        step = VISIT_PLAN_WORKFLOW.check(action, plan)
        if change is not None:
            change(plan)
        if step.target is not None:
            plan.status = step.target
        plan.save()
    return plan


# --- Visit plans ------------------------------------------------------------------------
def visit_plan_create(
    *,
    user,
    client: Client,
    kind: str,
    planned_at: datetime,
    place: str,
    purpose: str,
    analysis: str = "",
    other_clients=(),
) -> VisitPlan:
    _role(user, Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER)
    errors: dict[str, list] = {}
    if not Client.objects.visible_to(user).filter(pk=client.pk).exists():
        errors["client"] = [_("No such client.")]
    if kind not in VisitPlan.Kind.values:
        errors["kind"] = [_("Choose the type of visit.")]
    if planned_at <= timezone.now():
        errors["planned_at"] = [_("Plan the visit in the future.")]
    if not (place or "").strip():
        errors["place"] = [_("Where will the visit take place?")]
    if not (purpose or "").strip():
        errors["purpose"] = [_("State the purpose of the visit.")]
    if errors:
        raise ValidationError(errors)
    plan = VisitPlan.objects.create(
        client=client, branch=client.branch, owner=user, kind=kind, planned_at=planned_at,
        place=place.strip(), purpose=purpose.strip(), analysis=(analysis or "").strip(),
    )  # fmt: skip
    if other_clients:
        plan.other_clients.set(
            Client.objects.visible_to(user).filter(pk__in=[c.pk for c in other_clients])
        )
    return plan


def visit_plan_submit(*, user, plan: VisitPlan) -> VisitPlan:
    if plan.owner_id != user.pk:
        raise PermissionDenied(_("Only the account manager who wrote the plan submits it."))

    def change(p):
        p.submitted_at = timezone.now()

    plan = _transition(plan.pk, "submit", change)
    managers = [s.user for s in StaffProfile.objects.filter(branch_id=plan.branch_id,
                                                            role=Role.BRANCH_MANAGER)
                .select_related("user")]  # fmt: skip
    notify(
        users=managers,
        title=_("Visit plan to approve: %(client)s") % {"client": plan.client},
        url=plan.get_absolute_url(),
    )
    return plan


def _check_approver(user, plan: VisitPlan) -> None:
    staff = _role(user, *APPROVERS)
    if staff.role == Role.BRANCH_MANAGER and staff.branch_id != plan.branch_id:
        raise PermissionDenied(_("Only the branch manager of the client's branch approves."))


def visit_plan_approve(*, user, plan: VisitPlan) -> VisitPlan:
    _check_approver(user, plan)

    def change(p):
        p.decided_by, p.decided_at = user, timezone.now()
        policy = get_policy(RECORD_POLICY)
        p.record_due_at = compute_deadline(policy, max(p.planned_at, timezone.now()))

    plan = _transition(plan.pk, "approve", change)
    notify(
        users=[plan.owner],
        title=_("Visit plan approved: %(client)s") % {"client": plan.client},
        url=plan.get_absolute_url(),
    )
    return plan


def visit_plan_reject(*, user, plan: VisitPlan, reason: str) -> VisitPlan:
    _check_approver(user, plan)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give the reason for rejecting the plan.")]})

    def change(p):
        p.decided_by, p.decided_at, p.reject_reason = user, timezone.now(), reason.strip()

    plan = _transition(plan.pk, "reject", change)
    notify(
        users=[plan.owner],
        title=_("Visit plan rejected: %(client)s") % {"client": plan.client},
        body=reason.strip(),
        url=plan.get_absolute_url(),
    )
    return plan


def visit_plan_cancel(*, user, plan: VisitPlan) -> VisitPlan:
    if plan.owner_id != user.pk:
        _check_approver(user, plan)
    return _transition(plan.pk, "cancel")


def not_yet_due(plan: VisitPlan) -> str:
    return _(
        "The visit is planned for %(when)s: it can be recorded only once it has taken place."
    ) % {"when": timezone.localtime(plan.planned_at).strftime("%Y-%m-%d %H:%M")}


def _check_record(presented: str, plan: VisitPlan) -> None:
    """On the locked row, once its status allows the step (409 first), every error of the
    record at once. A visit is recorded done only from its planned time on (no tolerance:
    DOMAIN.md names none), so no client timeline shows a future visit done."""
    errors: dict[str, list] = {}
    if not (presented or "").strip():
        errors["presented"] = [_("Say what was presented.")]
    if plan.planned_at > timezone.now():
        errors[NON_FIELD_ERRORS] = [not_yet_due(plan)]
    if errors:
        raise ValidationError(errors)


def visit_plan_complete(*, user, plan: VisitPlan, presented: str, **record) -> VisitRecord:
    """Record the visit; the needs heard update the client's preferences (with history)."""
    if plan.owner_id != user.pk:
        raise PermissionDenied(_("The account manager who made the visit records it."))
    fields = {f.name for f in VisitRecord._meta.fields}
    record = {k: v for k, v in record.items() if k in fields}
    with transaction.atomic():
        plan = _transition(plan.pk, "complete", partial(_check_record, presented))
        created = VisitRecord.objects.create(
            plan=plan, presented=presented.strip(), recorded_by=user, **record
        )
        _follow_through(user, plan, created)
        needs = {f: (record.get(f) or "").strip() for f in PREFERENCE_FIELDS}
        needs = {f: v for f, v in needs.items() if v}
        if needs:
            client_services.client_update(
                user=user, client=plan.client, data=needs,
                reason=_("Needs recorded at the visit of %(day)s")
                % {"day": timezone.localtime(plan.planned_at).date().isoformat()},
            )  # fmt: skip
        transaction.on_commit(
            lambda: visit_completed.send(sender=VisitPlan, plan=plan, record=created)
        )
    return created


# --- Follow-through (事后跟踪): the next step as a to-do, research requests ------------
def _follow_through(user, plan: VisitPlan, record: VisitRecord) -> None:
    """The next step with a date becomes the account manager's to-do, due at the close of
    office hours that day (the to-do clock reminds before it, the morning agenda lists
    it); a request to the research side lands in the advisory side's queue."""
    client = plan.client
    if record.next_step_on:
        steps = (record.next_steps or "").strip()
        todo = todo_create(
            created_by=user, assignee=plan.owner,
            title=(_("Next step with %(client)s") % {"client": client.name})[:200],
            description="\n".join(filter(None, [
                steps, _("From the visit of %(day)s: %(url)s") % {
                    "day": timezone.localtime(plan.planned_at).date().isoformat(),
                    "url": plan.get_absolute_url()},
            ])),
            due_at=closing_on_or_after(record.next_step_on),
        )  # fmt: skip
        record.next_step_todo = todo
        record.save(update_fields=["next_step_todo"])
    question = (record.research_request or "").strip()
    if question:
        request = ResearchRequest.objects.create(
            record=record, client=client, branch_id=plan.branch_id, asked_by=user,
            question=question,
        )  # fmt: skip
        transaction.on_commit(partial(_tell_advisors, request.pk))


def _tell_advisors(request_id: int) -> None:
    """The client's advisor, else every advisor of the branch, hears of a new request."""
    request = ResearchRequest.objects.select_related("client__advisor").get(pk=request_id)
    advisors = [request.client.advisor] if request.client.advisor_id else [
        s.user for s in StaffProfile.objects.filter(
            branch_id=request.branch_id, role=Role.ADVISOR, user__is_active=True
        ).select_related("user")
    ]  # fmt: skip
    if advisors:
        notify(users=advisors, url=request.get_absolute_url(),
               title=_("Research request from a visit: %(client)s")
               % {"client": request.client.name})  # fmt: skip


RESEARCH_ANSWERERS = frozenset({Role.ADVISOR, Role.BRANCH_MANAGER, Role.HQ})


def can_answer_research(user) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role in RESEARCH_ANSWERERS


def research_answer(*, user, request: ResearchRequest, answer: str) -> ResearchRequest:
    """The advisory side answers; the answer shows on the visit and the asker is told."""
    if not can_answer_research(user):
        raise PermissionDenied(_("The advisory side answers research requests."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": [_("Write the answer.")]})
    with transaction.atomic():
        mine = ResearchRequest.objects.visible_to(user).filter(pk=request.pk)
        locked = mine.select_for_update(of=("self",)).first()
        if locked is None:
            raise ValidationError({"answer": [_("No such request.")]})
        if locked.status != ResearchRequest.Status.OPEN:
            raise TransitionNotAllowed(_("This request has been answered already."))
        locked.answer, locked.answered_by = answer, user
        locked.answered_at, locked.status = timezone.now(), ResearchRequest.Status.ANSWERED
        locked.save(update_fields=["answer", "answered_by", "answered_at", "status"])
        transaction.on_commit(partial(
            notify, users=[locked.asked_by], url=locked.record.plan.get_absolute_url(),
            title=_("Your research request was answered"),
        ))  # fmt: skip
    return locked


# --- Daily quota and patrols ---------------------------------------------------------
def quota_set(*, user, account_manager, contacts_target: int, patrols_target: int):
    staff = _role(user, Role.BRANCH_MANAGER, Role.HQ)
    target = staff_of(account_manager)
    if target is None or target.role != Role.ACCOUNT_MANAGER:
        raise ValidationError({"account_manager": [_("Choose an account manager.")]})
    if staff.role == Role.BRANCH_MANAGER and target.branch_id != staff.branch_id:
        raise PermissionDenied(_("Only for account managers of your branch."))
    quota, _created = DailyQuota.objects.update_or_create(
        user=account_manager,
        defaults={"contacts_target": contacts_target, "patrols_target": patrols_target,
                  "set_by": user},
    )  # fmt: skip
    return quota


def quota_log(
    *,
    user,
    kind: str,
    client: Client | None = None,
    room: str = "",
    note: str = "",
    day: date | None = None,
) -> QuotaLog:
    staff = _role(user, Role.ACCOUNT_MANAGER)
    if kind not in QuotaLog.Kind.values:
        raise ValidationError({"kind": [_("Choose contact or patrol.")]})
    if kind == QuotaLog.Kind.CONTACT and client is None:
        raise ValidationError({"client": [_("Choose the client contacted.")]})
    if kind == QuotaLog.Kind.PATROL and not (room or "").strip():
        raise ValidationError({"room": [_("Which room was patrolled?")]})
    if client is not None and not Client.objects.visible_to(user).filter(pk=client.pk).exists():
        raise ValidationError({"client": [_("No such client.")]})
    return QuotaLog.objects.create(
        user=user,
        branch_id=staff.branch_id,
        day=day or timezone.localdate(),
        kind=kind,
        client=client,
        room=(room or "").strip(),
        note=(note or "").strip(),
    )


# --- Consultation sheets -------------------------------------------------------------
def holdings_of(client: Client) -> list[dict]:
    _day, holdings = latest_holdings(client)
    return [{"security_code": h.security_code, "security_name": h.security_name,
             "quantity": str(h.quantity), "cost": str(h.cost), "price": str(h.price)}
            for h in holdings]  # fmt: skip


def consultation_file(
    *, user, client: Client, advisor, question: str, holdings: list | None = None
) -> Consultation:
    _role(user, Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER)
    errors: dict[str, list] = {}
    if not Client.objects.visible_to(user).filter(pk=client.pk).exists():
        errors["client"] = [_("No such client.")]
    advisor_staff = staff_of(advisor)
    if advisor_staff is None or advisor_staff.role != Role.ADVISOR:
        errors["advisor"] = [_("Choose an investment advisor.")]
    elif not may_work_in(advisor, client.branch_id):
        errors["advisor"] = [PERSON_OUT_OF_SCOPE]
    if not (question or "").strip():
        errors["question"] = [_("Write the client's question.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    sheet = Consultation.objects.create(
        client=client, branch=client.branch, filed_by=user, advisor=advisor,
        question=question.strip(), holdings=holdings if holdings is not None else
        holdings_of(client), created_at=now,
        due_at=compute_deadline(get_policy(CONSULTATION_POLICY), now),
    )  # fmt: skip
    notify(
        users=[advisor],
        title=_("Consultation sheet: %(client)s") % {"client": client},
        url=sheet.get_absolute_url(),
    )
    return sheet


LEVEL = {f"C{i}": i for i in range(1, 6)}


def product_suitability(client: Client, risk_level: str) -> str:
    """'ok', 'needs_warning' (above the client's level) or 'blocked' (lowest category)."""
    product = int(risk_level[1])
    if client.investor_class == InvestorClass.PROFESSIONAL:
        return "ok"
    if client.lowest_category:
        return "ok" if product <= 1 else "blocked"
    allowed = LEVEL.get(client.risk_level, 0)
    return "ok" if product <= allowed else "needs_warning"


def needs_recording(risk_level: str, verdict: str) -> bool:
    """A recorded sale (双录): a product above CRM_RECORDING_ABOVE_LEVEL (R3), or one
    above the client's level sold on the client's written insistence."""
    threshold = level_number(settings.CRM_RECORDING_ABOVE_LEVEL)
    return level_number(risk_level) > threshold or verdict == "needs_warning"


def _catalogued(product: dict) -> dict:
    """The row with the catalogue's name and level when it names a catalogue product:
    the level is copied from the catalogue, never typed."""
    picked = product.get("product")
    if picked is None:
        return product
    return {**product, "name": picked.name, "risk_level": picked.risk_level}


def product_verdicts(client: Client, products: list[dict]) -> tuple[list, dict]:
    """The suitability rule over the advised products: (product, verdict) per acceptable
    row, and the errors by `products[i]`. No query: the web form runs it along with its
    own checks, so that every error comes back in one round. A row names a catalogue
    product (`product`, whose level counts) or, as before the catalogue, a typed name and
    level. A recorded sale needs the recording's reference and time (`recording_ref`,
    `recorded_at`) before it is stored."""
    rows: list = []
    errors: dict[str, list] = {}
    now = timezone.now()
    for i, product in enumerate(products):
        product = _catalogued(product)
        level = product.get("risk_level")
        if level not in ("R1", "R2", "R3", "R4", "R5") or not (product.get("name") or "").strip():
            errors[f"products[{i}]"] = [_("Each product needs a name and a level R1 to R5.")]
            continue
        verdict = product_suitability(client, level)
        names = {"name": product["name"], "level": level, "client": client.risk_level or "—"}
        if verdict == "blocked":
            errors[f"products[{i}]"] = [
                _("%(name)s (%(level)s) cannot be advised: the client is in the lowest category.")
                % names
            ]
            continue
        if verdict == "needs_warning" and not (
            product.get("client_insists_in_writing") and product.get("special_warning_given")
        ):
            errors[f"products[{i}]"] = [
                _(
                    "%(name)s (%(level)s) is above the client's level %(client)s: record the "
                    "client's written insistence and the special risk warning first."
                )
                % names
            ]
        if needs_recording(level, verdict):
            ref = (product.get("recording_ref") or "").strip()
            recorded_at = product.get("recorded_at")
            if not ref or recorded_at is None:
                errors.setdefault(f"products[{i}]", []).append(
                    _(
                        "%(name)s (%(level)s) is a recorded sale (双录): enter the reference "
                        "of its audio/video recording and when it was recorded before the "
                        "advice is stored."
                    )
                    % names
                )
            elif recorded_at > now:
                errors.setdefault(f"products[{i}]", []).append(
                    _("%(name)s: the recording cannot be later than now.") % names
                )
        if f"products[{i}]" not in errors:
            rows.append((product, verdict))
    return rows, errors


def consultation_answer(
    *,
    user,
    consultation: Consultation,
    analysis: str,
    advice: str,
    products: list[dict] | None = None,
) -> Consultation:
    """The advisor's analysis and advice. A product above the client's level is refused for
    the lowest category and otherwise needs the client's written insistence and the special
    risk warning, recorded here before the advice is stored; a recorded sale (双录) needs
    its recording's reference. Nothing is stored while any product is refused."""
    if consultation.advisor_id != user.pk:
        _role(user, Role.BRANCH_MANAGER, Role.HQ)
    errors: dict[str, list] = {}
    if not (analysis or "").strip():
        errors["analysis"] = [_("Write the analysis.")]
    if not (advice or "").strip():
        errors["advice"] = [_("Write the advice.")]
    client = consultation.client
    rows, product_errors = product_verdicts(client, products or [])
    errors.update(product_errors)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        sheet = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if sheet.status != Consultation.Status.OPEN:
            raise TransitionNotAllowed(_("This sheet has already been answered."))
        sheet.analysis, sheet.advice = analysis.strip(), advice.strip()
        sheet.status, sheet.answered_at = Consultation.Status.ANSWERED, now
        sheet.answered_in_time = now <= sheet.due_at
        sheet.save()
        AdvisedProduct.objects.bulk_create([
            AdvisedProduct(
                consultation=sheet, product=p.get("product"), name=p["name"].strip()[:100],
                risk_level=p["risk_level"], above_client_level=verdict == "needs_warning",
                client_insists_in_writing=bool(p.get("client_insists_in_writing")),
                special_warning_given_at=now if verdict == "needs_warning" else None,
                recording_ref=(p.get("recording_ref") or "").strip()[:64]
                if needs_recording(p["risk_level"], verdict) else "",
                recorded_at=p.get("recorded_at") if needs_recording(p["risk_level"], verdict)
                else None,
            )
            for p, verdict in rows
        ])  # fmt: skip
    notify(
        users=[sheet.filed_by],
        title=_("Advice ready: %(client)s") % {"client": client},
        url=sheet.get_absolute_url(),
    )
    return sheet


OPEN_ADVICE = (Consultation.Status.OPEN, Consultation.Status.ANSWERED)  # not yet delivered


def _recheck_reason(row: AdvisedProduct, level: str) -> str:
    """Why the advice no longer passes at the catalogue's new level, or ""."""
    client = row.consultation.client
    verdict = product_suitability(client, level)
    names = {"level": level, "client": client.risk_level or "—"}
    if verdict == "blocked":
        return _("At %(level)s the product cannot be advised to a lowest-category client.") % names
    reasons = []
    if verdict == "needs_warning" and not (
        row.client_insists_in_writing and row.special_warning_given_at
    ):
        reasons.append(_("%(level)s is above the client's level %(client)s: written insistence "
                         "and the special risk warning are not recorded.") % names)  # fmt: skip
    if needs_recording(level, verdict) and not row.recording_ref:
        reasons.append(_("At %(level)s it is a recorded sale (双录): no recording.") % names)
    return " ".join(reasons)


def advice_recheck(*, changes: list[tuple[int, str, str]], user=None) -> list[AdvisedProduct]:
    """The catalogue changed these products' levels ([(product_id, old, new)]): the advice
    naming them on sheets not yet delivered is checked again at the new level; each that
    no longer passes is flagged (the page of advice to re-check lists it) and its advisor
    is told. Set-based: one read, one update, one notification per product."""
    new_level = {pk: new for pk, _old, new in changes}
    rows = list(
        AdvisedProduct.objects.filter(product_id__in=new_level,
                                      consultation__status__in=OPEN_ADVICE)
        .select_related("consultation__client", "consultation__advisor", "product")
    )  # fmt: skip
    now, flagged = timezone.now(), []
    for row in rows:
        level = new_level[row.product_id or 0]
        reason = _recheck_reason(row, level)
        if reason:
            row.recheck_needed, row.recheck_level = True, level
            row.recheck_reason, row.recheck_flagged_at = reason[:300], now
            flagged.append(row)
    AdvisedProduct.objects.bulk_update(
        flagged, ["recheck_needed", "recheck_level", "recheck_reason", "recheck_flagged_at"],
        batch_size=1000,
    )  # fmt: skip
    by_product: dict[int, set] = {}
    names: dict[int, str] = {}
    for row in flagged:
        by_product.setdefault(row.product_id or 0, set()).add(row.consultation.advisor)
        names[row.product_id or 0] = row.name
    for pk, advisors in by_product.items():
        notify(
            users=sorted(advisors, key=lambda u: u.pk),
            title=_("%(product)s is now %(level)s: open advice to re-check")
            % {"product": names[pk], "level": new_level[pk]},
            url=reverse("visits:affected-advice") + f"?product={pk}",
        )
    return flagged


def consultation_deliver(*, user, consultation: Consultation, note: str) -> Consultation:
    """The advice reached the client: recorded by the account manager or the advisor (or
    a branch manager / HQ), never by compliance, agents or integrations."""
    _role(user, Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.BRANCH_MANAGER, Role.HQ)
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say how the advice was delivered.")]})
    updated = Consultation.objects.filter(
        pk=consultation.pk, status=Consultation.Status.ANSWERED
    ).update(status=Consultation.Status.DELIVERED, delivered_at=timezone.now(),
             delivery_note=note.strip()[:200])  # fmt: skip
    if not updated:
        raise TransitionNotAllowed(_("Only answered sheets can be delivered."))
    consultation.refresh_from_db()
    return consultation


# --- Events ---------------------------------------------------------------------------
MAX_OCCURRENCES = 104  # two years of a weekly meeting


def occurrences(first: datetime, frequency: str, until: date) -> list[datetime]:
    """The start of each occurrence of a recurring event, from `first` to the day `until`
    (included): the same weekday and time every week, or the same day of the month every
    month (the month's last day when it is shorter: 31 Jan, 28 Feb, 31 Mar ...)."""
    local = timezone.localtime(first)
    weekly = frequency == EventSeries.Frequency.WEEKLY
    starts: list[datetime] = []
    n = 0
    while len(starts) <= MAX_OCCURRENCES:  # one past the limit: the caller says so
        try:
            at = local + (timedelta(weeks=n) if weekly else relativedelta(months=n))
        except (OverflowError, ValueError):  # past the year 9999
            break
        if at.date() > until:
            break
        starts.append(at)
        n += 1
    return starts


def event_create(*, user, kind, title, starts_at, place, capacity=None, description="",
                 products=(), repeat="", until=None):  # fmt: skip
    """An event of the user's branch; `products`: the catalogue products it presents.
    With `repeat` (weekly, monthly) and `until`, a recurring event: every occurrence up
    to `until` is created at once, each an event of its own in one series (one INSERT for
    the events, one for their products). The first occurrence is returned."""
    staff = _role(user, Role.BRANCH_MANAGER, Role.ACCOUNT_MANAGER, Role.HQ)
    errors: dict[str, list] = {}
    if kind not in Event.Kind.values:
        errors["kind"] = [_("Choose the type of event.")]
    starts: list[datetime] = [starts_at]
    if repeat:
        if repeat not in EventSeries.Frequency.values:
            errors["repeat"] = [_("Choose every week or every month.")]
        elif until is None:
            errors["until"] = [_("Say until which day the event repeats.")]
        elif until < timezone.localtime(starts_at).date():
            errors["until"] = [_("The last day cannot be before the first event.")]
        else:
            starts = occurrences(starts_at, repeat, until)
            if len(starts) > MAX_OCCURRENCES:
                errors["until"] = [_("At most %(n)d occurrences: choose an earlier last day.")
                                   % {"n": MAX_OCCURRENCES}]  # fmt: skip
    if errors:
        raise ValidationError(errors)
    fields = {"branch_id": staff.branch_id, "kind": kind, "title": title.strip(),
              "place": place.strip(), "capacity": capacity, "description": description,
              "created_by": user}  # fmt: skip
    with transaction.atomic():
        series = None
        if repeat:
            series = EventSeries.objects.create(branch_id=staff.branch_id, frequency=repeat,
                                                until=until, created_by=user)  # fmt: skip
        events = Event.objects.bulk_create(
            [Event(starts_at=at, series=series, **fields) for at in starts]
        )
        if products:
            through = Event.products.through
            through.objects.bulk_create([
                through(event_id=e.pk, product_id=getattr(p, "pk", p))
                for e in events for p in products
            ])  # fmt: skip
    return events[0]


def event_invite_segment(*, user, event: Event, tiers=(), stages=()) -> int:
    """Invite every client of the event's branch in the given tiers and stages (a client
    already invited is not invited twice). One INSERT ... SELECT."""
    _role(user, Role.BRANCH_MANAGER, Role.ACCOUNT_MANAGER, Role.HQ)
    if not tiers and not stages:
        raise ValidationError({"tiers": [_("Choose at least one tier or stage.")]})
    qs = Client.objects.visible_to(user).filter(branch_id=event.branch_id).exclude(
        client_no=None).exclude(account_status="closed")  # fmt: skip
    if tiers:
        qs = qs.filter(tier__in=tiers)
    if stages:
        qs = qs.filter(stage__in=stages)
    before = event.invitations.count()
    Invitation.objects.bulk_create(
        [Invitation(event=event, client_id=pk) for pk in qs.values_list("pk", flat=True)],
        ignore_conflicts=True, batch_size=2000,
    )  # fmt: skip
    return event.invitations.count() - before


def event_invite_clients(*, user, event: Event, clients, whole_series: bool = False) -> int:
    """Invite single clients, potential clients too (a prospect has no client number yet),
    of the event's branch and the user's scope; with `whole_series`, to this occurrence
    and every later one of its recurring event. A client already invited is not invited
    twice. Returns how many invitations were added (one INSERT)."""
    _role(user, Role.BRANCH_MANAGER, Role.ACCOUNT_MANAGER, Role.HQ)
    ids = {getattr(c, "pk", c) for c in clients}
    if not ids:
        raise ValidationError({"client": [_("Choose a client to invite.")]})
    found = set(
        Client.objects.visible_to(user).filter(pk__in=ids, branch_id=event.branch_id)
        .exclude(account_status="closed").values_list("pk", flat=True)
    )  # fmt: skip
    if found != ids:
        raise ValidationError({"client": [_(
            "Only clients and potential clients of the event's branch whom you serve can be "
            "invited (not a closed account).")]})  # fmt: skip
    events = [event.pk]
    if whole_series and event.series_id:
        events = list(Event.objects.filter(series_id=event.series_id,
                                           starts_at__gte=event.starts_at)
                      .values_list("pk", flat=True))  # fmt: skip
    invited = Invitation.objects.filter(event_id__in=events)
    before = invited.count()
    Invitation.objects.bulk_create(
        [Invitation(event_id=e, client_id=c) for e in events for c in sorted(found)],
        ignore_conflicts=True,
    )
    return invited.count() - before


def event_full_message() -> str:
    return _("The event is full: the invitee can attend once a seat is freed.")


def seats_taken(event: Event) -> int:
    return Invitation.objects.filter(event=event, status__in=SEATED).count()


def _lock(invitation: Invitation) -> tuple[Event, Invitation]:
    """The event's row locked first (every change of its seats queues on it), then the
    invitation's."""
    event = Event.objects.select_for_update().get(pk=invitation.event_id)
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    return event, locked


def _full(event: Event) -> bool:
    return event.capacity is not None and seats_taken(event) >= event.capacity


def _promote(event: Event) -> list[Invitation]:
    """Free seats go to the waiting list, the first to wait first; their account
    managers are told. Runs under the event's lock."""
    if event.capacity is None:  # no limit: nobody waits but whom a person put there
        return []
    free = event.capacity - seats_taken(event)
    if free <= 0:
        return []
    promoted = list(
        Invitation.objects.select_for_update().filter(event=event,
                                                      status=Invitation.Status.WAITING)
        .select_related("client__owner").order_by("waiting_since", "id")[:free]
    )  # fmt: skip
    Invitation.objects.filter(pk__in=[i.pk for i in promoted]).update(
        status=Invitation.Status.ACCEPTED, waiting_since=None, updated_at=timezone.now()
    )
    for inv in promoted:
        inv.status, inv.waiting_since = Invitation.Status.ACCEPTED, None
        notify(
            users=[inv.client.owner],
            title=_("A seat is free at %(event)s: %(client)s moves up from the waiting list")
            % {"event": event.title, "client": inv.client.name},
            url=event.get_absolute_url(),
        )
    return promoted


def event_invite_saved_list(*, user, event: Event, saved: SavedClientFilter) -> int:
    """Invite the clients a saved client list selects, among those the user may see (the
    list never widens the user's scope, whoever saved it), of the event's branch, potential
    clients included, closed accounts never; a client already invited is not invited
    twice. One SELECT of the ids, then INSERTs of 2,000 rows."""
    _role(user, Role.BRANCH_MANAGER, Role.ACCOUNT_MANAGER, Role.HQ)
    if not SavedClientFilter.objects.visible_to(user).filter(pk=saved.pk).exists():
        raise ValidationError({"saved": [_("No such list among the lists you may use.")]})
    base = Client.objects.visible_to(user).filter(branch_id=event.branch_id).exclude(
        account_status=AccountStatus.CLOSED
    )  # fmt: skip
    clients = saved_filter_apply(saved, base, user=user)
    before = event.invitations.count()
    Invitation.objects.bulk_create(
        [Invitation(event=event, client_id=pk) for pk in clients.values_list("pk", flat=True)],
        ignore_conflicts=True, batch_size=2000,
    )  # fmt: skip
    return event.invitations.count() - before


def invitation_update(*, user, invitation: Invitation, status: str, feedback: str = ""):
    """The invitee's answer. Accepting an event that is full puts the invitee on its
    waiting list; an invitee giving up a seat (declined, did not come) frees it for the
    first one waiting. Under the event's row lock, so two answers at once never take
    the same last seat."""
    _role(user, Role.BRANCH_MANAGER, Role.ACCOUNT_MANAGER, Role.SERVICE_AGENT, Role.HQ)
    if not Invitation.objects.visible_to(user).filter(pk=invitation.pk).exists():
        raise ValidationError({"invitation": [_("No such invitation.")]})
    if status not in Invitation.Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    with transaction.atomic():
        event, inv = _lock(invitation)
        was_seated = inv.status in SEATED
        if status in SEATED and not was_seated and _full(event):
            if status == Invitation.Status.ATTENDED:
                raise ValidationError({"status": [event_full_message()]})
            status = Invitation.Status.WAITING
        if status == Invitation.Status.WAITING:
            inv.waiting_since = inv.waiting_since or timezone.now()
        else:
            inv.waiting_since = None
        inv.status, inv.feedback = status, (feedback or "").strip()[:300]
        try:
            inv.save(update_fields=["status", "feedback", "waiting_since", "updated_at"])
        except IntegrityError as exc:  # pragma: no cover - unique key cannot change here
            raise ValidationError(str(exc)) from exc
        promoted = _promote(event) if was_seated and status not in SEATED else []
    invitation.status, invitation.feedback = inv.status, inv.feedback
    invitation.waiting_since = inv.waiting_since
    invitation.promoted = promoted  # type: ignore[attr-defined]  # who moved up, for the page
    return invitation


# --- Check-in at the door: a signed token per invitation, shown as a QR code ------------
CHECKIN_SALT = "visits.invitation.check-in"


def checkin_token(invitation: Invitation) -> str:
    """The invitation's pass: its id signed with the secret key (cannot be guessed or
    changed into another invitation's)."""
    return signing.Signer(salt=CHECKIN_SALT).sign(str(invitation.pk))


def invitation_for_token(user, token: str) -> Invitation | None:
    """The invitation a pass names, if the token is genuine and the user may see it."""
    try:
        pk = int(signing.Signer(salt=CHECKIN_SALT).unsign(token or ""))
    except (signing.BadSignature, ValueError):
        return None
    return (Invitation.objects.visible_to(user).select_related("event", "client")
            .filter(pk=pk).first())  # fmt: skip


def invitation_check_in(*, user, invitation: Invitation) -> tuple[Invitation, bool]:
    """The invitee came (their pass was scanned at the door): attended, with when and by
    whom; on the event's day only. Returns (invitation, checked in before): a second scan
    changes nothing. An invitee without a seat gets one if the event is not full."""
    _role(user, Role.BRANCH_MANAGER, Role.ACCOUNT_MANAGER, Role.SERVICE_AGENT, Role.HQ)
    with transaction.atomic():
        event, inv = _lock(invitation)
        if inv.status == Invitation.Status.ATTENDED:
            return inv, True
        if timezone.localtime(event.starts_at).date() != timezone.localdate():
            raise ValidationError(_("Check-in is open on the day of the event only (%(day)s).")
                                  % {"day": timezone.localtime(event.starts_at)
                                     .strftime("%Y-%m-%d")})  # fmt: skip
        if inv.status not in SEATED and _full(event):
            raise ValidationError(event_full_message())
        inv.status, inv.waiting_since = Invitation.Status.ATTENDED, None
        inv.checked_in_at, inv.checked_in_by = timezone.now(), user
        inv.save(update_fields=["status", "waiting_since", "checked_in_at", "checked_in_by",
                                "updated_at"])  # fmt: skip
    return inv, False


# --- Sending the invitations (客户触达) -------------------------------------------------------
def event_send_invitations(*, user, event: Event) -> dict[str, int]:
    """发送邀请: the invitees not yet answered get the event's invitation as a marketing
    message by their channel (SMS to a mobile, else e-mail), with their consent and under
    the monthly cap; once per client and event (the key), however often it is clicked."""
    _role(user, Role.BRANCH_MANAGER, Role.ACCOUNT_MANAGER, Role.HQ)
    invitees = Client.objects.visible_to(user).filter(
        invitations__event=event, invitations__status=Invitation.Status.INVITED
    )
    local = timezone.localtime(event.starts_at)
    context = {"event_title": event.title, "event_place": event.place,
               "event_time": f"{local.month}月{local.day}日 {local:%H:%M}"}  # fmt: skip
    counts = {"queued": 0, "withheld": 0, "already": 0, "no_template": 0}
    for channel, where in (
        (Channel.SMS, rules.address_q(Channel.SMS)),
        (Channel.EMAIL, ~rules.address_q(Channel.SMS) & rules.address_q(Channel.EMAIL)),
    ):
        clients = invitees.filter(where)
        template = outreach.template_for("event-invitation", channel, event.branch_id)
        if template is None:
            counts["no_template"] += clients.count()
            continue
        result = outreach.messages_queue_bulk(
            clients=clients, channel=channel, purpose=Purpose.MARKETING, template=template,
            source_kind=SourceKind.INVITATION, source_id=event.pk,
            key_prefix=f"invitation:{event.pk}", context_for=lambda c: context, by=user,
        )  # fmt: skip
        counts["queued"] += result.queued
        counts["withheld"] += result.withheld
        counts["already"] += result.already_queued
    counts["withheld"] += invitees.exclude(
        Q(rules.address_q(Channel.SMS)) | Q(rules.address_q(Channel.EMAIL))
    ).count()
    return counts
