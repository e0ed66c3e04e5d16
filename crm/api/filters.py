"""The API's filter backend: the filter sets it builds from a view's `filterset_fields`
get the bounds of crm.bounds as the declared ones (crm.filters.FilterSet) do."""

from django_filters import rest_framework as filters

from ..filters import BoundedFiltersMixin


class FilterSet(BoundedFiltersMixin, filters.FilterSet):
    pass


class DjangoFilterBackend(filters.DjangoFilterBackend):
    filterset_base = FilterSet
