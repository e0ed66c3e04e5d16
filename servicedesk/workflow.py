"""The service request workflow, declared once (crm.workflow).

received → in progress → (waiting for the client ↔ resumed) → resolved → closed, with
reopen from resolved or closed; transfer to another person or to the back office; and
escalation to a complaint when the client is dissatisfied (the complaint is received
through complaints.services in the same transaction and the request keeps the link).
A request resolved while it is being taken is "resolved on first contact" (the intake
form's option 当场解决). The services (servicedesk.services, `servicerequest_<name>`)
take the steps; the detail page's buttons, `/service-requests/<pk>/<name>/`, the API
actions `service-requests/<pk>/<name>/` and the access matrix follow this table.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from crm.models import Role
from crm.workflow import Action, Label, Workflow

from .models import OPEN_STATUSES, Status

WORKER_ROLES = frozenset({Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER, Role.ADVISOR,
                          Role.BRANCH_MANAGER, Role.HQ})  # fmt: skip

FORMS = "servicedesk.forms"
BODY = "servicedesk.api.serializers.ActionSerializer"  # one body for every step


def not_escalated(user, request) -> bool:
    """A request escalated to a complaint is worked as the complaint."""
    return request.complaint_id is None


SERVICE_REQUEST_WORKFLOW = Workflow(
    model_label="service request",
    state_field="status",
    services="servicedesk.services",
    service_prefix="servicerequest_",
    refusal=gettext_lazy("'%(action)s' is not possible while the service request is "
                         "%(status)s."),
    roles=WORKER_ROLES,
    actions=[
        Action("start", gettext_lazy("Start handling"),
               sources=[Status.RECEIVED], target=Status.IN_PROGRESS,
               form=f"{FORMS}.NoteForm", serializer=BODY, fields=["note"],
               done=gettext_lazy("Handling started.")),
        Action("wait_for_client", gettext_lazy("Wait for the client"),
               sources=[Status.IN_PROGRESS], target=Status.WAITING,
               form=f"{FORMS}.NoteForm", serializer=BODY, fields=["note"],
               done=gettext_lazy("Waiting for the client: the time limit is paused.")),
        Action("resume", gettext_lazy("Resume"),
               sources=[Status.WAITING], target=Status.IN_PROGRESS,
               form=f"{FORMS}.NoteForm", serializer=BODY, fields=["note"],
               done=gettext_lazy("Handling resumed.")),
        Action("transfer", gettext_lazy("Transfer"),
               sources=OPEN_STATUSES,
               form=f"{FORMS}.TransferForm", serializer=BODY,
               fields=["handler", "back_office", "note"],
               done=gettext_lazy("Transferred.")),
        Action("resolve", gettext_lazy("Resolve"),
               sources=[Status.RECEIVED, Status.IN_PROGRESS], target=Status.RESOLVED,
               form=f"{FORMS}.ResolveForm", serializer=BODY, fields=["resolution"],
               required=["resolution"],
               done=gettext_lazy("Resolved.")),
        Action("close", gettext_lazy("Close"),
               sources=[Status.RESOLVED], target=Status.CLOSED,
               form=f"{FORMS}.CloseForm", serializer=BODY, fields=["note", "opinion"],
               done=gettext_lazy("Service request closed.")),
        Action("reopen", gettext_lazy("Reopen"),
               sources=[Status.RESOLVED, Status.CLOSED], target=Status.IN_PROGRESS,
               when=not_escalated,
               form=f"{FORMS}.ReasonForm", serializer=BODY, fields=["reason"],
               required=["reason"],
               done=gettext_lazy("Reopened.")),
        Action("escalate_to_complaint", gettext_lazy("Escalate to a complaint"),
               sources=[*OPEN_STATUSES, Status.RESOLVED], target=Status.ESCALATED,
               when=not_escalated,
               form=f"{FORMS}.EscalateForm", serializer=BODY, fields=["reason"],
               required=["reason"],
               done=gettext_lazy("Escalated: the complaint is received and linked.")),
    ],
)  # fmt: skip

EVENT_LABELS: dict[str, Label] = {
    "receive": gettext_lazy("Received"),
    **SERVICE_REQUEST_WORKFLOW.labels,
}
