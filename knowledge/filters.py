"""The article list's filters, shared by the web page and the `knowledge/` API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.filters import FilterSet, OrderingFilter

from .models import Article, Category


class ArticleFilterSet(FilterSet):
    kind = django_filters.ChoiceFilter(choices=Article.Kind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=Article.Status.choices, label=_("Status"))
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), label=_("Category"), method="filter_category"
    )
    tag = django_filters.CharFilter(method="filter_tag", label=_("Tag"), max_length=20)
    source = django_filters.ChoiceFilter(
        choices=[("hq", _("Headquarters")), ("branch", _("This branch"))],
        method="filter_source", label=_("Published by"),
    )  # fmt: skip
    ordering = OrderingFilter(
        orders={
            "title": ("title", "id"),
            "updated_at": ("updated_at", "id"),
            "review_due": ("review_due", "id"),
            "helpful_count": ("helpful_count", "id"),
        }
    )

    class Meta:
        model = Article
        fields = ["kind", "status"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value.strip()])

    def filter_source(self, queryset, name, value):
        return queryset.filter(branch__isnull=value == "hq")
