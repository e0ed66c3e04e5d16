"""Reads of classifications and AML ratings: the lists and the workbench queues."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .models import HIGH_RATINGS, AmlProfile, ProClassification, ProStatus, RequestKind

REVIEW_WARNING_DAYS = 30  # a review or a re-verification shows this many days ahead


def classifications(user):
    return ProClassification.objects.visible_to(user).select_related(
        "client", "branch", "requested_by", "decided_by"
    )


def ratings(user):
    return AmlProfile.objects.visible_to(user).select_related("client", "branch")


def approvals_waiting(user, now):
    """Requests waiting for a second person: never the user's own (they cannot decide)."""
    return (
        classifications(user)
        .filter(status=ProStatus.REQUESTED)
        .exclude(requested_by=user)
        .order_by("requested_at", "id")
    )


def reviews_due(user, now):
    """Approved professional classifications whose review is due within 30 days or past."""
    limit = timezone.localdate(now) + timedelta(days=REVIEW_WARNING_DAYS)
    return (
        classifications(user)
        .filter(status=ProStatus.APPROVED, kind=RequestKind.PROFESSIONAL,
                review_due_on__lte=limit)
        .order_by("review_due_on", "id")
    )  # fmt: skip


def high_risk_due(user, now):
    """Higher- and high-risk clients whose identity re-verification is due within 30
    days or past."""
    limit = timezone.localdate(now) + timedelta(days=REVIEW_WARNING_DAYS)
    return (
        ratings(user)
        .filter(rating__in=HIGH_RATINGS, reverify_due_on__lte=limit)
        .order_by("reverify_due_on", "id")
    )
