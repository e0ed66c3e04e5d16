"""Django groups that back the roles, with the model permissions each role holds.

Scoping (which rows) is decided by each model's `visible_to(user)`; these permissions say
which kinds of record a role may view or change, and drive the Django admin. Apps add
their models' permissions to ROLE_PERMISSIONS in their AppConfig.ready().
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission

from .models import Role

ALL = set(Role.values)
ROLE_PERMISSIONS: dict[str, set[str]] = {role: set() for role in Role.values}


def grant(roles, *codenames: str) -> None:
    for role in roles:
        ROLE_PERMISSIONS[role].update(codenames)


grant(ALL, "crm.view_branch", "crm.view_holiday", "crm.view_notification", "crm.view_todo")
grant(ALL - {Role.COMPLIANCE}, "crm.add_todo", "crm.change_todo")
grant(
    {Role.HQ},
    "crm.add_holiday",
    "crm.change_holiday",
    "crm.delete_holiday",
    "crm.change_slapolicy",
    "crm.view_slapolicy",
)
grant(
    {Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ},
    "crm.view_accesslog",
    "crm.view_exportrequest",
    "crm.view_slapolicy",
)
# HQ unlocks logins (django-axes) and resets second-factor devices (django-otp) in the admin.
grant(
    {Role.HQ},
    "axes.view_accessattempt",
    "axes.delete_accessattempt",
    "axes.view_accesslog",
    "otp_totp.view_totpdevice",
    "otp_totp.delete_totpdevice",
)


def sync_role_groups(app_config=None, **kwargs) -> None:
    """post_migrate: make each role's group hold exactly its permissions.

    Runs once per migrate, after the last app, when every app's permissions exist.
    """
    if app_config is not list(apps.get_app_configs())[-1]:
        return
    perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([perms[c] for c in codenames if c in perms])
