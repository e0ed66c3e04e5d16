"""The visit filter sets, shared by the web lists and the `visits/` API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.filters import YES_NO_ANY, FilterSet, OrderingFilter

from .models import AdvisedProduct, Consultation, Event, VisitPlan


class VisitPlanFilterSet(FilterSet):
    ordering = OrderingFilter(orders={"planned_at": ("planned_at", "id")})

    class Meta:
        model = VisitPlan
        fields = ["status", "kind", "client"]


class ConsultationFilterSet(FilterSet):
    ordering = OrderingFilter(
        orders={"due_at": ("due_at", "id"), "created_at": ("created_at", "id")}
    )

    class Meta:
        model = Consultation
        fields = ["status", "client"]


class EventFilterSet(FilterSet):
    ordering = OrderingFilter(orders={"starts_at": ("starts_at", "id")})

    class Meta:
        model = Event
        fields = ["kind"]


class AdvisedProductFilterSet(FilterSet):
    """Advised products for inspection: the recorded sales (双录) by client and product,
    the advice to re-check after a level change; the page's and the API's."""

    client = django_filters.NumberFilter(field_name="consultation__client_id", label=_("Client"))
    client_no = django_filters.CharFilter(field_name="consultation__client__client_no",
                                          label=_("Client number"))  # fmt: skip
    product = django_filters.NumberFilter(field_name="product_id", label=_("Catalogue product"))
    product_code = django_filters.CharFilter(field_name="product__code", label=_("Product code"))
    recording_ref = django_filters.CharFilter(field_name="recording_ref",
                                              label=_("Recording reference"))  # fmt: skip
    recorded = django_filters.BooleanFilter(method="filter_recorded", label=_("Recorded sale"),
                                            widget=YES_NO_ANY)  # fmt: skip
    recheck_needed = django_filters.BooleanFilter(label=_("To be re-checked"), widget=YES_NO_ANY)
    ordering = OrderingFilter(orders={
        "recorded_at": ("recorded_at", "id"),
        "recheck_flagged_at": ("recheck_flagged_at", "id"),
    })  # fmt: skip

    class Meta:
        model = AdvisedProduct
        fields = ["client", "client_no", "product", "product_code", "recording_ref", "recorded",
                  "recheck_needed"]  # fmt: skip

    def filter_recorded(self, queryset, name, value):
        if value:
            return queryset.exclude(recording_ref="")
        return queryset.filter(recording_ref="")
