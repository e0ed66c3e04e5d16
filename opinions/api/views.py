from django.utils.translation import gettext as _
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.api.filters import DjangoFilterBackend
from crm.api.workflow import add_workflow_actions
from crm.workflow import Action

from .. import services
from ..filters import OpinionFilterSet
from ..selectors import register
from ..workflow import OPINION_WORKFLOW
from .serializers import OpinionSerializer


class OpinionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):  # fmt: skip
    """Client opinions (客户意见): those heard in callbacks, service requests and complaint
    reviews, and those entered by hand (create). Each workflow step is an action; a step
    the current status does not allow answers 409."""

    serializer_class = OpinionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = OpinionFilterSet

    def get_queryset(self):
        return (
            register(self.request.user)
            .select_related("answered_by")
            .order_by("-received_at", "-id")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.opinion_create(user=self.request.user, data=data)

    def run_step(self, request, step: Action) -> Response:
        opinion = self.get_object()
        body = step.serializer_class()(
            data=request.data, context={"request": request, "branch": opinion.branch_id}
        )
        body.is_valid(raise_exception=True)
        data = body.validated_data
        missing = [f for f in step.required if not data.get(f)]
        if missing:
            raise ValidationError({f: [_("This field is required.")] for f in missing})
        kwargs = {f: data[f] for f in step.fields if f in data}
        result = OPINION_WORKFLOW.service(step.name)(user=request.user, opinion=opinion, **kwargs)
        return Response(OpinionSerializer(result, context={"request": request}).data)


add_workflow_actions(OpinionViewSet, OPINION_WORKFLOW, response=OpinionSerializer)
