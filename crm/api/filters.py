"""The API's filter backend: the filter sets it builds from a view's `filterset_fields`
get the bounds of crm.bounds as the declared ones (crm.filters.FilterSet) do."""

from django_filters import rest_framework as filters

from ..filters import BoundedFiltersMixin


class FilterSet(BoundedFiltersMixin, filters.FilterSet):
    pass


class DjangoFilterBackend(filters.DjangoFilterBackend):
    filterset_base = FilterSet

    def filter_queryset(self, request, queryset, view):
        # A list's filters narrow lists. A record (a viewset's detail action) is found in
        # the user's scope, which get_queryset() applies. Building the filter set and its
        # form there as well cost the client timeline 3 ms.
        if getattr(view, "detail", False):
            return queryset
        return super().filter_queryset(request, queryset, view)
