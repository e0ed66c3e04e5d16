"""Knowledge-base use on the dashboards: articles opened and marked helpful."""

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.measures import Measure, during, register_source

from .models import ArticleFeedback, ArticleView

GROUP = _("Knowledge base")


def compute(filters):
    opened: dict = {}
    helpful: dict = {}
    views = ArticleView.objects.filter(
        day__gte=filters.previous.start, day__lte=filters.current.end
    )
    if filters.branch_ids is not None:
        views = views.filter(branch_id__in=filters.branch_ids)
    if filters.person_ids is None:  # views are counted per branch, not per person
        annotations = {
            f"n{i}": Sum("views", filter=Q(day__gte=p.start, day__lte=p.end))
            for i, p in enumerate(filters.periods)
        }
        for row in views.values("branch_id").annotate(**annotations).order_by():
            for i in (0, 1):
                opened[(i, row["branch_id"])] = (row[f"n{i}"] or 0, None)
    marks = filters.scope(
        ArticleFeedback.objects.filter(helpful=True), branch="user__staff__branch_id",
        person="user_id",
    ).filter(during("at", filters.previous.start, filters.current.end))  # fmt: skip
    annotations = {
        f"n{i}": Count("id", filter=during("at", p.start, p.end))
        for i, p in enumerate(filters.periods)
    }
    for row in marks.values("user__staff__branch_id").annotate(**annotations).order_by():
        for i in (0, 1):
            helpful[(i, row["user__staff__branch_id"])] = (row[f"n{i}"], None)
    return {"kb_opened": opened, "kb_helpful": helpful}


def register():
    register_source("knowledge", compute, [
        Measure("kb_opened", _("Knowledge articles opened"), GROUP, "count",
                drill=lambda f: reverse("knowledge:list")),
        Measure("kb_helpful", _("Knowledge articles marked helpful"), GROUP, "count",
                drill=lambda f: reverse("knowledge:list")),
    ])  # fmt: skip
