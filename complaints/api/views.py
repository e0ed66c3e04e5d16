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
from ..filters import ComplaintFilterSet
from ..selectors import DESK_ORDER, desk
from ..workflow import COMPLAINT_WORKFLOW
from .serializers import ComplaintEventSerializer, ComplaintSerializer


class ComplaintViewSet(VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, viewsets.GenericViewSet):  # fmt: skip
    """Complaints. Each workflow step is an action; a step the current status does not
    allow answers 409. A read answers `ETag: "<version>"`; a step sent with a stale
    `If-Match` (or `version`) answers 412 and changes nothing."""

    serializer_class = ComplaintSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ComplaintFilterSet

    def get_queryset(self):
        return desk(self.request.user).order_by(*DESK_ORDER)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.complaint_receive(user=self.request.user, data=data)

    def run_step(self, request, step: Action) -> Response:
        """One step of complaints.workflow: its body fields, as its service takes them."""
        complaint = self.get_object()
        body = step.serializer_class()(
            data=request.data, context={"request": request, "branch": complaint.branch_id}
        )
        body.is_valid(raise_exception=True)
        data = body.validated_data
        missing = [f for f in step.required if f not in data]
        if missing:
            raise ValidationError({f: [_("This field is required.")] for f in missing})
        kwargs = {f: data[f] for f in step.fields if f in data}
        for text in ("note", "reason", "resolution", "feedback"):
            if text in step.fields:
                kwargs.setdefault(text, "")
        fn = COMPLAINT_WORKFLOW.service(step.name)
        version = self.expected_version(request, data.get("version"))
        result = fn(user=request.user, complaint=complaint, version=version, **kwargs)
        return Response(ComplaintSerializer(result, context={"request": request}).data)

    @extend_schema(responses=ComplaintEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, pk=None):
        complaint = self.get_object()
        return Response(
            ComplaintEventSerializer(complaint.events.select_related("by"), many=True).data
        )


add_workflow_actions(ComplaintViewSet, COMPLAINT_WORKFLOW, response=ComplaintSerializer)
