"""Retention cases: actions and outcomes recorded by the account manager.

Retention may call, visit, make an offer or invite to an event; it never blocks or delays
a client's transfer or closing (no code here touches the account)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Role, staff_of
from crm.services import TransitionNotAllowed

from .models import UNKNOWN_LOSS_REASON, LossReason, RetentionAction, RetentionCase


def _check(user, case: RetentionCase) -> None:
    staff = staff_of(user)
    if staff is None or staff.role not in (Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER, Role.HQ):
        raise PermissionDenied(_("Your role may not work on retention cases."))


def retention_action_add(*, user, case: RetentionCase, kind: str, note: str) -> RetentionAction:
    _check(user, case)
    if kind not in RetentionAction.Kind.values:
        raise ValidationError({"kind": [_("Choose call, visit, offer or event invitation.")]})
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say what was done and how the client reacted.")]})
    if case.status != RetentionCase.Status.OPEN:
        raise TransitionNotAllowed(_("This case is closed."))
    return RetentionAction.objects.create(case=case, kind=kind, note=note.strip(), by=user)


def retention_case_close(*, user, case: RetentionCase, outcome: str, note: str = "",
                         loss_reason: LossReason | str | None = None):  # fmt: skip
    """Close a case as retained or lost; a lost client's reason comes from the managed
    list (LossReason), and is required."""
    _check(user, case)
    if outcome not in (RetentionCase.Outcome.RETAINED, RetentionCase.Outcome.LOST):
        raise ValidationError({"outcome": [_("Choose retained or lost.")]})
    if case.status != RetentionCase.Status.OPEN:
        raise TransitionNotAllowed(_("This case is closed."))
    reason = None
    if outcome == RetentionCase.Outcome.LOST:
        if isinstance(loss_reason, str):
            reason = LossReason.objects.filter(code=loss_reason, is_active=True).first()
        elif loss_reason is not None:
            reason = loss_reason if loss_reason.is_active else None
        if reason is None:
            raise ValidationError({"loss_reason": [_("Choose why the client was lost.")]})
    with transaction.atomic():
        updated = RetentionCase.objects.filter(pk=case.pk, status="open").update(
            status=RetentionCase.Status.CLOSED, outcome=outcome, closed_at=timezone.now(),
            assets_at_close=case.client.avg_assets, note=(note or "").strip(),
            loss_reason=reason,
        )  # fmt: skip
        if not updated:
            raise TransitionNotAllowed(_("This case is closed."))
    case.refresh_from_db()
    return case


def held(case: RetentionCase) -> bool | None:
    """For a retained client: did it hold? (risk now below the line and assets not below
    what they were when the case closed)."""
    if case.outcome != RetentionCase.Outcome.RETAINED:
        return None
    client = case.client
    from django.conf import settings

    if client.churn_score >= settings.CRM_CHURN_CASE_THRESHOLD:
        return False
    if case.assets_at_close and client.avg_assets is not None:
        return client.avg_assets >= case.assets_at_close * 0.9
    return True


def closures_record(today=None) -> int:
    """Accounts seen closed for the first time get their closing day and, until someone
    says why, the reason "unknown" (the lost client's retention case gives its reason
    when it has one): one statement for every such account, safe to run again."""
    from django.db import connection

    today = today or timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE clients_client c SET closed_on = %s, loss_reason_id = coalesce("
            " c.loss_reason_id,"
            " (SELECT r.loss_reason_id FROM clients_retentioncase r WHERE r.client_id = c.id"
            "  AND r.outcome = 'lost' AND r.loss_reason_id IS NOT NULL"
            "  ORDER BY r.closed_at DESC LIMIT 1),"
            " (SELECT id FROM clients_lossreason WHERE code = %s)) "
            "WHERE c.account_status = 'closed' AND c.closed_on IS NULL",
            [today, UNKNOWN_LOSS_REASON],
        )
        return cur.rowcount
