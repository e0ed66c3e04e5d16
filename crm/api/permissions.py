import functools

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from ..models import staff_of


class IsStaffMember(permissions.BasePermission):
    """A member of staff (or an integration system); read-only roles only read."""

    message = _("Your role may not do this.")

    def has_permission(self, request, view) -> bool:
        staff = staff_of(request.user)
        if staff is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return not staff.is_read_only


class HasRole(IsStaffMember):
    """Restrict a view to some roles: `permission_classes = [HasRole.of("hq")]`."""

    roles: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *roles: str):
        return type("HasRole", (cls,), {"roles": frozenset(roles)})

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and staff_of(request.user).role in self.roles


class ActionRoles(IsStaffMember):
    """Roles per view action, read from the view's `action_roles` ({"create": {...}}), so
    that a role without the right gets 403 before its input is even validated."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        roles = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        return roles is None or staff_of(request.user).role in roles


class ApiDocsPermission(permissions.BasePermission):
    """The OpenAPI schema and its docs: for signed-in staff and integration tokens, or for
    anyone where `CRM_API_DOCS_PUBLIC` opens them (an intranet that wants it)."""

    def has_permission(self, request, view) -> bool:
        return settings.CRM_API_DOCS_PUBLIC or staff_of(request.user) is not None


def api_docs_login(view):
    """The docs page sends a browser that is not signed in to the login page first."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.CRM_API_DOCS_PUBLIC and staff_of(request.user) is None:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
