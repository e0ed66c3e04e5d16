"""What outreach plugs into the kernel: its demo data and the permissions."""

from crm.demo import register_seeder
from crm.models import Role
from crm.roles import ALL, grant


def _seed(users, stdout):
    from .demo import seed_messages

    seed_messages(users, stdout)


def register() -> None:
    register_seeder(45, "outreach", _seed)
    grant(ALL - {Role.INTEGRATION}, "outreach.view_message", "outreach.view_messagetemplate")
    grant({Role.BRANCH_MANAGER, Role.HQ}, "outreach.add_messagetemplate",
          "outreach.change_messagetemplate")  # fmt: skip
