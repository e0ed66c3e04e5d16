"""The professional-investor classification workflow, declared once (crm.workflow).

requested → approved (the client's investor class changes) or rejected. Compliance
officers and HQ decide, never the person who made the request (maker-checker; the
database refuses it too). An approved classification lapses at its review date
(suitability.services.pro_expire_due), or is superseded by the next approved one.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from crm.workflow import Action, Workflow

from .models import APPROVER_ROLES, ProStatus

FORMS = "suitability.forms"


def _not_the_requester(user, obj) -> bool:
    return obj.requested_by_id != user.pk


PRO_WORKFLOW = Workflow(
    model_label="professional investor classification",
    state_field="status",
    services="suitability.services",
    service_prefix="pro_",
    refusal=gettext_lazy("'%(action)s' is not possible while the classification is "
                         "%(status)s."),
    roles=APPROVER_ROLES,
    actions=[
        Action("approve", gettext_lazy("Approve"), sources=[ProStatus.REQUESTED],
               target=ProStatus.APPROVED, when=_not_the_requester,
               form=f"{FORMS}.DecisionForm", fields=["note"], api=False,
               done=gettext_lazy("Classification approved; the client's investor class "
                                 "is updated.")),
        Action("reject", gettext_lazy("Reject"), sources=[ProStatus.REQUESTED],
               target=ProStatus.REJECTED, when=_not_the_requester,
               form=f"{FORMS}.DecisionForm", fields=["note"], api=False,
               done=gettext_lazy("Classification rejected.")),
    ],
)  # fmt: skip
