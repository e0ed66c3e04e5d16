"""What every page of the CRM stands on: a member of staff logged in, lists in pages."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils.translation import gettext as _

from ..models import Role, staff_of


class StaffRequiredMixin(LoginRequiredMixin):
    """Logged in with a staff profile; `roles` narrows the page to some roles."""

    roles: frozenset[str] | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.staff = staff_of(request.user)
        if self.staff is None or self.staff.role == Role.INTEGRATION:
            raise PermissionDenied(_("This account has no staff profile."))
        if self.roles is not None and self.staff.role not in self.roles:
            raise PermissionDenied(_("Your role may not open this page."))
        return super().dispatch(request, *args, **kwargs)


def paginate(request, queryset, per_page: int = 25):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
