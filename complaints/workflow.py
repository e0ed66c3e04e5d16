"""The complaint workflow, declared once (crm.workflow): for each step its label, the
statuses it may start from, the status it leads to, who may take it, its web form and
the body fields of its API action.

received → acknowledged → investigating → resolved → reviewed → closed, with pause
(waiting for the client's materials) and resume, reopen from resolved/reviewed/closed,
refusal with a reason, and transfer of the handler. The services (complaints.services,
`complaint_<name>`) take the steps; the detail page's buttons, the URL
`/complaints/<pk>/<name>/`, the API actions `complaints/<pk>/<name>/` and the access
matrix follow this table.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from crm.models import Role
from crm.workflow import Action, Label, Workflow

from .models import OPEN_STATUSES, Category, Status

WORKER_ROLES = frozenset({Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER, Role.ADVISOR,
                          Role.BRANCH_MANAGER, Role.HQ})  # fmt: skip
COMPENSATION_APPROVERS = frozenset({Role.BRANCH_MANAGER, Role.HQ})
REVIEWERS = frozenset({Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER, Role.HQ})

FORMS = "complaints.forms"
BODY = "complaints.api.serializers.ActionSerializer"  # one body for every step


def not_yet_responded(user, complaint) -> bool:
    """The first contact is recorded once."""
    return complaint.first_responded_at is None


def is_major_economic(user, complaint) -> bool:
    """Only major economic complaints carry compensation."""
    return complaint.category == Category.MAJOR_ECONOMIC


def not_the_handler(user, complaint) -> bool:
    """The handler does not review their own work."""
    return complaint.handler_id != user.pk


COMPLAINT_WORKFLOW = Workflow(
    model_label="complaint",
    state_field="status",
    services="complaints.services",
    service_prefix="complaint_",
    refusal=gettext_lazy("'%(action)s' is not possible while the complaint is %(status)s."),
    roles=WORKER_ROLES,
    actions=[
        Action("respond", gettext_lazy("First contact"),
               sources=OPEN_STATUSES, when=not_yet_responded,
               form=f"{FORMS}.NoteForm", serializer=BODY, fields=["note"],
               done=gettext_lazy("First contact recorded.")),
        Action("acknowledge", gettext_lazy("Acknowledge"),
               sources=[Status.RECEIVED], target=Status.ACKNOWLEDGED,
               form=f"{FORMS}.NoteForm", serializer=BODY, fields=["note"],
               done=gettext_lazy("Complaint acknowledged.")),
        Action("investigate", gettext_lazy("Start investigation"),
               sources=[Status.ACKNOWLEDGED], target=Status.INVESTIGATING,
               form=f"{FORMS}.NoteForm", serializer=BODY, fields=["note"],
               done=gettext_lazy("Investigation started.")),
        Action("pause", gettext_lazy("Wait for the client"),
               sources=[Status.ACKNOWLEDGED, Status.INVESTIGATING], target=Status.WAITING,
               form=f"{FORMS}.NoteForm", serializer=BODY, fields=["note"],
               done=gettext_lazy("Waiting for the client: the time limit is paused.")),
        # back to the status before the pause: the service sets it
        Action("resume", gettext_lazy("Resume"),
               sources=[Status.WAITING],
               form=f"{FORMS}.NoteForm", serializer=BODY, fields=["note"],
               done=gettext_lazy("Handling resumed.")),
        Action("transfer", gettext_lazy("Transfer"),
               sources=[*OPEN_STATUSES, Status.RESOLVED],
               form=f"{FORMS}.TransferForm", serializer=BODY, fields=["handler", "note"],
               required=["handler"],
               done=gettext_lazy("Transferred to the new handler.")),
        Action("approve_compensation", gettext_lazy("Approve compensation"),
               sources=[Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.WAITING],
               roles=COMPENSATION_APPROVERS, when=is_major_economic,
               form=f"{FORMS}.CompensationForm", serializer=BODY, fields=["amount", "note"],
               required=["amount"],
               done=gettext_lazy("Compensation approved.")),
        Action("resolve", gettext_lazy("Resolve"),
               sources=[Status.ACKNOWLEDGED, Status.INVESTIGATING], target=Status.RESOLVED,
               form=f"{FORMS}.ResolveForm", serializer=BODY,
               fields=["resolution", "feedback", "root_cause", "corrective_action",
                       "caused_by_department", "caused_by_person"],
               done=gettext_lazy("Resolved: submitted for review.")),
        Action("review", gettext_lazy("Review"),
               sources=[Status.RESOLVED], target=Status.REVIEWED,
               roles=REVIEWERS, when=not_the_handler,
               form=f"{FORMS}.ReviewForm", serializer=BODY,
               fields=["note", "satisfaction", "satisfaction_comment"],
               done=gettext_lazy("Review recorded.")),
        Action("close", gettext_lazy("Close and archive"),
               sources=[Status.REVIEWED], target=Status.CLOSED,
               form=f"{FORMS}.NoteForm", serializer=BODY, fields=["note"],
               done=gettext_lazy("Closed and archived.")),
        Action("reopen", gettext_lazy("Reopen"),
               sources=[Status.RESOLVED, Status.REVIEWED, Status.CLOSED],
               target=Status.INVESTIGATING,
               form=f"{FORMS}.ReasonForm", serializer=BODY, fields=["reason"],
               done=gettext_lazy("Reopened for further investigation.")),
        Action("refuse", gettext_lazy("Do not accept"),
               sources=[Status.RECEIVED, Status.ACKNOWLEDGED], target=Status.REFUSED,
               form=f"{FORMS}.ReasonForm", serializer=BODY, fields=["reason"],
               done=gettext_lazy("Not accepted: the reason is recorded.")),
        # taken by code that identifies the complainant, not from a page or the API
        Action("link_client", gettext_lazy("Link to client"),
               sources=[*OPEN_STATUSES, Status.RESOLVED, Status.REVIEWED],
               web=False, api=False),
    ],
)  # fmt: skip

# The label of every event of the handling history: the steps, and what is not a step.
EVENT_LABELS: dict[str, Label] = {
    "receive": gettext_lazy("Received"),
    **COMPLAINT_WORKFLOW.labels,
    "attach": gettext_lazy("Attachment"),
}
