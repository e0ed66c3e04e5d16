from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core import checks
from django.shortcuts import render

# Set on the request by crm.directory when the directory did not answer during a login.
DIRECTORY_UNAVAILABLE = "crm_directory_unavailable"


class StaffModelBackend(ModelBackend):
    """Loads the session user with its staff profile and branch in the same query."""

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("staff__branch").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def client_ip(request) -> str | None:
    """The client's address for the login lockout (settings.AXES_CLIENT_IP_CALLABLE).

    X-Forwarded-For is only believed for the CRM_TRUSTED_PROXIES proxies in front of the
    app: the entry the outermost trusted proxy appended. Anything further left was written
    by the client and could be changed at will to escape the lockout.
    """
    proxies = settings.CRM_TRUSTED_PROXIES
    if proxies > 0:
        chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [a for a in chain if a]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """The page shown instead of logging in while locked out (AXES_LOCKOUT_CALLABLE)."""
    from axes.helpers import get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(
        request, "registration/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )


@checks.register(checks.Tags.security)
def directory_mapping(app_configs, **kwargs):
    """With the directory login on (config/directory.py), its groups must map to roles a
    person may have and to branches; otherwise every directory login would be refused."""
    if "crm.directory.DirectoryBackend" not in settings.AUTHENTICATION_BACKENDS:
        return []
    from .scoping import Role

    people = sorted(set(Role.values) - {Role.INTEGRATION})
    errors = []
    if not settings.CRM_LDAP_ROLE_GROUPS:
        errors.append(
            checks.Error(
                "LDAP_ROLE_GROUPS is empty: no directory user would get a role.",
                hint="LDAP_ROLE_GROUPS=crm-account-managers=account_manager,crm-bm=branch_manager",
                id="crm.E020",
            )
        )
    for group, role in settings.CRM_LDAP_ROLE_GROUPS.items():
        if role not in people:
            errors.append(
                checks.Error(
                    f"LDAP_ROLE_GROUPS maps {group} to {role!r}, not a staff role.",
                    hint=f"One of {', '.join(people)} (integration accounts stay local).",
                    id="crm.E021",
                )
            )
    if not settings.CRM_LDAP_BRANCH_GROUPS and not settings.CRM_LDAP_BRANCH_ATTRIBUTE:
        errors.append(
            checks.Error(
                "Neither LDAP_BRANCH_GROUPS nor LDAP_BRANCH_ATTRIBUTE is set: no directory user "
                "would get a branch.",
                hint="LDAP_BRANCH_GROUPS=crm-branch-BJ01=BJ01 or LDAP_BRANCH_ATTRIBUTE=department",
                id="crm.E022",
            )
        )
    return errors
