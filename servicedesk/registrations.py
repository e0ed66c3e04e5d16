"""What the service desk plugs into the kernel and the client file."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.timeline import Entry, register_provider
from crm.demo import register_seeder
from crm.models import Role
from crm.roles import ALL, grant
from crm.sla import Clock, declare_policy, register_clock
from crm.workbench import Section, register_section

from . import selectors
from .models import CLOCK_STATUSES, ServiceRequest
from .services import DEFAULT_POLICY, recompute_open_deadlines

DAY = 24 * 60
# The answer time limit of each category (crm.sla policies `service_request.<code>`,
# edited by HQ in the SLA policies): 1 working day, password and security 2 office hours.
CATEGORY_LIMITS = {
    "account": ("账户业务", 1, "workdays", 2 * 60),
    "trading": ("交易业务", 1, "workdays", 2 * 60),
    "password_security": ("密码与安全", 120, "office_minutes", 30),
    "fees": ("费用", 1, "workdays", 2 * 60),
    "transfer": ("转入转出", 1, "workdays", 2 * 60),
    "info_change": ("信息变更", 1, "workdays", 2 * 60),
    "products": ("产品", 1, "workdays", 2 * 60),
    "systems": ("系统", 1, "workdays", 2 * 60),
    "other": ("其他", 1, "workdays", 2 * 60),
}


def _recipients(requests):
    return {r.pk: {u for u in (r.handler_id, r.taken_by_id) if u} for r in requests}


def _timeline(client, limit):
    rows = (
        ServiceRequest.objects.filter(client=client)
        .select_related("category")
        .order_by("-received_at")[:limit]
    )
    return [
        Entry(at=r.received_at, kind="service_request",
              title=_("Service request %(no)s: %(category)s (%(status)s)")
              % {"no": r.number, "category": r.category.name,
                 "status": r.get_status_display()},
              detail=r.description[:80], url=r.get_absolute_url())
        for r in rows
    ]  # fmt: skip


def _agenda_counts(today):
    rows = (
        ServiceRequest.objects.open()
        .filter(due_at__date__lte=today, handler__isnull=False)
        .values("handler_id")
        .annotate(n=Count("id"))
    )
    return {r["handler_id"]: r["n"] for r in rows}


def _seed(users, stdout):
    from .demo import seed_service_requests

    seed_service_requests(users, stdout)


def register() -> None:
    from . import measures

    measures.register()
    declare_policy(DEFAULT_POLICY, name="服务请求答复", target_value=1, target_unit="workdays",
                   warn_before_minutes=2 * 60, escalation_roles=[Role.BRANCH_MANAGER],
                   escalation_interval_minutes=DAY)  # fmt: skip
    for code, (label, target, unit, warn) in CATEGORY_LIMITS.items():
        declare_policy(f"{DEFAULT_POLICY}.{code}", name=f"服务请求答复：{label}",
                       target_value=target, target_unit=unit, warn_before_minutes=warn,
                       escalation_roles=[Role.BRANCH_MANAGER],
                       escalation_interval_minutes=DAY)  # fmt: skip
    register_clock(
        Clock(
            name="service_request.answer",
            model=ServiceRequest,
            due_field="due_at",
            policy_code=DEFAULT_POLICY,
            open_filter=Q(status__in=CLOCK_STATUSES),
            recipients=_recipients,
            describe=lambda r: f"{r.number} {r.category.name}",
            url=lambda r: reverse("servicedesk:detail", args=[r.pk]),
            policy_field="sla_policy",
            recompute=recompute_open_deadlines,
            select_related=("category",),
        )
    )
    register_section(Section(
        key="service_requests", title=_("My service requests"),
        template="servicedesk/workbench/mine.html", queryset=selectors.my_request_queue,
        due_field="due_at",
        roles=frozenset({Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER, Role.ADVISOR}),
        agenda_counts=_agenda_counts, url_name="servicedesk:desk",
        url_query=selectors.my_request_query, order=13,
        empty=_("No open service request is handled by you."),
    ))  # fmt: skip
    register_section(Section(
        key="service_requests_overdue", title=_("Overdue service requests of the branch"),
        template="servicedesk/workbench/mine.html", queryset=selectors.overdue_request_queue,
        due_field="due_at", roles=frozenset({Role.BRANCH_MANAGER, Role.HQ}),
        url_name="servicedesk:desk", url_query="overdue=true", order=14,
        empty=_("No service request is past its answer deadline."),
    ))  # fmt: skip
    register_provider("service_request", _timeline)
    register_seeder(35, "servicedesk", _seed)
    grant(ALL - {Role.INTEGRATION}, "servicedesk.view_servicerequest",
          "servicedesk.view_servicecategory")  # fmt: skip
    grant({Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.BRANCH_MANAGER,
           Role.HQ}, "servicedesk.add_servicerequest",
          "servicedesk.change_servicerequest")  # fmt: skip
    grant({Role.HQ}, "servicedesk.add_servicecategory", "servicedesk.change_servicecategory")
