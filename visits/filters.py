"""The visit filter sets, shared by the web lists and the `visits/` API."""

from crm.filters import FilterSet, OrderingFilter

from .models import Consultation, Event, VisitPlan


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
