"""Reading the catalogue: everyone of staff sees every product."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from .models import Product

CJK = re.compile(r"[\u4e00-\u9fff]")


def catalogue() -> QuerySet:
    return Product.objects.select_related("updated_by")


def search_products(qs: QuerySet, text: str) -> QuerySet:
    """By a prefix of the code, the name or its pinyin initials (each an index)."""
    text = (text or "").strip()[:40]
    if not text:
        return qs
    if CJK.search(text):
        return qs.filter(name__startswith=text)
    query = Q(code__startswith=text) | Q(code__startswith=text.upper())
    if text.isascii() and text.isalpha():
        query |= Q(name_initials__startswith=text.lower())
    return qs.filter(query | Q(name__startswith=text))
