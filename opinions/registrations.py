"""What the opinion register plugs into the kernel: two workbench sections, the demo's
opinions and the permissions."""

from django.utils.translation import gettext_lazy as _

from crm.demo import register_seeder
from crm.models import Role
from crm.roles import ALL, grant
from crm.workbench import Section, register_section

from . import selectors


def _seed(users, stdout):
    from .demo import seed_opinions

    seed_opinions(users, stdout)


def register() -> None:
    register_section(Section(
        key="opinions_pending", title=_("Pending client opinions"),
        template="opinions/workbench/pending.html", queryset=selectors.branch_pending_queue,
        due_field="", roles=frozenset({Role.BRANCH_MANAGER}),
        url_name="opinions:register", url_query="pending=true&ordering=received_at", order=15,
        empty=_("No client opinion is waiting."),
    ))  # fmt: skip
    register_section(Section(
        key="opinions_mine", title=_("Client opinions routed to me"),
        template="opinions/workbench/pending.html", queryset=selectors.routed_to_me_queue,
        due_field="",
        roles=frozenset({Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.HQ}),
        url_name="opinions:register", url_query="pending=true&mine=true&ordering=received_at",
        order=16, empty=_("No client opinion is routed to you."),
    ))  # fmt: skip
    register_seeder(65, "opinions", _seed)
    grant(ALL - {Role.INTEGRATION}, "opinions.view_opinion")
    grant({Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.BRANCH_MANAGER,
           Role.HQ}, "opinions.add_opinion", "opinions.change_opinion")  # fmt: skip
