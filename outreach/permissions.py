"""Who may send messages to clients and who edits the message templates."""

from __future__ import annotations

from clients.models import Client
from crm.models import Role, staff_of

# Staff who talk to clients send them messages (a service notice, or marketing with consent).
SENDER_ROLES = frozenset(
    {Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.SERVICE_AGENT, Role.BRANCH_MANAGER, Role.HQ}
)
# Branch managers edit their branch's templates, HQ the templates of every branch.
TEMPLATE_EDITORS = frozenset({Role.BRANCH_MANAGER, Role.HQ})


def can_send(user, client: Client | None = None) -> bool:
    staff = staff_of(user)
    if staff is None or staff.role not in SENDER_ROLES:
        return False
    return client is None or Client.objects.visible_to(user).filter(pk=client.pk).exists()


def can_edit_templates(user) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role in TEMPLATE_EDITORS


def can_edit_template(user, template) -> bool:
    """HQ: HQ's templates (every branch's) and any branch's; a branch manager: the
    branch's own."""
    staff = staff_of(user)
    if staff is None or staff.role not in TEMPLATE_EDITORS:
        return False
    return staff.role == Role.HQ or template.branch_id == staff.branch_id
