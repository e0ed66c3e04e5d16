"""The campaign workflow, declared once (crm.workflow).

draft → submitted → approved → sending → done; submitted → rejected; draft, submitted,
approved or sending → cancelled.

- **Who builds one**: account managers and advisors (for their own clients), branch
  managers (for the branch) and HQ (for one branch, or every branch: no branch).
- **Approval**: a *marketing* campaign is approved by a branch manager of its branch, or
  by HQ; an HQ campaign (every branch) by HQ only. Nobody approves their own campaign (four
  eyes, as for unmasked exports): a branch manager's own campaign goes to HQ. A *service*
  campaign (a notice the client is owed, DOMAIN.md "Reaching clients") needs no approval:
  submitting it approves it (`approved_by` stays empty).
- A rejected campaign may be edited again (it goes back to draft) and resubmitted.
- `sending` and `done` are taken by the run (campaigns.services.campaign_run and the beat
  task `campaigns.run_due`), never by a button: a one-off campaign is done once none of
  its messages waits any more; a recurring one sends until `ends_on` or until cancelled.

The services (campaigns.services, `campaign_<name>`) take the steps; the detail page's
buttons, `/campaigns/<pk>/<name>/`, the API actions `campaigns/<pk>/<name>/` and the
access matrix follow this table.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

from crm.models import Role, staff_of
from crm.workflow import Action, Workflow

from .models import Status

BUILDER_ROLES = frozenset({Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.BRANCH_MANAGER, Role.HQ})
APPROVER_ROLES = frozenset({Role.BRANCH_MANAGER, Role.HQ})
# the roles whose campaigns reach only their own clients (owner or advisor)
OWN_CLIENT_ROLES = frozenset({Role.ACCOUNT_MANAGER, Role.ADVISOR})

FORMS = "campaigns.forms"
BODY = "campaigns.api.serializers.ActionSerializer"  # one body for every step


def owner_or_manager(user, campaign) -> bool:
    staff = staff_of(user)
    return campaign.owner_id == user.pk or (staff is not None and staff.role in APPROVER_ROLES)


def may_approve(user, campaign) -> bool:
    """A branch manager of the campaign's branch or HQ, never the owner; an HQ campaign
    (every branch) only HQ. (The scope already keeps other branches' campaigns out.)"""
    staff = staff_of(user)
    if staff is None or staff.role not in APPROVER_ROLES or campaign.owner_id == user.pk:
        return False
    if staff.sees_all_branches:
        return True
    return campaign.branch_id is not None and campaign.branch_id == staff.branch_id


CAMPAIGN_WORKFLOW = Workflow(
    model_label="campaign",
    state_field="status",
    services="campaigns.services",
    service_prefix="campaign_",
    refusal=gettext_lazy("'%(action)s' is not possible while the campaign is %(status)s."),
    roles=BUILDER_ROLES,
    actions=[
        # marketing: to submitted; service: approved at once (the service decides)
        Action("submit", gettext_lazy("Submit for approval"),
               sources=[Status.DRAFT], target=None, when=owner_or_manager,
               form=f"{FORMS}.PlainForm", serializer=BODY,
               done=gettext_lazy("Submitted.")),
        Action("approve", gettext_lazy("Approve"),
               sources=[Status.SUBMITTED], target=Status.APPROVED, roles=APPROVER_ROLES,
               when=may_approve, form=f"{FORMS}.NoteForm", serializer=BODY, fields=["note"],
               done=gettext_lazy("Approved: it goes out on schedule.")),
        Action("reject", gettext_lazy("Reject"),
               sources=[Status.SUBMITTED], target=Status.REJECTED, roles=APPROVER_ROLES,
               when=may_approve, form=f"{FORMS}.ReasonForm", serializer=BODY,
               fields=["reason"], required=["reason"],
               done=gettext_lazy("Rejected: the owner is notified.")),
        Action("cancel", gettext_lazy("Cancel the campaign"),
               sources=[Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.SENDING],
               target=Status.CANCELLED, when=owner_or_manager,
               form=f"{FORMS}.PlainForm", serializer=BODY,
               done=gettext_lazy("Cancelled: nothing more is sent.")),
        # taken by the run, never by a person
        Action("start", gettext_lazy("Start sending"),
               sources=[Status.APPROVED], target=Status.SENDING, web=False, api=False),
        Action("finish", pgettext_lazy("campaign", "Finish"),
               sources=[Status.SENDING], target=Status.DONE, web=False, api=False),
    ],
)  # fmt: skip
