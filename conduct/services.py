"""Every write of staff conduct and investor education, with its rules.

Self-checks: `selfcheck_form_send` defines the year's form and sends it to every active
member of staff in one INSERT ... SELECT (a second send adds only those hired since);
`selfcheck_sign` is the person's own signature. The SLA clock (conduct.registrations)
reminds the person and then escalates to the branch's compliance officer.

The misconduct register and education records from other apps' facts are kept by
set-based statements run nightly (conduct.tasks.nightly), each safe to run twice (the
unique keys and ON CONFLICT DO NOTHING): substantiated compliance cases, closed
complaints with a staff cause, attended education events, and the clients suggested for
education (two complaints, or a loss in two months, over the last three months).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import AccountSnapshot, Client
from complaints.models import Complaint
from compliance.models import ComplianceCase
from crm.models import Notification, Role, StaffProfile, person_name, staff_of
from crm.notifications import notifications_deliver
from crm.workdays import SHANGHAI
from visits.models import Event, Invitation

from .models import (
    CONDUCT_ROLES,
    EducationKind,
    EducationRecord,
    EducationSuggestion,
    MisconductEntry,
    MisconductSource,
    SelfCheck,
    SelfCheckForm,
    SelfCheckStatus,
)

TEXT_LIMIT = 4000
QUESTION_LIMIT = 40
EDUCATORS = frozenset({Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.SERVICE_AGENT,
                       Role.BRANCH_MANAGER, Role.HQ})  # fmt: skip


def _check_role(user, roles, message):
    staff = staff_of(user)
    if staff is None or staff.role not in roles:
        raise PermissionDenied(message)
    return staff


def due_moment(day: date) -> datetime:
    """A form signed by `day`: due at the end of that day, Shanghai time."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI)


# --- Self-checks ----------------------------------------------------------------------------
def selfcheck_form_send(*, user, year: int, title: str, questions: list[str], declaration: str,
                        due_on: date) -> tuple[SelfCheckForm, int]:  # fmt: skip
    """Define the year's form and send it to every active member of staff (not the
    integration accounts); (the form, how many self-checks were sent)."""
    _check_role(user, CONDUCT_ROLES,
                _("Only compliance officers and HQ define the conduct self-check."))  # fmt: skip
    questions = [q.strip()[:300] for q in questions if q and q.strip()]
    errors: dict[str, list[str]] = {}
    if not questions:
        errors["questions"] = [_("Write at least one question, one a line.")]
    elif len(questions) > QUESTION_LIMIT:
        errors["questions"] = [_("At most %(n)d questions.") % {"n": QUESTION_LIMIT}]
    if not (declaration or "").strip():
        errors["declaration"] = [_("Write the declaration the staff sign.")]
    if due_on < timezone.localdate():
        errors["due_on"] = [_("The date to sign by is in the past.")]
    if SelfCheckForm.objects.filter(year=year).exists():
        errors["year"] = [_("The form of %(year)s exists already.") % {"year": year}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        form = SelfCheckForm.objects.create(
            year=year, title=title.strip()[:200], questions=questions,
            declaration=declaration.strip()[:TEXT_LIMIT], due_on=due_on, created_by=user,
        )  # fmt: skip
        sent = selfcheck_send(form=form)
    return form, sent


def selfcheck_send(*, form: SelfCheckForm) -> int:
    """One INSERT ... SELECT of a self-check for every active member of staff without
    one for this form, and one notification each (a bulk insert); idempotent."""
    now = timezone.now()
    staff = StaffProfile._meta.db_table
    users = get_user_model()._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {SelfCheck._meta.db_table}
                    (form_id, staff_id, branch_id, status, sent_at, due_at, answers,
                     declaration_accepted, signature, signed_at)
                SELECT %s, s.user_id, s.branch_id, 'pending', %s, %s, '[]'::jsonb, false, '',
                       NULL
                FROM {staff} s JOIN {users} u ON u.id = s.user_id
                WHERE u.is_active AND s.left_on IS NULL AND s.role <> %s
                ON CONFLICT DO NOTHING RETURNING staff_id""",
            [form.pk, now, due_moment(form.due_on), Role.INTEGRATION],
        )  # fmt: skip
        people = [row[0] for row in cur.fetchall()]
    form.sent_at = form.sent_at or now
    form.save(update_fields=["sent_at"])
    url = reverse("conduct:my-selfcheck")
    title = _("Conduct self-check %(year)s to sign by %(day)s") % {
        "year": form.year, "day": f"{form.due_on.month}月{form.due_on.day}日"}  # fmt: skip
    notes = [Notification(recipient_id=pk, title=title[:200], url=url, created_at=now,
                          kind="conduct.selfcheck") for pk in people]  # fmt: skip
    transaction.on_commit(lambda: notifications_deliver(notes))
    return len(people)


def selfcheck_sign(*, user, check: SelfCheck, answers: list[dict], declaration_accepted: bool
                   ) -> SelfCheck:  # fmt: skip
    """The person fills and signs their own self-check: an answer (yes / no) to every
    question, a note where the answer is "yes" (something to declare), the declaration."""
    if check.staff_id != user.pk:
        raise PermissionDenied(_("Only the member of staff signs their own self-check."))
    questions = check.form.questions
    errors: dict[str, list[str]] = {}
    cleaned = []
    for i, _q in enumerate(questions):
        item = answers[i] if i < len(answers) else {}
        answer, note = item.get("answer"), (item.get("note") or "").strip()[:1000]
        if answer not in ("yes", "no"):
            errors[f"q{i}"] = [_("Answer this question.")]
        elif answer == "yes" and not note:
            errors[f"q{i}_note"] = [_("Say what happened.")]
        cleaned.append({"answer": answer, "note": note})
    if not declaration_accepted:
        errors["declaration_accepted"] = [_("Confirm the declaration to sign.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    signature = person_name(user)[:100]
    done = SelfCheck.objects.filter(pk=check.pk, status=SelfCheckStatus.PENDING).update(
        status=SelfCheckStatus.SIGNED, answers=cleaned, declaration_accepted=True,
        signature=signature, signed_at=now,
    )  # fmt: skip
    if not done:
        raise ValidationError(_("This self-check is signed already."))
    check.refresh_from_db()
    return check


# --- The misconduct register ----------------------------------------------------------------
def misconduct_record(*, user, staff, occurred_on: date, summary: str, measures: str = ""
                      ) -> MisconductEntry:  # fmt: skip
    """An entry by hand (a compliance officer for their branch, or HQ)."""
    me = _check_role(
        user, CONDUCT_ROLES, _("Only compliance officers and HQ keep the misconduct register.")
    )
    summary = (summary or "").strip()
    errors: dict[str, list[str]] = {}
    if not summary:
        errors["summary"] = [_("Describe the misconduct.")]
    if staff is None:
        errors["staff"] = [_("Choose the member of staff.")]
    elif staff.pk == user.pk:
        errors["staff"] = [_("An entry about yourself is made by another compliance officer "
                             "or HQ.")]  # fmt: skip
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("The date is in the future.")]
    if errors:
        raise ValidationError(errors)
    profile = staff_of(staff)
    branch_id = profile.branch_id if profile is not None else me.branch_id
    if not me.sees_all_branches and branch_id != me.branch_id:
        raise ValidationError({"staff": [_("Choose a member of staff of your branch.")]})
    return MisconductEntry.objects.create(
        branch_id=branch_id, staff=staff, staff_name=person_name(staff)[:100],
        source_kind=MisconductSource.MANUAL, occurred_on=occurred_on,
        summary=summary[:TEXT_LIMIT], measures=(measures or "").strip()[:TEXT_LIMIT],
        recorded_by=user,
    )  # fmt: skip


def misconduct_sync() -> int:
    """Register the substantiated compliance cases (their staff member concerned) and
    the closed complaints with a staff cause (topic staff conduct, or a person named as
    the cause), each once: two INSERT ... SELECT; how many entries were added."""
    entries = MisconductEntry._meta.db_table
    cases = ComplianceCase._meta.db_table
    complaints = Complaint._meta.db_table
    clients = Client._meta.db_table
    columns = ("branch_id, staff_id, staff_name, source_kind, source_id, occurred_on, summary, "
               "measures, recorded_by_id, recorded_at")  # fmt: skip
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {entries} ({columns})
                SELECT k.branch_id, k.staff_concerned_id, '', 'compliance_case', k.id,
                       (k.opened_at AT TIME ZONE 'Asia/Shanghai')::date, k.summary, k.measures,
                       NULL, now()
                FROM {cases} k
                WHERE k.finding = 'substantiated' AND k.status IN ('concluded', 'closed')
                ON CONFLICT DO NOTHING""",
        )  # fmt: skip
        added = cur.rowcount
        cur.execute(
            f"""INSERT INTO {entries} ({columns})
                SELECT p.branch_id, CASE WHEN p.topic = 'staff_conduct' THEN c.owner_id END,
                       LEFT(p.caused_by_person, 100), 'complaint', p.id,
                       (p.received_at AT TIME ZONE 'Asia/Shanghai')::date, p.description,
                       p.corrective_action, NULL, now()
                FROM {complaints} p LEFT JOIN {clients} c ON c.id = p.client_id
                WHERE p.status = 'closed'
                  AND (p.topic = 'staff_conduct' OR p.caused_by_person <> '')
                ON CONFLICT DO NOTHING""",
        )  # fmt: skip
        added += cur.rowcount
    return added


# --- Investor education ---------------------------------------------------------------------
def education_record(*, user, client: Client, kind: str, topic: str, on: date
                     ) -> EducationRecord:  # fmt: skip
    _check_role(user, EDUCATORS, _("Your role does not record investor education."))
    if not Client.objects.visible_to(user).filter(pk=client.pk).exists():
        raise ValidationError({"client": [_("No such client.")]})
    topic = (topic or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in EducationKind.values or kind == EducationKind.EVENT:
        errors["kind"] = [_("Choose an article, a video or other; events are recorded by "
                            "their attendance.")]  # fmt: skip
    if not topic:
        errors["topic"] = [_("Say the topic.")]
    if on > timezone.localdate():
        errors["on"] = [_("The date is in the future.")]
    if errors:
        raise ValidationError(errors)
    record = EducationRecord.objects.create(
        client=client, branch_id=client.branch_id, kind=kind, topic=topic[:200], on=on,
        recorded_by=user,
    )  # fmt: skip
    EducationSuggestion.objects.filter(client=client, educated_at__isnull=True).update(
        educated_at=record.recorded_at
    )
    return record


def education_from_events() -> int:
    """Attended investor-education events recorded per client, once per (event, client):
    one INSERT ... SELECT; how many were added."""
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {EducationRecord._meta.db_table}
                    (client_id, branch_id, kind, topic, "on", event_id, recorded_by_id,
                     recorded_at)
                SELECT i.client_id, e.branch_id, 'event', LEFT(e.title, 200),
                       (e.starts_at AT TIME ZONE 'Asia/Shanghai')::date, e.id, NULL, now()
                FROM {Invitation._meta.db_table} i
                JOIN {Event._meta.db_table} e ON e.id = i.event_id
                WHERE i.status = 'attended' AND e.kind = 'education'
                ON CONFLICT DO NOTHING""",
        )  # fmt: skip
        return cur.rowcount


def suggestions_mark_educated() -> int:
    """Suggestions followed by an education record of the client: done (one UPDATE)."""
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {EducationSuggestion._meta.db_table} s SET educated_at = r.at
                FROM (SELECT client_id, MAX(recorded_at) AS at, MAX("on") AS last_on
                      FROM {EducationRecord._meta.db_table} GROUP BY client_id) r
                WHERE s.educated_at IS NULL AND r.client_id = s.client_id
                  AND r.last_on >= (s.suggested_at AT TIME ZONE 'Asia/Shanghai')::date""",
        )  # fmt: skip
        return cur.rowcount


def quarter_of(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def education_suggest(today: date | None = None) -> int:
    """The clients to suggest for education, over the last three months (this one and
    the two before): two complaints or more, or a loss (the month-end assets minus the
    month before's, less the net inflow, below zero) in two months or more; not already
    educated in that time; once per quarter. One INSERT ... SELECT."""
    today = today or timezone.localdate()
    start = today.replace(day=1) - relativedelta(months=2)
    start_moment = datetime.combine(start, time.min, tzinfo=SHANGHAI)
    snapshots = AccountSnapshot._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"""WITH month_end AS (
                    SELECT DISTINCT ON (client_id, date_trunc('month', date))
                           client_id, date_trunc('month', date)::date AS month, total_assets
                    FROM {snapshots} WHERE date >= %(before)s AND date <= %(today)s
                    ORDER BY client_id, date_trunc('month', date), date DESC),
                flows AS (
                    SELECT client_id, date_trunc('month', date)::date AS month,
                           SUM(net_inflow) AS inflow
                    FROM {snapshots} WHERE date >= %(start)s AND date <= %(today)s
                    GROUP BY 1, 2),
                results AS (
                    SELECT m.client_id, m.month,
                           m.total_assets - LAG(m.total_assets) OVER (
                               PARTITION BY m.client_id ORDER BY m.month)
                           - COALESCE(f.inflow, 0) AS result
                    FROM month_end m LEFT JOIN flows f USING (client_id, month)),
                losses AS (
                    SELECT client_id, COUNT(*) AS n FROM results
                    WHERE month >= %(start)s AND result < 0
                    GROUP BY client_id HAVING COUNT(*) >= 2),
                complained AS (
                    SELECT client_id, COUNT(*) AS n FROM {Complaint._meta.db_table}
                    WHERE client_id IS NOT NULL AND received_at >= %(start_moment)s
                    GROUP BY client_id HAVING COUNT(*) >= 2),
                flagged AS (SELECT client_id FROM losses UNION SELECT client_id FROM complained)
                INSERT INTO {EducationSuggestion._meta.db_table}
                    (client_id, branch_id, quarter, reason, complaints, loss_months,
                     suggested_at, educated_at)
                SELECT c.id, c.branch_id, %(quarter)s,
                       CASE WHEN k.n IS NOT NULL AND l.n IS NOT NULL THEN 'both'
                            WHEN k.n IS NOT NULL THEN 'complaints' ELSE 'losses' END,
                       COALESCE(k.n, 0), COALESCE(l.n, 0), now(), NULL
                FROM flagged s JOIN {Client._meta.db_table} c ON c.id = s.client_id
                LEFT JOIN losses l ON l.client_id = s.client_id
                LEFT JOIN complained k ON k.client_id = s.client_id
                WHERE c.account_status <> 'closed'
                  AND NOT EXISTS (SELECT 1 FROM {EducationRecord._meta.db_table} r
                                  WHERE r.client_id = c.id AND r."on" >= %(start)s)
                ON CONFLICT DO NOTHING""",
            {"before": start - relativedelta(months=1), "start": start, "today": today,
             "start_moment": start_moment, "quarter": quarter_of(today)},
        )  # fmt: skip
        return cur.rowcount


def nightly(today: date | None = None) -> dict[str, int]:
    """The nightly job: the register, the education records from events, the
    suggestions. Each step idempotent and set-based."""
    with transaction.atomic():
        registered = misconduct_sync()
        educated = education_from_events()
        done = suggestions_mark_educated()
        suggested = education_suggest(today)
    return {"misconduct": registered, "education": educated, "educated": done,
            "suggested": suggested}  # fmt: skip
