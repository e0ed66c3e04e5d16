"""What visits plug into the kernel and the client file."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.timeline import Entry, register_provider
from crm.demo import register_seeder
from crm.models import Role
from crm.roles import ALL, grant
from crm.sla import Clock, declare_policy, register_clock
from crm.workbench import Section, register_section
from products.signals import product_level_changed

from . import selectors
from .models import Consultation, Event, Invitation, VisitPlan


def _visit_entries(client, limit):
    # the client's own visits and the group visits naming them, as a UNION of two index
    # look-ups: an OR across the join read every completed visit (14 ms at 50,000)
    group = VisitPlan.other_clients.through.objects.filter(client=client)
    theirs = (
        VisitPlan.objects.filter(client=client).values("pk").union(group.values("visitplan_id"))
    )
    plans = (
        VisitPlan.objects.filter(pk__in=theirs, status="completed", planned_at__lte=timezone.now())
        .select_related("record").order_by("-planned_at")[:limit]
    )  # fmt: skip
    return [
        Entry(at=p.planned_at, kind="visit",
              title=_("Visit: %(kind)s") % {"kind": p.get_kind_display()},
              detail=p.record.presented[:80] if hasattr(p, "record") else "",
              url=p.get_absolute_url())
        for p in plans
    ]  # fmt: skip


def _event_entries(client, limit):
    rows = (
        Invitation.objects.filter(client=client, status="attended").select_related("event")
        .order_by("-event__starts_at")[:limit]
    )  # fmt: skip
    return [Entry(at=i.event.starts_at, kind="event",
                  title=(_("Investor education attended: %(title)s")
                         if i.event.kind == Event.Kind.EDUCATION
                         else _("Attended: %(title)s")) % {"title": i.event.title},
                  detail=_("Checked in at the door %(at)s")
                  % {"at": timezone.localtime(i.checked_in_at).strftime("%H:%M")}
                  if i.checked_in_at else "",
                  url=i.event.get_absolute_url()) for i in rows]  # fmt: skip


def _consultation_entries(client, limit):
    rows = Consultation.objects.filter(client=client).order_by("-created_at")[:limit]
    return [Entry(at=c.created_at, kind="consultation",
                  title=_("Consultation: %(status)s") % {"status": c.get_status_display()},
                  detail=c.question[:80], url=c.get_absolute_url()) for c in rows]  # fmt: skip


def _visit_counts(today):
    rows = (VisitPlan.objects.filter(status="approved", planned_at__date__lte=today)
            .values("owner_id").annotate(n=Count("id")))  # fmt: skip
    return {r["owner_id"]: r["n"] for r in rows}


def _consultation_counts(today):
    rows = (Consultation.objects.filter(status="open", due_at__date__lte=today)
            .values("advisor_id").annotate(n=Count("id")))  # fmt: skip
    return {r["advisor_id"]: r["n"] for r in rows}


def _seed(users, stdout):
    from .demo import seed_visits

    seed_visits(users, stdout)


def _recheck_advice(sender, changes, user=None, **kwargs):
    from .services import advice_recheck

    advice_recheck(changes=changes, user=user)


def register() -> None:
    from . import measures

    measures.register()
    declare_policy("visit.record", name="拜访记录填写", target_value=1, target_unit="workdays",
                   warn_before_minutes=4 * 60, escalation_roles=[Role.BRANCH_MANAGER],
                   escalation_interval_minutes=24 * 60)  # fmt: skip
    declare_policy(
        "consultation.answer",
        name="咨询表答复",
        target_value=2,
        target_unit="workdays",
        warn_before_minutes=4 * 60,
        escalation_roles=[Role.BRANCH_MANAGER],
        escalation_interval_minutes=24 * 60,
    )
    register_clock(Clock(
        name="visit.record", model=VisitPlan, due_field="record_due_at",
        policy_code="visit.record", open_filter=Q(status="approved"),
        recipients=lambda plans: {p.pk: {p.owner_id} for p in plans},
        describe=lambda p: str(_("record the visit to %(client)s") % {"client": p.client.name}),
        url=lambda p: reverse("visits:detail", args=[p.pk]),
        select_related=("client",),
    ))  # fmt: skip
    register_clock(Clock(
        name="consultation.answer", model=Consultation, due_field="due_at",
        policy_code="consultation.answer", open_filter=Q(status="open"),
        recipients=lambda sheets: {s.pk: {s.advisor_id} for s in sheets},
        describe=lambda s: str(_("answer consultation sheet %(id)s") % {"id": s.pk}),
        url=lambda s: reverse("visits:consultation", args=[s.pk]),
        start_field="created_at",
    ))  # fmt: skip
    register_section(Section(
        key="visits", title=_("My visits this week"), template="visits/workbench/visits.html",
        queryset=selectors.my_visits, due_field="planned_at",
        roles=frozenset({Role.ACCOUNT_MANAGER}),
        agenda_counts=_visit_counts, url_name="visits:list", order=12,
    ))  # fmt: skip
    register_section(Section(
        key="visit_approvals", title=_("Visit plans to approve"),
        template="visits/workbench/approvals.html", queryset=selectors.approval_queue,
        due_field="planned_at", roles=frozenset({Role.BRANCH_MANAGER}),
        url_name="visits:approvals", order=11, empty=_("No visit plan is waiting for approval."),
    ))  # fmt: skip
    register_section(Section(
        key="consultations", title=_("My consultation queue"),
        template="visits/workbench/consultations.html",
        queryset=selectors.consultation_answer_queue, due_field="due_at",
        roles=frozenset({Role.ADVISOR}), agenda_counts=_consultation_counts,
        url_name="visits:consultations", url_query="status=open", order=10,
        empty=_("No consultation sheet is waiting for your answer."),
    ))  # fmt: skip
    register_section(Section(
        key="research", title=_("Research requests from visits"),
        template="visits/workbench/research.html", queryset=selectors.research_answer_queue,
        roles=frozenset({Role.ADVISOR}), url_name="visits:research", order=11,
        empty=_("No research request is waiting for an answer."),
    ))  # fmt: skip
    register_provider("visit", _visit_entries)
    register_provider("event", _event_entries)
    register_provider("consultation", _consultation_entries)
    register_seeder(50, "visits", _seed)
    product_level_changed.connect(_recheck_advice, dispatch_uid="visits.recheck_advice")
    grant(
        ALL - {Role.INTEGRATION},
        "visits.view_visitplan",
        "visits.view_consultation",
        "visits.view_event",
    )
    grant(
        {Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER, Role.HQ},
        "visits.add_visitplan",
        "visits.change_visitplan",
        "visits.add_consultation",
        "visits.add_event",
    )
    grant({Role.ADVISOR}, "visits.change_consultation")
