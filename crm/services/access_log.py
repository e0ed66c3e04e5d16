"""The access log: who saw or exported what, written by the code that shows it."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from ..auth import client_ip
from ..models import AccessLog, staff_of


def access_log_record(
    *, user, obj, field: str, request=None, action=AccessLog.Action.REVEAL, object_repr=None
):
    """One line of the access log. `obj` None: a list export, logged in the user's branch."""
    if obj is not None:
        branch_id = getattr(obj, "branch_id", None)
    else:
        staff = staff_of(user)
        branch_id = staff.branch_id if staff is not None else None
    return AccessLog.objects.create(
        user=user,
        branch_id=branch_id,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=obj.pk if obj is not None else None,
        object_repr=(str(obj) if object_repr is None else object_repr)[:200],
        field=field,
        # the login lockout's rule: only the trusted proxies' X-Forwarded-For entry counts
        ip_address=(client_ip(request) or None) if request is not None else None,
        path=request.get_full_path()[:300] if request is not None else "",
    )


def access_log_export_record(*, user, fmt: str, filters: str, request=None) -> AccessLog:
    """Exporting the access log is itself written to it."""
    return access_log_record(
        user=user, obj=None, field="access_log", request=request,
        action=AccessLog.Action.EXPORT,
        object_repr=_("Access log (%(fmt)s) %(filters)s") % {"fmt": fmt, "filters": filters},
    )  # fmt: skip
