"""Compliance cases: opening one (from a callback's red flags, exactly once per callback,
or by hand from a complaint, a call or a visit record) and the workflow steps of
compliance/workflow.py, `case_<step>`.

The call center does not know compliance exists (it sits below): it runs the handlers
of `callcenter.hooks.callback_completed` in the transaction that saves the registration
form, and compliance registers `case_from_callback` there (compliance.registrations). So
the case exists exactly when the completed callback does; a second completion of the
same callback (or a retry) opens nothing: the unique key (callback, its id).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Role, StaffProfile, staff_of
from crm.references import check_branch
from crm.services import notify
from crm.sla import compute_deadline, get_policy

from . import sources
from .models import CASE_ROLES, ComplianceCase, ComplianceCaseEvent, Finding, SourceKind
from .workflow import CASE_WORKFLOW

POLICY = "compliance.case"
TEXT_LIMIT = 4000

# The registration form's answers that are compliance matters: (field, the red-flag
# answer, what it means).
RED_FLAG_QUESTIONS = (
    ("trading_by_staff", "yes", gettext_lazy("Staff traded on the client's behalf (代客操作)")),
    ("discretionary_mandate", "yes", gettext_lazy("Discretionary mandate given (全权委托)")),
    ("risks_disclosed", "no", gettext_lazy("Risks not disclosed")),
    ("identity_verified", False, gettext_lazy("Identity not verified")),
)
QUESTION_LABELS = {field: label for field, _answer, label in RED_FLAG_QUESTIONS}


def red_flags(answers) -> list[dict]:
    """The red-flag answers of a registration form (an object or a dict), in the order
    of RED_FLAG_QUESTIONS: [{"question": field, "answer": value}]."""
    get = answers.get if isinstance(answers, dict) else lambda f: getattr(answers, f, None)
    flags = []
    for field, flagged, _label in RED_FLAG_QUESTIONS:
        value = get(field)
        if value is None:
            continue
        if value == flagged:
            flags.append({"question": field, "answer": value})
    return flags


def _assignee(branch_id: int, concerned_id: int | None):
    """The branch's compliance officer (never the person concerned); None: HQ takes it."""
    officers = StaffProfile.objects.filter(branch_id=branch_id, role=Role.COMPLIANCE,
                                           user__is_active=True)  # fmt: skip
    if concerned_id is not None:
        officers = officers.exclude(user_id=concerned_id)
    profile = officers.select_related("user").order_by("user_id").first()
    return profile.user if profile is not None else None


def _event(case, user, action, from_status, to_status, note=""):
    return ComplianceCaseEvent.objects.create(
        case=case, by=user, action=action, from_status=from_status, to_status=to_status,
        note=(note or "")[:TEXT_LIMIT],
    )  # fmt: skip


def _announce(case: ComplianceCase) -> None:
    """Tell the compliance officer (on commit); never the person concerned."""
    if case.assignee_id is None or case.assignee_id == case.staff_concerned_id:
        return
    assignee, url, ref = case.assignee, case.get_absolute_url(), case.reference
    transaction.on_commit(lambda: notify(
        users=[assignee], title=_("Compliance case %(ref)s opened") % {"ref": ref}, url=url,
        kind="compliance.opened",
    ))  # fmt: skip


def _create(*, branch_id, client, concerned, source_kind, source_id, source_url, flags,
            summary, user, opened_at=None) -> ComplianceCase:  # fmt: skip
    now = opened_at or timezone.now()
    case = ComplianceCase.objects.create(
        branch_id=branch_id, client=client, staff_concerned=concerned, source_kind=source_kind,
        source_id=source_id, source_url=(source_url or "")[:200], red_flags=flags,
        summary=summary[:TEXT_LIMIT], opened_by=user, opened_at=now,
        assignee=_assignee(branch_id, getattr(concerned, "pk", None)),
        due_at=compute_deadline(get_policy(POLICY), now),
    )  # fmt: skip
    _event(case, user, "open", "", case.status, summary[:200])
    _announce(case)
    return case


def flags_text(flags: list[dict]) -> str:
    return "；".join(str(QUESTION_LABELS.get(f["question"], f["question"])) for f in flags)


def case_from_callback(*, form, user=None) -> ComplianceCase | None:
    """The callcenter hook: a registration form with a red-flag answer opens a case for
    the branch's compliance officer, about the client's account manager at the time;
    once per callback (None when there is no red flag; the existing case otherwise)."""
    flags = red_flags(form)
    if not flags:
        return None
    callback = form.callback
    existing = ComplianceCase.objects.filter(source_kind=SourceKind.CALLBACK,
                                             source_id=callback.pk).first()  # fmt: skip
    if existing is not None:
        return existing
    client = callback.client
    summary = _("Callback red flags: %(flags)s") % {"flags": flags_text(flags)}
    try:
        with transaction.atomic():
            return _create(
                branch_id=callback.branch_id, client=client, concerned=client.owner,
                source_kind=SourceKind.CALLBACK, source_id=callback.pk,
                source_url=callback.get_absolute_url(), flags=flags, summary=summary,
                user=None,
            )  # fmt: skip
    except IntegrityError:  # opened by a concurrent completion meanwhile
        return ComplianceCase.objects.get(source_kind=SourceKind.CALLBACK, source_id=callback.pk)


# --- Permissions ----------------------------------------------------------------------------
def can_work(user) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role in CASE_ROLES


def _check_role(user):
    staff = staff_of(user)
    if staff is None or staff.role not in CASE_ROLES:
        raise PermissionDenied(_("Only compliance officers and HQ work on compliance cases."))
    return staff


def case_open(*, user, data: dict) -> ComplianceCase:
    """A case opened by hand by a compliance officer (or HQ): from a source (its kind
    and number) or entered without one; the staff member concerned defaults to the
    source client's account manager."""
    staff = _check_role(user)
    kind = data.get("source_kind") or SourceKind.MANUAL
    errors: dict[str, list[str]] = {}
    source = None
    try:
        source = sources.resolve(user, kind, data.get("source_id"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    summary = (data.get("summary") or "").strip()
    if not summary:
        errors["summary"] = [_("Describe the matter.")]
    elif len(summary) > TEXT_LIMIT:
        errors["summary"] = [_("At most %(n)d characters.") % {"n": TEXT_LIMIT}]
    concerned = data.get("staff_concerned")
    client = data.get("client")
    if (
        source is not None
        and source.kind == SourceKind.CALLBACK
        and (ComplianceCase.objects.filter(source_kind=kind, source_id=source.id).exists())
    ):
        errors["source_id"] = [_("This callback has a compliance case already.")]
    if errors:
        raise ValidationError(errors)
    if source is not None:
        branch_id, client = source.branch_id, source.client
        concerned = concerned or source.staff_concerned
    else:
        branch_id = client.branch_id if client is not None else staff.branch_id
        if client is not None and concerned is None:
            concerned = client.owner
    if concerned is not None and concerned.pk == user.pk:
        raise ValidationError(
            {
                "staff_concerned": [
                    _("A case about yourself is opened by another compliance officer or HQ.")
                ]
            }
        )
    check_branch(branch_id, staff_concerned=concerned)
    try:
        with transaction.atomic():
            return _create(
                branch_id=branch_id, client=client, concerned=concerned,
                source_kind=kind, source_id=source.id if source else None,
                source_url=source.url if source else "", flags=[], summary=summary, user=user,
            )  # fmt: skip
    except IntegrityError:
        raise ValidationError(
            {"source_id": [_("This callback has a compliance case already.")]}
        ) from None


# --- Workflow steps -------------------------------------------------------------------------
def _step(*, user, case, action: str, note: str = "", version=None, change=None):
    """A step of compliance.workflow (crm.workflow.Workflow.take), with its event line."""
    _check_role(user)
    return CASE_WORKFLOW.take(
        action, case, version=version, change=change,
        stale=_("Someone else changed this compliance case since you opened it. Reload it."),
        record=lambda locked, before: _event(locked, user, action, before, locked.status, note),
    )  # fmt: skip


def case_investigate(*, user, case, note: str = "", version=None) -> ComplianceCase:
    staff = staff_of(user)

    def change(c, now):
        c.investigation_started_at = now
        if c.assignee_id is None and staff is not None and staff.role == Role.COMPLIANCE:
            c.assignee = user

    return _step(user=user, case=case, action="investigate", note=(note or "").strip(),
                 version=version, change=change)  # fmt: skip


def case_conclude(*, user, case, finding: str, measures: str = "", reported_to_hq=False,
                  note: str = "", version=None) -> ComplianceCase:  # fmt: skip
    """The finding; a substantiated one needs the measures taken."""
    measures = (measures or "").strip()
    if finding not in Finding.values:
        raise ValidationError({"finding": [_("Choose the finding.")]})
    if finding == Finding.SUBSTANTIATED and not measures:
        raise ValidationError({"measures": [_("Say what measures were taken.")]})

    def change(c, now):
        c.finding, c.measures, c.concluded_at = finding, measures[:TEXT_LIMIT], now
        if reported_to_hq and c.reported_to_hq_at is None:
            c.reported_to_hq_at = now

    text = (note or "").strip() or f"{Finding(finding).label}{'：' + measures if measures else ''}"
    return _step(user=user, case=case, action="conclude", note=text, version=version,
                 change=change)  # fmt: skip


def case_close(*, user, case, note: str = "", version=None) -> ComplianceCase:
    def change(c, now):
        c.closed_at = now

    return _step(user=user, case=case, action="close", note=(note or "").strip(),
                 version=version, change=change)  # fmt: skip
