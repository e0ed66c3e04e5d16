"""Where a compliance case comes from: a callback, a complaint, a call or a visit record.

Compliance sits above every app it opens cases from, so it reads their models here; they
never import compliance. `resolve(user, kind, number)` finds the source among the rows
the user may see (else a ValidationError, with the message of a source that does not
exist) and returns what a case takes from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import SourceKind


@dataclass(frozen=True)
class Source:
    kind: str
    id: int
    url: str
    branch_id: int
    client: object | None
    staff_concerned: object | None  # the default: the client's account manager
    label: str


def _number(number) -> int:
    try:
        value = int(str(number).strip().removeprefix("#"))
    except (TypeError, ValueError):
        value = 0
    if value <= 0:
        raise ValidationError({"source_id": [_("Enter the number of the source.")]})
    return value


def _missing():
    return ValidationError({"source_id": [_("No such record among those you may see.")]})


def resolve(user, kind: str, number) -> Source | None:
    """The source `kind` number `number` as `user` may see it; None for a case entered
    by hand without a source."""
    if kind == SourceKind.MANUAL:
        return None
    if kind not in SourceKind.values:
        raise ValidationError({"source_kind": [_("Choose the source.")]})
    if kind == SourceKind.COMPLAINT and "-" in str(number or ""):  # a ticket number
        from complaints.models import Complaint

        row = Complaint.objects.visible_to(user).select_related("client__owner").filter(
            ticket_no=str(number).strip().upper()).first()  # fmt: skip
        if row is None:
            raise _missing()
        number = row.pk
    pk = _number(number)
    if kind == SourceKind.CALLBACK:
        from callcenter.models import Callback

        cb = Callback.objects.visible_to(user).select_related("client__owner").filter(pk=pk)
        cb = cb.first()
        if cb is None:
            raise _missing()
        return Source(kind, cb.pk, cb.get_absolute_url(), cb.branch_id, cb.client,
                      cb.client.owner, _("Callback #%(n)d") % {"n": cb.pk})  # fmt: skip
    if kind == SourceKind.COMPLAINT:
        from complaints.models import Complaint

        c = Complaint.objects.visible_to(user).select_related("client__owner").filter(pk=pk)
        c = c.first()
        if c is None:
            raise _missing()
        owner = c.client.owner if c.client_id else None
        return Source(kind, c.pk, c.get_absolute_url(), c.branch_id, c.client, owner,
                      _("Complaint %(no)s") % {"no": c.ticket_no})  # fmt: skip
    if kind == SourceKind.CALL:
        from callcenter.models import Call

        call = Call.objects.visible_to(user).select_related("client__owner").filter(pk=pk)
        call = call.first()
        if call is None:
            raise _missing()
        owner = call.client.owner if call.client_id else None
        url = reverse("callcenter:calls") + (f"?client={call.client_id}" if call.client_id else "")
        return Source(kind, call.pk, url, call.branch_id, call.client, owner,
                      _("Call #%(n)d") % {"n": call.pk})  # fmt: skip
    # a visit record: by the number of its visit plan
    from visits.models import VisitPlan

    plan = (
        VisitPlan.objects.visible_to(user)
        .select_related("client", "owner")
        .filter(pk=pk, record__isnull=False)
        .first()
    )
    if plan is None:
        raise _missing()
    return Source(kind, plan.pk, plan.get_absolute_url(), plan.branch_id, plan.client,
                  plan.owner, _("Visit record #%(n)d") % {"n": plan.pk})  # fmt: skip
