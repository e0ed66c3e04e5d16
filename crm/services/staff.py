"""Members of staff: their branch, role and team."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Branch, Role, StaffProfile


def staff_assign(
    *, user, branch: Branch, role: str, team: str = "", staff_no: str | None = None
) -> StaffProfile:
    """Give a user a branch and a role; the Django group of the role follows."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    defaults = {"branch": branch, "role": role, "team": team}
    if staff_no is not None:
        defaults["staff_no"] = staff_no.strip() or None
    with transaction.atomic():
        profile, _created = StaffProfile.objects.update_or_create(user=user, defaults=defaults)
        role_groups = Group.objects.filter(name__in=Role.values)
        user.groups.remove(*role_groups)
        group, _created = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    return profile
