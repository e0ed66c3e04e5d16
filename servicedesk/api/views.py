from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.api.concurrency import VersionedMixin
from crm.api.filters import DjangoFilterBackend
from crm.api.workflow import add_workflow_actions
from crm.workflow import Action

from .. import services
from ..filters import ServiceRequestFilterSet
from ..models import ServiceCategory
from ..selectors import DESK_ORDER, desk
from ..workflow import SERVICE_REQUEST_WORKFLOW
from .serializers import (
    ServiceCategorySerializer,
    ServiceRequestEventSerializer,
    ServiceRequestSerializer,
)


class ServiceRequestViewSet(VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            mixins.CreateModelMixin, viewsets.GenericViewSet):  # fmt: skip
    """Service requests (服务请求). Each workflow step is an action; a step the current
    status does not allow answers 409. A read answers `ETag: "<version>"`; a step sent
    with a stale `If-Match` (or `version`) answers 412 and changes nothing."""

    serializer_class = ServiceRequestSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ServiceRequestFilterSet

    def get_queryset(self):
        return desk(self.request.user).select_related("branch", "complaint").order_by(*DESK_ORDER)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.servicerequest_receive(user=self.request.user, data=data)

    def run_step(self, request, step: Action) -> Response:
        sr = self.get_object()
        body = step.serializer_class()(
            data=request.data, context={"request": request, "branch": sr.branch_id}
        )
        body.is_valid(raise_exception=True)
        data = body.validated_data
        missing = [f for f in step.required if not data.get(f)]
        if missing:
            raise ValidationError({f: [_("This field is required.")] for f in missing})
        kwargs = {f: data[f] for f in step.fields if f in data}
        for text in ("note", "reason", "resolution"):
            if text in step.fields:
                kwargs.setdefault(text, "")
        fn = SERVICE_REQUEST_WORKFLOW.service(step.name)
        version = self.expected_version(request, data.get("version"))
        result = fn(user=request.user, service_request=sr, version=version, **kwargs)
        return Response(ServiceRequestSerializer(result, context={"request": request}).data)

    @extend_schema(responses=ServiceRequestEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, pk=None):
        sr = self.get_object()
        return Response(
            ServiceRequestEventSerializer(sr.events.select_related("by"), many=True).data
        )


add_workflow_actions(ServiceRequestViewSet, SERVICE_REQUEST_WORKFLOW,
                     response=ServiceRequestSerializer)  # fmt: skip


class ServiceCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The service categories and subcategories (HQ edits them on the web)."""

    serializer_class = ServiceCategorySerializer
    queryset = ServiceCategory.objects.select_related("parent").order_by("sort_order", "id")
