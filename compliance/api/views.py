from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.api.concurrency import VersionedMixin
from crm.api.filters import DjangoFilterBackend
from crm.api.permissions import IsStaffMember
from crm.api.workflow import add_workflow_actions
from crm.models import staff_of
from crm.workflow import Action

from .. import services
from ..filters import CaseFilterSet
from ..models import CASE_ROLES
from ..selectors import cases
from ..workflow import CASE_WORKFLOW
from .serializers import CaseEventSerializer, CaseSerializer


class CaseRoles(IsStaffMember):
    """Compliance officers (who elsewhere only read) and HQ, reading and writing."""

    def has_permission(self, request, view) -> bool:
        staff = staff_of(request.user)
        return staff is not None and staff.role in CASE_ROLES


class ComplianceCaseViewSet(VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            mixins.CreateModelMixin, viewsets.GenericViewSet):  # fmt: skip
    """Compliance cases (合规事项), for compliance officers (their branch) and HQ (all);
    a case about the caller themself is 404. Create opens one by hand (from a source's
    kind and number, or without one); each workflow step is an action: a step the status
    does not allow answers 409, a stale `If-Match` / `version` 412."""

    serializer_class = CaseSerializer
    permission_classes = [CaseRoles]
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilterSet

    def get_queryset(self):
        return cases(self.request.user).select_related("opened_by").order_by("-opened_at", "-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data["source_id"] = data.pop("source_number", "")
        serializer.instance = services.case_open(user=self.request.user, data=data)

    def run_step(self, request, step: Action) -> Response:
        case = self.get_object()
        body = step.serializer_class()(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        missing = [f for f in step.required if f not in data]
        if missing:
            raise ValidationError({f: [_("This field is required.")] for f in missing})
        kwargs = {f: data[f] for f in step.fields if f in data}
        version = self.expected_version(request, data.get("version"))
        result = CASE_WORKFLOW.service(step.name)(user=request.user, case=case, version=version,
                                                  **kwargs)  # fmt: skip
        return Response(CaseSerializer(result, context={"request": request}).data)

    @extend_schema(responses=CaseEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, pk=None):
        case = self.get_object()
        return Response(CaseEventSerializer(case.events.select_related("by"), many=True).data)


add_workflow_actions(ComplianceCaseViewSet, CASE_WORKFLOW, response=CaseSerializer)
