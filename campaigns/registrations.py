"""What campaigns plug into the kernel: the branch manager's (and HQ's) workbench section
of campaigns awaiting approval, the demo seeder and the permissions."""

from django.utils.translation import gettext_lazy as _

from crm.demo import register_seeder
from crm.models import Role
from crm.roles import grant
from crm.workbench import Section, register_section

from . import selectors


def _seed(users, stdout):
    from .demo import seed_campaigns

    seed_campaigns(users, stdout)


def register() -> None:
    register_section(Section(
        key="campaigns_awaiting", title=_("Campaigns awaiting approval"),
        template="campaigns/workbench/awaiting.html", queryset=selectors.awaiting_approval_queue,
        due_field="", roles=frozenset({Role.BRANCH_MANAGER, Role.HQ}),
        url_name="campaigns:list", url_query="status=submitted", order=17,
        empty=_("No campaign awaits your approval."),
    ))  # fmt: skip
    register_seeder(80, "campaigns", _seed)
    grant({Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ},
          "campaigns.view_campaign")  # fmt: skip
    grant({Role.HQ}, "campaigns.change_campaign")
