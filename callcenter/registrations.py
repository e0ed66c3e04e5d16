"""What the call center plugs into the kernel, and how it reacts to other apps' signals."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.masking import mask_name
from clients.segmentation import register_churn_source
from clients.signals import suitability_changed
from clients.timeline import Entry, register_provider
from complaints.signals import complaint_closed
from crm.chunks import ChunkedJob, register_job
from crm.demo import register_seeder
from crm.models import Role
from crm.roles import ALL, grant
from crm.services.staff import LeaverWork, register_leaver_work
from crm.sla import Clock, declare_policy, register_clock
from crm.workbench import Section, register_section
from visits.signals import visit_completed

from . import selectors
from .models import Call, Callback

DAY = 24 * 60


def _leaver_callbacks(user_ids):
    """Open callbacks assigned to or claimed by people who left (one grouped query)."""
    rows = (
        Callback.objects.filter(status=Callback.Status.OPEN)
        .filter(Q(assignee_id__in=user_ids) | Q(claimed_by_id__in=user_ids))
        .values("assignee_id", "claimed_by_id")
        .annotate(n=Count("id"))
    )
    counts: dict[int, int] = {}
    for r in rows:
        for uid in {r["assignee_id"], r["claimed_by_id"]} & set(user_ids):
            counts[uid] = counts.get(uid, 0) + r["n"]
    return counts


def _on_complaint_closed(sender, complaint, **kwargs):
    from .services import callback_for_event

    callback_for_event(client=complaint.client, reason="complaint_closed", source_id=complaint.pk)


def _on_visit_completed(sender, plan, record, **kwargs):
    from .services import callback_for_event

    callback_for_event(client=plan.client, reason="visit", source_id=plan.pk)


def _on_suitability_changed(sender, client, **kwargs):
    from .services import callback_for_event

    callback_for_event(client=client, reason="suitability")


def _callback_entries(client, limit):
    rows = (Callback.objects.filter(client=client).exclude(status="open")
            .order_by("-completed_at")[:limit])  # fmt: skip
    return [Entry(at=c.completed_at or c.due_at, kind="callback",
                  title=_("Callback (%(reason)s): %(status)s")
                  % {"reason": c.get_reason_display(), "status": c.get_status_display()},
                  url=c.get_absolute_url()) for c in rows]  # fmt: skip


def _call_entries(client, limit):
    rows = Call.objects.filter(client=client).order_by("-started_at")[:limit]
    return [Entry(at=c.started_at, kind="call",
                  title=_("%(direction)s call, %(seconds)s s")
                  % {"direction": c.get_direction_display(), "seconds": c.duration},
                  detail=c.notes[:80]) for c in rows]  # fmt: skip


def _agenda_counts(today):
    rows = (Callback.objects.filter(status="open", due_at__date__lte=today)
            .exclude(assignee=None).values("assignee_id").annotate(n=Count("id")))  # fmt: skip
    return {r["assignee_id"]: r["n"] for r in rows}


def _waiting_calls(user, now):
    from .services import waiting_for_wrap_up

    return waiting_for_wrap_up(user).select_related("client")


def _waiting_query(user, today):
    return f"wrapped=false&agent__username={user.username}" if user else "wrapped=false"


def _seed(users, stdout):
    from .demo import seed_callcenter

    seed_callcenter(users, stdout)


def _callbacks_chunk(day, branch_ids):
    """The nightly callbacks due for a chunk of branches (crm/chunks.py)."""
    from . import services

    return services.generate_due_callbacks(day, branch_ids)


def _callbacks_finish(day):
    """Every chunk done: the callbacks by SMS or e-mail that fell due go out."""
    from . import services

    return services.callbacks_send_messages()


def register() -> None:
    from outreach.signals import message_failed, reply_received

    from . import measures, services

    register_job(ChunkedJob("callbacks", _callbacks_chunk, finish=_callbacks_finish))

    message_failed.connect(services.callback_message_failed, dispatch_uid="callback-failed")
    reply_received.connect(services.callback_reply_received, dispatch_uid="callback-reply")

    measures.register()
    for reason, label, days in (
        ("complaint_closed", "投诉结案后回访", 3),
        ("visit", "拜访后回访", 5),
        ("suitability", "适当性变更回访", 5),
    ):
        declare_policy(
            f"callback.{reason}",
            name=label,
            target_value=days,
            target_unit="workdays",
            warn_before_minutes=DAY,
            escalation_roles=[Role.BRANCH_MANAGER],
            escalation_interval_minutes=DAY,
        )
    declare_policy("callback.due", name="回访到期", target_value=1, target_unit="workdays",
                   warn_before_minutes=DAY, escalation_roles=[Role.BRANCH_MANAGER],
                   escalation_interval_minutes=2 * DAY)  # fmt: skip
    register_clock(Clock(
        name="callback.due", model=Callback, due_field="due_at", policy_code="callback.due",
        open_filter=Q(status="open") & ~Q(assignee=None),
        recipients=lambda cbs: {c.pk: {c.assignee_id} for c in cbs},
        # the reminder goes to agents too: the name masked, as on their pages
        describe=lambda c: str(_("callback to %(client)s") % {"client": mask_name(c.client.name)}),
        url=lambda c: reverse("callcenter:callback", args=[c.pk]), select_related=("client",),
    ))  # fmt: skip
    complaint_closed.connect(_on_complaint_closed, dispatch_uid="callback_after_complaint")
    visit_completed.connect(_on_visit_completed, dispatch_uid="callback_after_visit")
    suitability_changed.connect(_on_suitability_changed, dispatch_uid="callback_suitability")
    register_churn_source(
        "negative_callback",
        "SELECT b.client_id FROM callcenter_registrationform f "
        "JOIN callcenter_callback b ON b.id = f.callback_id "
        "WHERE f.negative AND f.filled_at >= now() - interval '90 days'",
    )
    register_section(Section(
        key="phone_lookup", title=_("Phone look-up"), template="callcenter/workbench/lookup.html",
        roles=frozenset({Role.SERVICE_AGENT}), order=1,
    ))  # fmt: skip
    register_section(Section(
        key="calls_wrap_up", title=_("Calls waiting for a wrap-up code"),
        template="callcenter/workbench/wrapup.html", queryset=_waiting_calls,
        due_field="ended_at", roles=frozenset({Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER}),
        url_name="callcenter:calls", url_query=_waiting_query, order=2,
        empty=_("Every call of yours has its wrap-up code."),
    ))  # fmt: skip
    register_section(Section(
        key="callbacks", title=_("My callbacks"), template="callcenter/workbench/mine.html",
        queryset=selectors.my_callback_queue, due_field="due_at",
        roles=frozenset({Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER}),
        agenda_counts=_agenda_counts, url_name="callcenter:queue", url_query="tab=mine",
        order=13, empty=_("No callback is assigned to or claimed by you."),
    ))  # fmt: skip
    register_section(Section(
        key="callback_pool", title=_("Pool callbacks due"),
        template="callcenter/workbench/mine.html", queryset=selectors.pool_queue,
        due_field="due_at", roles=frozenset({Role.SERVICE_AGENT}), url_name="callcenter:queue",
        url_query="tab=pool", order=14, empty=_("No callback is waiting in the pool."),
    ))  # fmt: skip
    register_section(Section(
        key="inspections", title=_("Callbacks to inspect"),
        template="callcenter/workbench/inspections.html", queryset=selectors.inspection_queue,
        roles=frozenset({Role.HQ, Role.COMPLIANCE}), url_name="callcenter:inspections",
        order=40, empty=_("No sampled callback is waiting for its score."),
    ))  # fmt: skip
    register_leaver_work("callbacks", LeaverWork(
        counts=_leaver_callbacks, describe=lambda n: _("%(n)d open callbacks") % {"n": n},
        url=lambda: reverse("callcenter:queue"), order=20,
    ))  # fmt: skip
    register_provider("callback", _callback_entries)
    register_provider("call", _call_entries)
    register_seeder(60, "callcenter", _seed)
    grant(ALL - {Role.INTEGRATION}, "callcenter.view_callback", "callcenter.view_call")
    grant(
        {Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER, Role.HQ},
        "callcenter.change_callback",
    )
    grant({Role.INTEGRATION}, "callcenter.add_call", "callcenter.view_call")
    grant({Role.HQ}, "callcenter.add_wrapupcode", "callcenter.change_wrapupcode",
          "callcenter.view_wrapupcode")  # fmt: skip
    grant(
        {Role.HQ, Role.BRANCH_MANAGER},
        "callcenter.change_callbackpolicy",
        "callcenter.change_script",
    )
