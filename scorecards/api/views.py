from rest_framework import mixins, viewsets

from crm.api.filters import DjangoFilterBackend
from crm.api.permissions import IsStaffMember

from ..filters import ScorecardFilterSet
from ..selectors import lines
from .serializers import ScorecardLineSerializer


class ScorecardViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Staff scorecards (经纪人考核), one line per account manager, team or branch and
    month or quarter: the figures, the points per measure, the score and the rank. Each
    member of staff reads their own lines; the branch manager and compliance their
    branch's; HQ (and HQ systems) every branch's. Filters: `kind`, `period` (the first
    day), `level`, `branch` (HQ), `team`, `person`."""

    serializer_class = ScorecardLineSerializer
    permission_classes = [IsStaffMember]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ScorecardFilterSet

    def get_queryset(self):
        return lines(self.request.user).order_by("-start", "level", "rank", "id")
