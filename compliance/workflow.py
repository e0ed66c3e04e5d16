"""The compliance case workflow, declared once (crm.workflow).

opened → investigating → concluded (finding: substantiated / unsubstantiated; the
measures taken; reported to HQ) → closed. The branch's compliance officers and HQ take
the steps (the staff member concerned never sees the case, so never takes one). The
services (compliance.services, `case_<name>`) take the steps; the case page's buttons,
`/compliance/<pk>/<name>/`, the API actions `compliance-cases/<pk>/<name>/` and the
access matrix follow this table.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from crm.workflow import Action, Label, Workflow

from .models import CASE_ROLES, Status

FORMS = "compliance.forms"
BODY = "compliance.api.serializers.ActionSerializer"  # one body for every step


CASE_WORKFLOW = Workflow(
    model_label="compliance case",
    state_field="status",
    services="compliance.services",
    service_prefix="case_",
    refusal=gettext_lazy("'%(action)s' is not possible while the compliance case is "
                         "%(status)s."),
    roles=CASE_ROLES,
    actions=[
        Action("investigate", gettext_lazy("Start investigation"),
               sources=[Status.OPENED], target=Status.INVESTIGATING,
               form=f"{FORMS}.NoteForm", serializer=BODY, fields=["note"],
               done=gettext_lazy("Investigation started.")),
        Action("conclude", gettext_lazy("Conclude"),
               sources=[Status.INVESTIGATING], target=Status.CONCLUDED,
               form=f"{FORMS}.ConcludeForm", serializer=BODY,
               fields=["finding", "measures", "reported_to_hq", "note"],
               required=["finding"],
               done=gettext_lazy("Case concluded.")),
        Action("close", gettext_lazy("Close"),
               sources=[Status.CONCLUDED], target=Status.CLOSED,
               form=f"{FORMS}.NoteForm", serializer=BODY, fields=["note"],
               done=gettext_lazy("Case closed.")),
    ],
)  # fmt: skip

EVENT_LABELS: dict[str, Label] = {
    "open": gettext_lazy("Opened"),
    **CASE_WORKFLOW.labels,
}
