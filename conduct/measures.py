"""Investor education on the dashboards: education given, and clients suggested for it."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.measures import Measure, during, register_source

from .models import EducationRecord, EducationSuggestion

GROUP = _("Investor education")


def _by_branch(qs, annotations) -> dict:
    out: dict = {}
    for row in qs.values("branch_id").annotate(**annotations).order_by():
        for i in (0, 1):
            out[(i, row["branch_id"])] = (row[f"n{i}"], None)
    return out


def compute(filters):
    """Two grouped queries: the education records (by their date) and the clients
    suggested (by the day of the suggestion), per branch and period."""
    start, end = filters.previous.start, filters.current.end
    records = filters.scope(EducationRecord.objects.filter(on__gte=start, on__lte=end),
                            person="client__owner_id")  # fmt: skip
    suggested = filters.scope(
        EducationSuggestion.objects.filter(during("suggested_at", start, end)),
        person="client__owner_id",
    )
    return {
        "education_records": _by_branch(records, {
            f"n{i}": Count("id", filter=Q(on__gte=p.start, on__lte=p.end))
            for i, p in enumerate(filters.periods)}),
        "education_suggested": _by_branch(suggested, {
            f"n{i}": Count("id", filter=during("suggested_at", p.start, p.end))
            for i, p in enumerate(filters.periods)}),
    }  # fmt: skip


def register():
    register_source("conduct", compute, [
        Measure("education_records", _("Investor education given"), GROUP, "count",
                drill=lambda f: reverse("conduct:education")),
        Measure("education_suggested", _("Clients suggested for investor education"), GROUP,
                "count", higher_is_better=False,
                drill=lambda f: reverse("conduct:suggestions")),
    ])  # fmt: skip
