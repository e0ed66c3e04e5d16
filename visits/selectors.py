"""Reads of visits that need thought."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from crm.models import Role, StaffProfile

from .models import SEATED, Consultation, Event, Invitation, QuotaLog, ResearchRequest, VisitPlan


def my_visits(user, now):
    """The user's visit plans not yet done, up to a week ahead (overdue: its time passed)."""
    return (
        VisitPlan.objects.filter(owner=user, status__in=["approved", "submitted", "draft"],
                                 planned_at__date__lte=timezone.localdate(now) + timedelta(days=7))
        .select_related("client").order_by("planned_at", "id")
    )  # fmt: skip


def week_of(day: date) -> list[date]:
    start = day - timedelta(days=day.weekday())
    return [start + timedelta(days=i) for i in range(7)]


def quota_board(*, branch_ids, day: date) -> list[dict]:
    """Per account manager: targets and what was logged on `day`, in one query."""
    from django.db.models import IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    def logged(kind):
        return Coalesce(Subquery(
            QuotaLog.objects.filter(user_id=OuterRef("user_id"), day=day, kind=kind)
            .values("user_id").annotate(n=Count("id")).values("n"),
            output_field=IntegerField(),
        ), Value(0))  # fmt: skip

    staff = (
        StaffProfile.objects.filter(role=Role.ACCOUNT_MANAGER)
        .select_related("user")
        .annotate(
            contacts_target=Coalesce("user__daily_quota__contacts_target", Value(5)),
            patrols_target=Coalesce("user__daily_quota__patrols_target", Value(2)),
            contacts=logged("contact"),
            patrols=logged("patrol"),
        )
        .order_by("user__username")
    )
    if branch_ids is not None:
        staff = staff.filter(branch_id__in=branch_ids)
    return [
        {"user": s.user, "contacts": s.contacts, "patrols": s.patrols,
         "contacts_target": s.contacts_target, "patrols_target": s.patrols_target,
         "met": s.contacts >= s.contacts_target and s.patrols >= s.patrols_target}
        for s in staff
    ]  # fmt: skip


def invitations_of(event: Event, user):
    """The invitations of `event` that `user` may see (clients in their scope)."""
    return Invitation.objects.visible_to(user).filter(event=event).select_related("client")


def invitation_counts(event: Event, user) -> dict[str, int]:
    """How many of those invitations are in each status: one grouped query."""
    counts = dict.fromkeys(Invitation.Status.values, 0)
    rows = Invitation.objects.visible_to(user).filter(event=event).values_list("status")
    for status, n in rows.annotate(n=Count("id")).order_by():
        counts[status] = n
    return counts


def seats_of(event: Event) -> dict:
    """The event's seats, whoever the invitees: taken (accepted or attended), the
    capacity (None: no limit), free, and how many wait. One query."""
    row = Invitation.objects.filter(event=event).aggregate(
        taken=Count("id", filter=Q(status__in=SEATED)),
        waiting=Count("id", filter=Q(status=Invitation.Status.WAITING)),
        attended=Count("id", filter=Q(status=Invitation.Status.ATTENDED)),
    )
    free = None if event.capacity is None else max(event.capacity - row["taken"], 0)
    return {**row, "capacity": event.capacity, "free": free}


def occurrences_of(event: Event, limit: int = 12) -> list[Event]:
    """The occurrences of the event's recurring event around it (none for a single
    event). One query."""
    if not event.series_id:
        return []
    since = event.starts_at - timedelta(days=35)  # a few before it, then the next ones
    return list(Event.objects.filter(series_id=event.series_id, starts_at__gte=since)
                .order_by("starts_at", "id")[:limit])  # fmt: skip


def education_counts(client_ids) -> dict[int, int]:
    """Investor education (投资者教育) per client: the education events each attended.
    One grouped query."""
    rows = (Invitation.objects.filter(client_id__in=client_ids, status="attended",
                                      event__kind=Event.Kind.EDUCATION)
            .values("client_id").annotate(n=Count("id")).order_by())  # fmt: skip
    return {r["client_id"]: r["n"] for r in rows}


# --- workbench queues: (user, now) -> the queue, ordered, as its list filters it


def consultation_answer_queue(user, now):
    """Open consultation sheets of the advisor's scope (the list's default), soonest first."""
    return (
        Consultation.objects.visible_to(user).filter(status="open")
        .select_related("client").order_by("due_at", "id")
    )  # fmt: skip


def research_answer_queue(user, now):
    """Open research requests from visits of the advisor's branch, oldest first."""
    return (
        ResearchRequest.objects.visible_to(user).filter(status="open")
        .select_related("client").order_by("created_at", "id")
    )  # fmt: skip


def approval_queue(user, now):
    """Submitted visit plans of the scope, as the approvals page lists them."""
    return (
        VisitPlan.objects.visible_to(user).filter(status="submitted")
        .select_related("client", "owner").order_by("planned_at", "id")
    )  # fmt: skip
