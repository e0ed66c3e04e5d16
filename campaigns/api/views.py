from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.api.concurrency import VersionedMixin
from crm.api.filters import DjangoFilterBackend
from crm.api.permissions import ActionRoles
from crm.api.workflow import add_workflow_actions
from crm.workflow import Action

from .. import selectors, services
from ..filters import CampaignFilterSet
from ..workflow import BUILDER_ROLES, CAMPAIGN_WORKFLOW
from .serializers import (
    CampaignSerializer,
    CampaignWriteSerializer,
    ProgressSerializer,
    RecipientsSerializer,
)


class CampaignViewSet(VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, mixins.UpdateModelMixin,
                      viewsets.GenericViewSet):  # fmt: skip
    """Campaigns (营销活动): a template on one channel to a segment, on a schedule. Built
    in draft (create, update while a draft); each workflow step is an action (submit,
    approve, reject, cancel), a step the current status does not allow answers 409. A
    read answers `ETag: "<version>"`; a stale `If-Match` (or `version`) answers 412."""

    serializer_class = CampaignSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CampaignFilterSet
    permission_classes = [ActionRoles]
    action_roles = dict.fromkeys(["create", "update", "partial_update"], BUILDER_ROLES)
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return CampaignWriteSerializer
        return CampaignSerializer

    def get_queryset(self):
        return (
            selectors.campaign_list(self.request.user)
            .select_related("approved_by")
            .order_by("-created_at", "-id")
        )

    def _read(self, campaign):
        return CampaignSerializer(campaign, context=self.get_serializer_context()).data

    @extend_schema(request=CampaignWriteSerializer(), responses={201: CampaignSerializer()})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(self._read(serializer.instance), status=201)

    @extend_schema(request=CampaignWriteSerializer(), responses=CampaignSerializer())
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return Response(self._read(serializer.instance))

    @extend_schema(request=CampaignWriteSerializer(), responses=CampaignSerializer())
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.campaign_create(user=self.request.user, data=data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = self.expected_version(self.request, data.pop("version", None))
        serializer.instance = services.campaign_update(
            user=self.request.user, campaign=serializer.instance, data=data, version=version
        )

    def run_step(self, request, step: Action) -> Response:
        campaign = self.get_object()
        body = step.serializer_class()(
            data=request.data, context={"request": request, "branch": campaign.branch_id}
        )
        body.is_valid(raise_exception=True)
        data = body.validated_data
        missing = [f for f in step.required if not data.get(f)]
        if missing:
            raise ValidationError({f: [_("This field is required.")] for f in missing})
        kwargs = {f: data[f] for f in step.fields if f in data}
        for text in ("note", "reason"):
            if text in step.fields:
                kwargs.setdefault(text, "")
        version = self.expected_version(request, data.get("version"))
        result = CAMPAIGN_WORKFLOW.service(step.name)(
            user=request.user, campaign=campaign, version=version, **kwargs
        )
        return Response(CampaignSerializer(result, context={"request": request}).data)

    @extend_schema(responses=RecipientsSerializer())
    @action(detail=True, methods=["get"], pagination_class=None)
    def recipients(self, request, pk=None):
        """The segment counted after consent, address and the monthly cap (a birthday
        campaign: today's birthdays)."""
        r = services.campaign_recipients(self.get_object())
        return Response(RecipientsSerializer(r).data)

    @extend_schema(responses=ProgressSerializer())
    @action(detail=True, methods=["get"], pagination_class=None)
    def progress(self, request, pk=None):
        """Messages by status, opt-outs after the message, replies, trades within 30 days
        and dormant accounts re-activated."""
        campaign = self.get_object()
        p, r = selectors.progress(campaign), selectors.results(campaign)
        data = {**p.__dict__, **r.__dict__}
        data.pop("total", None)
        return Response(ProgressSerializer(data).data)


add_workflow_actions(CampaignViewSet, CAMPAIGN_WORKFLOW, response=CampaignSerializer)
