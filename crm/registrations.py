"""What the kernel itself plugs into its SLA clock, workbench and dashboard."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import rollups, selectors
from .chunks import ChunkedJob, register_job
from .models import EXPORT_APPROVER_ROLES, Role, Todo
from .sla import Clock, declare_policy, register_clock
from .workbench import Section, register_section

MANAGERS = frozenset({Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ})


def _todo_recipients(todos):
    return {t.pk: {t.assignee_id} for t in todos}


def _todo_agenda_counts(today):
    rows = (
        Todo.objects.open()
        .filter(due_at__date__lte=today)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return {r["assignee_id"]: r["n"] for r in rows}


def register() -> None:
    # the dashboards' rollups, nightly, a chunk per branch group and one for the rollups
    # that do not split by branch; the months are recorded once all are done
    register_job(ChunkedJob("rollups", rollups.nightly_chunk, finish=rollups.nightly_finish,
                            whole_part=True))  # fmt: skip
    declare_policy(
        "todo",
        name="待办事项",
        target_value=1,
        target_unit="workdays",
        warn_before_minutes=120,
        escalation_roles=[Role.BRANCH_MANAGER],
        escalation_interval_minutes=24 * 60,
    )
    register_clock(
        Clock(
            name="todo.due",
            model=Todo,
            due_field="due_at",
            policy_code="todo",
            policy_field="policy",
            start_field="created_at",
            open_filter=Q(status=Todo.Status.OPEN),
            recipients=_todo_recipients,
            describe=lambda t: t.title,
            url=lambda t: reverse("crm:todo-detail", args=[t.pk]),
        )
    )
    register_section(
        Section(
            key="todos",
            title=_("My to-dos"),
            template="crm/workbench/todos.html",
            queryset=selectors.todo_queue,
            due_field="due_at",
            agenda_counts=_todo_agenda_counts,
            url_name="crm:todo-list",
            url_query=selectors.todo_queue_query,
            order=10,
        )
    )
    register_section(
        Section(
            key="export_decisions",
            title=_("Unmasked exports to decide"),
            template="crm/workbench/exports.html",
            queryset=selectors.export_decision_queue,
            roles=frozenset({*EXPORT_APPROVER_ROLES, Role.HQ}),
            url_name="crm:exports",
            order=5,
        )
    )
    register_section(
        Section(
            key="reveal_review",
            title=_("Unmasked views this week"),
            template="crm/workbench/reveals.html",
            queryset=selectors.reveal_review_queue,
            roles=frozenset({Role.COMPLIANCE}),
            url_name="crm:access-log",
            url_query=selectors.reveal_review_query,
            order=60,
        )
    )
