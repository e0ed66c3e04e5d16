from rest_framework import mixins, viewsets

from crm.api.filters import DjangoFilterBackend
from crm.api.permissions import IsStaffMember
from crm.models import staff_of

from ..filters import AmlFilterSet
from ..models import AML_READERS
from ..selectors import ratings
from .serializers import AmlRatingSerializer


class AmlReaders(IsStaffMember):
    """The branch's manager and compliance officers, HQ: reading only."""

    def has_permission(self, request, view) -> bool:
        staff = staff_of(request.user)
        return staff is not None and staff.role in AML_READERS


class AmlRatingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):  # fmt: skip
    """AML client risk ratings (反洗钱风险等级: low / medium / higher / high), with the
    factors that matched, the rating set by hand (with its reason) and the identity
    re-verification date; rated nightly. Branch managers and compliance officers: their
    branch; HQ: all. Filters: `rating`, `high`, `reverify_due`, `id_expiring`,
    `overridden`, `client`, `branch` (HQ)."""

    serializer_class = AmlRatingSerializer
    permission_classes = [AmlReaders]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AmlFilterSet

    def get_queryset(self):
        return (
            ratings(self.request.user)
            .select_related("override_by")
            .order_by("reverify_due_on", "id")
        )
