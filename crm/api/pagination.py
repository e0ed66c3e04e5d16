from rest_framework import pagination

from ..filters import OrderingFilter


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CursorPagination(pagination.CursorPagination):
    """For large tables: no COUNT(*), stable under inserts. Views set `ordering`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class FilterSetCursorPagination(CursorPagination):
    """A cursor in the order the list's filter set was asked for (`?ordering=`, through
    crm.filters.OrderingFilter, whose names the filter backend has checked), else in the
    view's own `ordering`."""

    def get_ordering(self, request, queryset, view):
        filterset_class = getattr(view, "filterset_class", None)
        order = filterset_class.base_filters.get("ordering") if filterset_class else None
        names = [n for n in request.query_params.get("ordering", "").split(",") if n]
        if not isinstance(order, OrderingFilter) or not names:
            return self.ordering
        if not all(name.removeprefix("-") in order.orders for name in names):
            return self.ordering  # the filter backend has answered 400 already
        columns: dict[str, str] = {}  # a column once, at its first place
        for name in names:
            for column in order.columns(name):
                columns.setdefault(column.lstrip("-"), column)
        return tuple(columns.values())
