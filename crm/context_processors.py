from django.utils import timezone

from .models import EXPORT_PAGE_ROLES, Role, staff_of


def crm(request):
    """Role, navigation flags and the calendar warning for the base layout (no queries
    beyond the staff profile, which the session user already carries)."""
    user = getattr(request, "user", None)
    staff = staff_of(user) if user is not None else None
    context = {"staff": staff, "calendar_missing_years": []}
    if staff is None:
        return context
    if user.is_superuser or staff.role == Role.HQ:
        from .workdays import get_calendar

        today = timezone.localdate()
        years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
        context["calendar_missing_years"] = get_calendar().missing_years(years)
    context["is_manager"] = staff.role in (Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ)
    context["can_see_access_log"] = staff.role in (Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ)
    context["can_use_exports"] = staff.role in EXPORT_PAGE_ROLES
    return context
