"""Directory login: staff log in with their LDAP / Active Directory account.

The backend (DirectoryBackend, django-auth-ldap's LDAPBackend) comes after the lockout
check and before the local passwords when LDAP_SERVER_URI is set (config/directory.py).
At each directory login:

- the Django user is created or updated: names and e-mail from the directory, no usable
  local password;
- the role and the branch come from the directory groups mapped in the settings
  (CRM_LDAP_ROLE_GROUPS, first match in the order given; CRM_LDAP_BRANCH_GROUPS or the
  attribute CRM_LDAP_BRANCH_ATTRIBUTE) and are written with services.staff_assign;
  a user in no mapped role group, or in none or several branches, is refused;
- a member of CRM_LDAP_DISABLED_GROUP is made inactive and refused (it stays inactive
  until HQ ticks "active" in the admin again);
- a local account (an existing user with a usable password: integration and emergency
  accounts) is never taken over by a directory entry of the same name; it logs in with
  its local password only.

The lockout (django-axes) and the second factor (crm.twofactor) work on any login and so
apply as they are. When the directory cannot be reached, local accounts still log in and
the login form says so to directory users (LoginForm in crm.forms).
"""

from __future__ import annotations

import logging

import ldap
from django.conf import settings
from django.contrib.auth import get_user_model
from django_auth_ldap.backend import LDAPBackend, ldap_error, populate_user

from . import services
from .auth import DIRECTORY_UNAVAILABLE
from .models import Branch, StaffProfile

logger = logging.getLogger(__name__)


class DirectoryBackend(LDAPBackend):
    def get_user(self, user_id):
        """The session user with its profile and branch in one query, and only while active
        (LDAPBackend.get_user checks neither)."""
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("staff__branch").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if user.is_active else None

    def get_or_build_user(self, username, ldap_user):
        user, built = super().get_or_build_user(username, ldap_user)
        if not built and user.has_usable_password():
            raise ldap_user.AuthenticationFailed(
                f"{username} is a local account (usable password): not taken over"
            )
        return user, built

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None or not user.is_active:
            return None
        if not assign_from_directory(user, ldap_user):
            return None
        return user


def _values(ldap_user, attribute: str) -> list[str]:
    values = (ldap_user.attrs or {}).get(attribute, [])
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def directory_assignment(ldap_user) -> tuple[str | None, str | None]:
    """(role, branch code) from the user's groups, None where the directory gives none or,
    for the branch, more than one."""
    groups = {name.lower() for name in ldap_user.group_names}
    role = next((r for g, r in settings.CRM_LDAP_ROLE_GROUPS.items() if g in groups), None)
    if settings.CRM_LDAP_BRANCH_ATTRIBUTE:
        codes = set(_values(ldap_user, settings.CRM_LDAP_BRANCH_ATTRIBUTE))
    else:
        codes = {c for g, c in settings.CRM_LDAP_BRANCH_GROUPS.items() if g in groups}
    return role, (codes.pop() if len(codes) == 1 else None)


def assign_from_directory(user, ldap_user) -> bool:
    """Role and branch from the directory through staff_assign; False (login refused) when
    the directory maps to no role or no single active branch."""
    role, code = directory_assignment(ldap_user)
    branch = Branch.objects.filter(code=code, is_active=True).first() if code else None
    if role is None or branch is None:
        logger.warning(
            "Directory login of %s refused: role %s, branch %s", user.username, role, code
        )
        return False
    staff = StaffProfile.objects.filter(user=user).first()
    if staff is not None and staff.role == role and staff.branch_id == branch.pk:
        return True
    services.staff_assign(user=user, branch=branch, role=role, team=staff.team if staff else "")
    logger.info("Directory login of %s: %s at %s", user.username, role, branch.code)
    return True


def on_populate_user(sender, user, ldap_user, **kwargs) -> None:
    """Before the user is saved: a member of the disabled group becomes inactive."""
    disabled = settings.CRM_LDAP_DISABLED_GROUP
    if disabled and disabled in {name.lower() for name in ldap_user.group_names}:
        user.is_active = False


def on_ldap_error(sender, context, exception, request=None, **kwargs) -> None:
    """The directory did not answer (down, timeout, bad bind account): remembered on the
    request so that the login form can say so instead of "wrong password"."""
    if context in ("authenticate", "search_for_user_dn") and request is not None:
        setattr(request, DIRECTORY_UNAVAILABLE, True)
    if isinstance(exception, ldap.SERVER_DOWN | ldap.TIMEOUT):
        logger.error("The directory %s cannot be reached", settings.AUTH_LDAP_SERVER_URI)


populate_user.connect(on_populate_user, sender=DirectoryBackend, dispatch_uid="crm-directory")
ldap_error.connect(on_ldap_error, sender=DirectoryBackend, dispatch_uid="crm-directory")
