"""The settings of the directory login (LDAP / Active Directory, django-auth-ldap).

config/settings.py calls ldap_settings() with the LDAP_* environment variables when
LDAP_SERVER_URI is set; the tests call it with their own slapd. What happens at login
(role and branch from the groups, a disabled user refused) is crm.directory.
"""

from __future__ import annotations

# The LDAP_GROUP_TYPE values: the group class of django-auth-ldap and the filter that finds
# the groups under LDAP_GROUP_SEARCH_BASE.
GROUP_TYPES = {
    "groupOfNames": ("GroupOfNamesType", "(objectClass=groupOfNames)"),
    "groupOfUniqueNames": ("GroupOfUniqueNamesType", "(objectClass=groupOfUniqueNames)"),
    "posixGroup": ("PosixGroupType", "(objectClass=posixGroup)"),
    "ad": ("ActiveDirectoryGroupType", "(objectClass=group)"),
    "ad-nested": ("NestedActiveDirectoryGroupType", "(objectClass=group)"),
}

# Django user field <- directory attribute (the same names in OpenLDAP's inetOrgPerson and
# in Active Directory).
USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}

BACKEND = "crm.directory.DirectoryBackend"


def ldap_settings(
    *,
    server_uri: str,
    user_search_base: str,
    bind_dn: str = "",
    bind_password: str = "",
    user_filter: str = "(uid=%(user)s)",
    group_search_base: str = "",
    group_type: str = "groupOfNames",
    start_tls: bool = False,
    timeout: int = 5,
    role_groups: dict[str, str] | None = None,
    branch_groups: dict[str, str] | None = None,
    branch_attribute: str = "",
    disabled_group: str = "",
    backends: list[str],
) -> dict:
    """AUTH_LDAP_* and CRM_LDAP_* settings, and AUTHENTICATION_BACKENDS with the directory
    right after the lockout check (django-axes) and before the local passwords."""
    import ldap
    from django_auth_ldap import config as ldap_config

    if group_type not in GROUP_TYPES:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"LDAP_GROUP_TYPE={group_type!r}: one of {', '.join(GROUP_TYPES)}"
        )
    type_class, group_filter = GROUP_TYPES[group_type]
    others = [b for b in backends if b != BACKEND]
    return {
        "AUTH_LDAP_SERVER_URI": server_uri,
        "AUTH_LDAP_BIND_DN": bind_dn,
        "AUTH_LDAP_BIND_PASSWORD": bind_password,
        "AUTH_LDAP_START_TLS": start_tls,
        "AUTH_LDAP_USER_SEARCH": ldap_config.LDAPSearch(
            user_search_base, ldap.SCOPE_SUBTREE, user_filter
        ),
        "AUTH_LDAP_GROUP_SEARCH": ldap_config.LDAPSearch(
            group_search_base or user_search_base, ldap.SCOPE_SUBTREE, group_filter
        ),
        "AUTH_LDAP_GROUP_TYPE": getattr(ldap_config, type_class)(),
        "AUTH_LDAP_USER_ATTR_MAP": dict(USER_ATTR_MAP),
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,  # names, e-mail, role and branch at each login
        # Active Directory answers with referrals python-ldap cannot follow anonymously.
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_REFERRALS: 0,
            ldap.OPT_NETWORK_TIMEOUT: timeout,
            ldap.OPT_TIMEOUT: timeout,
        },
        "CRM_LDAP_ROLE_GROUPS": {k.lower(): v for k, v in (role_groups or {}).items()},
        "CRM_LDAP_BRANCH_GROUPS": {k.lower(): v for k, v in (branch_groups or {}).items()},
        "CRM_LDAP_BRANCH_ATTRIBUTE": branch_attribute,
        "CRM_LDAP_DISABLED_GROUP": disabled_group.lower(),
        "AUTHENTICATION_BACKENDS": [*others[:1], BACKEND, *others[1:]],
    }
