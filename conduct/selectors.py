"""Reads of staff conduct and investor education: the scoped lists and the queues."""

from __future__ import annotations

from .models import (
    EducationRecord,
    EducationSuggestion,
    MisconductEntry,
    SelfCheck,
    SelfCheckForm,
    SelfCheckStatus,
)


def selfchecks(user):
    return SelfCheck.objects.visible_to(user).select_related(
        "form", "branch", "staff__staff__branch"
    )


def forms(user):
    return SelfCheckForm.objects.visible_to(user).order_by("-year")


def my_selfchecks(user):
    """The user's own self-checks, the one to sign first, then the newest."""
    # "pending" sorts before "signed"
    return (
        SelfCheck.objects.filter(staff_id=user.pk)
        .select_related("form")
        .order_by("status", "-sent_at", "-id")
    )


def my_pending_queue(user, now):
    return (
        SelfCheck.objects.filter(staff_id=user.pk, status=SelfCheckStatus.PENDING)
        .select_related("form")
        .order_by("due_at", "id")
    )


def overdue_queue(user, now):
    """The self-checks past their date and not signed (compliance: their branch)."""
    return (
        selfchecks(user)
        .filter(status=SelfCheckStatus.PENDING, due_at__lt=now)
        .order_by("due_at", "id")
    )


def misconduct(user):
    return MisconductEntry.objects.visible_to(user).select_related("branch", "staff__staff")


def education(user):
    return EducationRecord.objects.visible_to(user).select_related(
        "client", "branch", "recorded_by__staff"
    )


def suggestions(user):
    return EducationSuggestion.objects.visible_to(user).select_related(
        "client__owner__staff", "branch"
    )


def suggestion_queue(user, now):
    return suggestions(user).filter(educated_at__isnull=True).order_by("-suggested_at", "-id")
