"""Pagination for large lists without COUNT(*): fetch one row more than a page.

The total under a list is cheap too (`page_with_total`): exact when a count that stops
at `EXACT_UP_TO` rows stays under it; beyond that, PostgreSQL's own row estimate for
the query ("约 12,345 条").
A COUNT(*) over a branch's 20,000 clients would cost more than the whole page."""

import json
from dataclasses import dataclass

from django.db.models import QuerySet

EXACT_UP_TO = 1000


@dataclass
class Page:
    object_list: list
    number: int
    has_next: bool
    per_page: int = 25
    total: int | None = None
    total_is_estimate: bool = False

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)

    @property
    def num_pages(self) -> int | None:
        """The number of pages when the total is exact."""
        if self.total is None or self.total_is_estimate:
            return None
        return max(1, -(-self.total // self.per_page))


def page_number(request, max_page: int = 2000) -> int:
    try:
        return max(1, min(int(request.GET.get("page", 1)), max_page))
    except (TypeError, ValueError, OverflowError):
        return 1


def page_without_count(request, queryset, per_page: int = 25, max_page: int = 2000) -> Page:
    number = page_number(request, max_page)
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return Page(
        object_list=rows[:per_page], number=number, has_next=len(rows) > per_page, per_page=per_page
    )


def estimated_rows(queryset: QuerySet) -> int:
    """The planner's row estimate for the query (EXPLAIN, nothing executed)."""
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def cheap_total(queryset: QuerySet, exact_up_to: int | None = None) -> tuple[int, bool]:
    """(total, is_estimate): a count that stops after `exact_up_to` rows (EXACT_UP_TO),
    and beyond it the planner's estimate (at least the rows counted)."""
    exact_up_to = exact_up_to or EXACT_UP_TO
    counted = queryset.order_by()[: exact_up_to + 1].count()
    if counted <= exact_up_to:
        return counted, False
    return max(estimated_rows(queryset), counted), True


def page_with_total(request, queryset, per_page: int = 25, max_page: int = 2000) -> Page:
    """A page with the list's total: one query more (a count capped at EXACT_UP_TO
    rows), two beyond that (EXPLAIN), whatever the page; the same number of queries at
    every size below the cap, so a list's query count stays fixed."""
    page = page_without_count(request, queryset, per_page=per_page, max_page=max_page)
    page.total, page.total_is_estimate = cheap_total(queryset)
    return page
