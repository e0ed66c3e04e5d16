"""The opinion workflow, declared once (crm.workflow).

open → routed (to a department and/or a person) → answered → closed, with reopen from
answered or closed back to open. The branch's managers (and HQ) route, close and
reopen; the person it is routed to, or a manager, answers. The services
(opinions.services, `opinion_<name>`) take the steps; the detail page's buttons,
`/opinions/<pk>/<name>/`, the API actions `opinions/<pk>/<name>/` and the access matrix
follow this table.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from crm.models import Role, staff_of
from crm.workflow import Action, Workflow

from .models import Status

MANAGER_ROLES = frozenset({Role.BRANCH_MANAGER, Role.HQ})
# who records an opinion by hand and may be routed one
WORKER_ROLES = frozenset({Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER, Role.ADVISOR,
                          Role.BRANCH_MANAGER, Role.HQ})  # fmt: skip

FORMS = "opinions.forms"
BODY = "opinions.api.serializers.ActionSerializer"  # one body for every step


def is_manager(user) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role in MANAGER_ROLES


def routed_to_them_or_manager(user, opinion) -> bool:
    """The person it is routed to answers it; a manager may answer any."""
    routed = opinion.routed_to_id
    return is_manager(user) or (routed is not None and routed == user.pk)


OPINION_WORKFLOW = Workflow(
    model_label="opinion",
    state_field="status",
    services="opinions.services",
    service_prefix="opinion_",
    refusal=gettext_lazy("'%(action)s' is not possible while the opinion is %(status)s."),
    roles=WORKER_ROLES,
    actions=[
        Action("route", gettext_lazy("Route"),
               sources=[Status.OPEN, Status.ROUTED], target=Status.ROUTED,
               roles=MANAGER_ROLES,
               form=f"{FORMS}.RouteForm", serializer=BODY,
               fields=["department", "routed_to", "note"],
               done=gettext_lazy("Routed.")),
        Action("answer", gettext_lazy("Answer"),
               sources=[Status.OPEN, Status.ROUTED], target=Status.ANSWERED,
               when=routed_to_them_or_manager,
               form=f"{FORMS}.AnswerForm", serializer=BODY, fields=["answer"],
               required=["answer"],
               done=gettext_lazy("Answer recorded.")),
        Action("close", gettext_lazy("Close"),
               sources=[Status.ANSWERED], target=Status.CLOSED, roles=MANAGER_ROLES,
               form=f"{FORMS}.NoteForm", serializer=BODY, fields=["note"],
               done=gettext_lazy("Opinion closed.")),
        Action("reopen", gettext_lazy("Reopen"),
               sources=[Status.ANSWERED, Status.CLOSED], target=Status.OPEN,
               roles=MANAGER_ROLES,
               form=f"{FORMS}.ReasonForm", serializer=BODY, fields=["reason"],
               required=["reason"],
               done=gettext_lazy("Reopened.")),
    ],
)  # fmt: skip
