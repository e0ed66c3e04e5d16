"""The visit plan workflow, declared once (crm.workflow): for each step its label, the
statuses it may start from, the status it leads to, who may take it, its web form and
its API body.

draft → submitted → approved → completed (the visit recorded), or rejected (and
submitted again), or cancelled by the account manager before the visit. The services
(visits.services, `visit_plan_<name>`) take the steps; the buttons of the plan page, the
URL `/visits/<pk>/<name>/`, the API actions `visit-plans/<pk>/<name>/` and the access
matrix follow this table.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from crm.models import Role
from crm.workflow import Action, Workflow

from .models import VisitPlan

Status = VisitPlan.Status
APPROVERS = frozenset({Role.BRANCH_MANAGER, Role.HQ})
BODIES = "visits.api.views"


def is_owner(user, plan) -> bool:
    """The account manager who wrote the plan."""
    return plan.owner_id == user.pk


VISIT_PLAN_WORKFLOW = Workflow(
    model_label="visit plan",
    state_field="status",
    services="visits.services",
    service_prefix="visit_plan_",
    refusal=gettext_lazy("Not possible while the plan is %(status)s."),
    actions=[
        Action("submit", gettext_lazy("Submit for approval"),
               sources=[Status.DRAFT, Status.REJECTED], target=Status.SUBMITTED,
               when=is_owner,
               done=gettext_lazy("Submitted for approval.")),
        Action("approve", gettext_lazy("Approve"),
               sources=[Status.SUBMITTED], target=Status.APPROVED, roles=APPROVERS,
               done=gettext_lazy("Plan approved: the account manager is notified.")),
        Action("reject", gettext_lazy("Reject"),
               sources=[Status.SUBMITTED], target=Status.REJECTED, roles=APPROVERS,
               form="visits.forms.RejectForm", serializer=f"{BODIES}.RejectSerializer",
               done=gettext_lazy("Plan rejected: the account manager is notified.")),
        Action("complete", gettext_lazy("Record the visit"),
               sources=[Status.APPROVED], target=Status.COMPLETED, when=is_owner,
               form="visits.forms.VisitRecordForm", serializer=f"{BODIES}.RecordSerializer",
               done=gettext_lazy("Visit recorded.")),
        # The page offers it to the account manager; the service also lets the approver
        # cancel. Not in the API (DESIGN.md: visit-plans/ has submit, approve, reject,
        # complete).
        Action("cancel", gettext_lazy("Cancel the plan"),
               sources=[Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.REJECTED],
               target=Status.CANCELLED, when=is_owner, api=False,
               done=gettext_lazy("Plan cancelled.")),
    ],
)  # fmt: skip
