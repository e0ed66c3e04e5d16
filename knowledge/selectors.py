"""Reads of the knowledge base: search, the article page and suggestions."""

from __future__ import annotations

from django.db.models import Q

from crm.scoping import staff_of

from . import search
from .models import Article, Category


def readable(user):
    return (
        Article.objects.readable_by(user)
        .select_related("category", "owner", "branch")
        .defer("search_vector")
    )


def search_articles(user, q: str):
    """The user's readable articles matching `q`, best first (title matches first)."""
    return search.search(readable(user), q)


def suggested_for(user, category_code: str | list[str], limit: int = 5) -> list[Article]:
    """Published articles of the categories that serve `category_code` (a complaint
    category, a callback reason, a service request's subcategory and category: one code
    or a list of them), most helpful first; one query."""
    staff = staff_of(user)
    codes = [category_code] if isinstance(category_code, str) else list(category_code)
    codes = [code for code in codes if code]
    if staff is None or not codes:
        return []
    categories = Category.objects.filter(serves__overlap=codes).values("pk")
    return list(
        Article.objects.visible_to(user)
        .filter(status=Article.Status.PUBLISHED, category__in=categories)
        .filter(Q(audience=[]) | Q(audience__contains=[staff.role]))
        .only("id", "title", "kind", "helpful_count", "branch_id")
        .order_by("-helpful_count", "-id")[:limit]
    )
