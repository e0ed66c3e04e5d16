"""Unmasked exports: asked for with a reason, decided by another, downloaded once."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exports import export_kind
from ..models import (
    EXPORT_APPROVER_ROLES,
    AccessLog,
    Branch,
    ExportRequest,
    Notification,
    Role,
    StaffProfile,
    staff_of,
)
from ..notifications import notify
from .access_log import access_log_record
from .errors import TransitionNotAllowed

User = get_user_model()


def export_request_approvers(export_request: ExportRequest):
    """Who may decide: the branch's managers and compliance, and HQ; never the requester.
    Notified are the branch's (HQ staff only for requests made at headquarters)."""
    staff = StaffProfile.objects.filter(user__is_active=True).exclude(
        user_id=export_request.requested_by_id
    )
    if export_request.branch.kind == Branch.Kind.HEADQUARTERS:
        staff = staff.filter(role=Role.HQ)
    else:
        staff = staff.filter(branch_id=export_request.branch_id, role__in=EXPORT_APPROVER_ROLES)
    return User.objects.filter(pk__in=staff.values("user_id"))


def export_request_can_decide(user, export_request: ExportRequest) -> bool:
    staff = staff_of(user)
    if staff is None or user.pk == export_request.requested_by_id:
        return False
    if staff.role == Role.HQ:
        return True
    return staff.role in EXPORT_APPROVER_ROLES and staff.branch_id == export_request.branch_id


def export_request_create(*, user, kind: str, params: dict, reason: str, request=None):
    """Ask for an export without masking; the approvers are notified."""
    export = export_kind(kind)
    staff = staff_of(user)
    if export is None:
        raise ValidationError({"kind": [_("Unknown export.")]})
    if staff is None or staff.role not in export.roles:
        raise PermissionDenied(_("Your role may not request this export unmasked."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [_("Say why you need the data unmasked.")]})
    params = {k: v for k, v in (params or {}).items() if k not in ("page", "export")}
    with transaction.atomic():
        export_request = ExportRequest.objects.create(
            kind=kind, params=params, reason=reason[:2000], branch_id=staff.branch_id,
            requested_by=user,
        )  # fmt: skip
        access_log_record(
            user=user, obj=export_request, field=kind, request=request,
            action=AccessLog.Action.REQUEST,
        )  # fmt: skip
        notify(
            users=export_request_approvers(export_request),
            title=_("Unmasked export to approve: %(label)s, requested by %(name)s")
            % {"label": export.label, "name": staff.display_name},
            body=reason[:500],
            url=export_request.get_absolute_url(),
            level=Notification.Level.WARNING,
        )
    return export_request


def export_request_decide(
    *, user, export_request: ExportRequest, approve: bool, note: str = "", request=None
) -> ExportRequest:
    """Approve (downloadable once within CRM_UNMASKED_EXPORT_HOURS) or reject with a note."""
    if not export_request_can_decide(user, export_request):
        raise PermissionDenied(
            _("Only a branch manager or compliance, not the requester, decides.")
        )
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": [_("Say why the request is rejected.")]})
    now = timezone.now()
    status = ExportRequest.Status.APPROVED if approve else ExportRequest.Status.REJECTED
    hours = settings.CRM_UNMASKED_EXPORT_HOURS
    with transaction.atomic():
        decided = ExportRequest.objects.filter(
            pk=export_request.pk, status=ExportRequest.Status.PENDING
        ).update(
            status=status, decided_by=user, decided_at=now, decision_note=note[:2000],
            expires_at=now + timedelta(hours=hours) if approve else None,
        )  # fmt: skip
        if not decided:
            raise TransitionNotAllowed(_("This request has been decided already."))
        export_request.refresh_from_db()
        access_log_record(
            user=user, obj=export_request, field=export_request.kind, request=request,
            action=AccessLog.Action.APPROVE if approve else AccessLog.Action.REJECT,
        )  # fmt: skip
        title = (
            _("Your unmasked export was approved: download it within %(hours)d hours, once.")
            % {"hours": hours}
            if approve
            else _("Your unmasked export was rejected.")
        )
        notify(
            users=[export_request.requested_by], title=title, body=note[:500],
            url=export_request.get_absolute_url(),
        )  # fmt: skip
    return export_request


def export_request_download(*, user, export_request: ExportRequest, request=None):
    """Claim the one download of an approved request (one atomic update: a second click,
    a second tab or a late one is refused) and log it; the caller builds the file."""
    if user.pk != export_request.requested_by_id:
        raise PermissionDenied(_("Only the requester may download this export."))
    now = timezone.now()
    with transaction.atomic():
        claimed = ExportRequest.objects.filter(
            pk=export_request.pk, status=ExportRequest.Status.APPROVED, expires_at__gt=now
        ).update(status=ExportRequest.Status.DOWNLOADED, downloaded_at=now)
        if not claimed:
            raise TransitionNotAllowed(
                _("This export is not available: not approved, downloaded already or expired.")
            )
        export_request.refresh_from_db()
        access_log_record(
            user=user, obj=export_request, field=export_request.kind, request=request,
            action=AccessLog.Action.EXPORT,
        )  # fmt: skip
    return export_request
