"""Callback and satisfaction measures for the dashboards."""

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from crm.measures import Measure, Trend, by_month, during, grouped, register_source, register_trends
from crm.rollups import FigureQuery, figure_rollup, register_rollup

from .models import Call, Callback, RegistrationForm

GROUP = _("Callbacks and satisfaction")


def _stats(filters):
    return (reverse("callcenter:stats") + f"?from={filters.current.start}"
            f"&to={filters.current.end}")  # fmt: skip


def compute(filters):
    start, end = filters.previous.start, filters.current.end
    callbacks = Callback.objects.exclude(status="cancelled")
    forms = RegistrationForm.objects.all()
    closed = Complaint.objects.filter(satisfaction__isnull=False)
    callbacks = filters.scope(callbacks, person=("assignee_id", "completed_by_id"))
    forms = filters.scope(forms, branch="callback__branch_id", person="callback__completed_by_id")
    closed = filters.scope(closed, person="handler_id")
    # completion counts callbacks by due date, reach by the date they were finished: one
    # query over both ranges (each served by its own (branch, date) index)
    counts = grouped(
        callbacks.filter(during("due_at", start, end) | during("completed_at", start, end)),
        "due_at", filters, fields={"reached": "completed_at", "finished": "completed_at"},
        due=lambda p: Count("id", filter=p),
        done=lambda p: Count("id", filter=p & Q(status="completed")),
        reached=lambda p: Count("id", filter=p & Q(status="completed")),
        finished=lambda p: Count("id", filter=p),
    )  # fmt: skip
    # a form is filled when its callback completes: the period goes through the callback,
    # whose (branch, completed_at) index serves it
    ratings = grouped(
        forms.filter(during("callback__completed_at", start, end)),
        "callback__completed_at",
        filters,
        "callback__branch_id",
        good=lambda p: Count("id", filter=p & Q(satisfaction__gte=4)),
        n=lambda p: Count("id", filter=p),
    )
    complaint_ratings = grouped(
        closed.filter(during("closed_at", start, end)), "closed_at",
        filters, good=lambda p: Count("id", filter=p & Q(satisfaction__gte=4)),
        n=lambda p: Count("id", filter=p),
    )  # fmt: skip
    csi: dict = {}
    for source in (ratings, complaint_ratings):
        for key, v in source.items():
            cell = csi.setdefault(key, [0, 0])
            cell[0] += v["good"]
            cell[1] += v["n"]
    return {
        "callback_completion": {k: (v["done"], v["due"]) for k, v in counts.items()},
        "callback_reach": {k: (v["reached"], v["finished"]) for k, v in counts.items()},
        "csi": {k: (v[0], v[1]) for k, v in csi.items()},
    }


CALLS = _("Calls")


def compute_calls(filters):
    """Average handling time (minutes per call) and the repeat-contact rate: one grouped
    query over both periods, served by the (branch, started_at) index."""
    start, end = filters.previous.start, filters.current.end
    calls = filters.scope(Call.objects.all(), person="agent_id")
    rows = grouped(
        calls.filter(during("started_at", start, end)), "started_at", filters,
        seconds=lambda p: Sum("duration", filter=p), n=lambda p: Count("id", filter=p),
        repeat=lambda p: Count("id", filter=p & Q(repeat_contact=True)),
    )  # fmt: skip
    return {
        "call_handling_time": {k: ((v["seconds"] or 0) / 60, v["n"]) for k, v in rows.items()},
        "repeat_contact_rate": {k: (v["repeat"], v["n"]) for k, v in rows.items()},
    }


def _calls(filters):
    return reverse("callcenter:calls") + "?repeat_contact=true"


def _completion_trend(filters):
    """Callbacks due per month and the share of them completed."""
    period = filters.current
    callbacks = filters.scope(
        Callback.objects.exclude(status="cancelled").filter(
            during("due_at", period.start, period.end)
        ),
        person=("assignee_id", "completed_by_id"),
    )
    months = by_month(callbacks, "due_at", period, due=Count("id"),
                      done=Count("id", filter=Q(status="completed")))  # fmt: skip
    return {"callback_completion": {m: (v["done"], v["due"]) for m, v in months.items()}}


def _callback_figures():
    """The rollup of `compute` (and of the completion trend): the same counts per month,
    branch and the people each row names, as the live queries scope them."""
    done = Count("id", filter=Q(status="completed"))
    callbacks = Callback.objects.exclude(status="cancelled")
    good = Count("id", filter=Q(satisfaction__gte=4))
    return [
        FigureQuery(lambda: callbacks, "due_at", {"callback_completion": (done, Count("id"))},
                    persons=("assignee_id", "completed_by_id")),
        FigureQuery(lambda: callbacks, "completed_at", {"callback_reach": (done, Count("id"))},
                    persons=("assignee_id", "completed_by_id")),
        FigureQuery(RegistrationForm.objects.all, "callback__completed_at",
                    {"csi": (good, Count("id"))}, branch="callback__branch_id",
                    persons=("callback__completed_by_id",)),
        FigureQuery(lambda: Complaint.objects.filter(satisfaction__isnull=False), "closed_at",
                    {"csi": (good, Count("id"))}, persons=("handler_id",)),
    ]  # fmt: skip


def _call_figures():
    calls = Call.objects.all
    return [
        FigureQuery(calls, "started_at", {
            "call_handling_time": (Sum("duration"), Count("id")),  # seconds (scale 60)
            "repeat_contact_rate": (Count("id", filter=Q(repeat_contact=True)), Count("id")),
        }, persons=("agent_id",)),
    ]  # fmt: skip


def register():
    register_rollup("callbacks", figure_rollup("callbacks", _callback_figures))
    register_rollup("calls", figure_rollup("calls", _call_figures))
    register_trends("callbacks", _completion_trend, [
        Trend("callback_completion", _("Callback completion rate (due in the period)"), "percent"),
    ], rollup="callbacks")  # fmt: skip
    register_source("callbacks", compute, rollup=True, measures=[
        Measure("csi", _("Customer satisfaction index (CSI, share of 4 and 5)"), GROUP,
                "percent", target=settings.CRM_CSI_TARGET, drill=_stats),
        Measure("callback_completion", _("Callback completion rate (due in the period)"),
                GROUP, "percent", drill=lambda f: reverse("callcenter:queue") + "?tab=overdue"),
        Measure("callback_reach", _("Callback reach rate"), GROUP, "percent", drill=_stats),
    ])  # fmt: skip
    register_source("calls", compute_calls, rollup=True, scale={"call_handling_time": 60},
                    measures=[
        Measure("call_handling_time", _("Average handling time (minutes per call)"), CALLS,
                "minutes", higher_is_better=False,
                drill=lambda f: reverse("callcenter:calls")),
        Measure("repeat_contact_rate", _("Repeat-contact rate (same client and wrap-up code "
                                         "within 7 days)"), CALLS, "percent",
                higher_is_better=False, drill=_calls),
    ])  # fmt: skip
