from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from clients.models import Client
from crm.api import fields
from crm.api.filters import DjangoFilterBackend
from crm.api.pagination import CursorPagination
from crm.api.permissions import ActionRoles, HasRole
from crm.api.references import PersonField, VisibleRelatedField
from crm.api.serializers import ModelSerializer
from crm.api.workflow import add_workflow_actions
from crm.models import Role
from crm.workflow import Action
from products.models import Product, ProductStatus

from .. import selectors, services
from ..calendar import calendar_items, calendar_range
from ..filters import (
    AdvisedProductFilterSet,
    ConsultationFilterSet,
    EventFilterSet,
    VisitPlanFilterSet,
)
from ..models import (
    AdvisedProduct,
    Consultation,
    Event,
    EventSeries,
    Invitation,
    ProductLevel,
    VisitPlan,
)
from ..workflow import VISIT_PLAN_WORKFLOW

PLANNERS = {Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER}
INSPECTORS = (Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ)


class VisitPlanSerializer(ModelSerializer):
    client = VisibleRelatedField(queryset=Client.objects.all())
    owner = serializers.CharField(source="owner.username", read_only=True)

    class Meta:
        model = VisitPlan
        fields = [
            "id",
            "client",
            "owner",
            "kind",
            "planned_at",
            "place",
            "purpose",
            "analysis",
            "status",
            "submitted_at",
            "decided_at",
            "reject_reason",
            "record_due_at",
        ]
        read_only_fields = ["status", "submitted_at", "decided_at", "reject_reason",
                            "record_due_at"]  # fmt: skip


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField()


class RecordSerializer(serializers.Serializer):
    presented = serializers.CharField()
    investment_direction = serializers.CharField(required=False, allow_blank=True)
    expected_return = serializers.CharField(required=False, allow_blank=True)
    risk_control = serializers.CharField(required=False, allow_blank=True)
    risk_preference = serializers.CharField(required=False, allow_blank=True)
    proposal = serializers.CharField(required=False, allow_blank=True)
    next_steps = serializers.CharField(required=False, allow_blank=True)
    next_step_on = fields.DateField(required=False, allow_null=True)
    research_request = serializers.CharField(required=False, allow_blank=True)


class CalendarRangeSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="2026-11-30 or 2026-11-30T00:00:00[+08:00]")
    end = serializers.CharField(help_text="after start, at most 62 days later (exclusive)")


class CalendarItemSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="visit-<id> or event-<id>")
    type = serializers.ChoiceField(choices=["visit", "event"])
    title = serializers.CharField()
    start = serializers.CharField(help_text="Asia/Shanghai wall-clock time, no offset")
    url = serializers.CharField(help_text="the web page of the plan or event")
    status = serializers.CharField(help_text="the visit plan's status; empty for events")
    status_label = serializers.CharField()
    place = serializers.CharField()


class VisitPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, viewsets.GenericViewSet):  # fmt: skip
    """Visit plans: draft → submitted → approved/rejected → completed; 409 otherwise."""

    serializer_class = VisitPlanSerializer
    permission_classes = [ActionRoles]
    action_roles = {"create": PLANNERS}
    filter_backends = [DjangoFilterBackend]
    filterset_class = VisitPlanFilterSet

    def get_queryset(self):
        return (
            VisitPlan.objects.visible_to(self.request.user)
            .select_related("owner")
            .order_by("planned_at", "id")
        )

    @extend_schema(
        summary="Calendar: visit plans and client events in a range",
        parameters=[CalendarRangeSerializer],
        responses=CalendarItemSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="calendar", filter_backends=[])
    def calendar(self, request):
        """The visit plans and client events of the caller's scope starting in
        [`start`, `end`) (ISO dates or times, Asia/Shanghai unless an offset is given; at
        most 62 days): the web calendar's feed. Names are masked as for the caller."""
        try:
            span = calendar_range(request.query_params.get("start"),
                                  request.query_params.get("end"))  # fmt: skip
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response(CalendarItemSerializer(calendar_items(request.user, span), many=True).data)

    def perform_create(self, serializer):
        serializer.instance = services.visit_plan_create(
            user=self.request.user, **serializer.validated_data
        )

    def _done(self, plan):
        plan = self.get_queryset().get(pk=plan.pk)
        return Response(self.get_serializer(plan).data)

    def run_step(self, request, step: Action) -> Response:
        """One step of visits.workflow, with its body when it takes one."""
        plan = self.get_object()
        data = {}
        body_class = step.serializer_class()
        if body_class is not None:
            body = body_class(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
        VISIT_PLAN_WORKFLOW.service(step.name)(user=request.user, plan=plan, **data)
        return self._done(plan)


add_workflow_actions(VisitPlanViewSet, VISIT_PLAN_WORKFLOW, response=VisitPlanSerializer)


class AdviceProductSerializer(serializers.Serializer):
    """One product of the advice: a catalogue `product` (its name and level are the
    catalogue's) or, as before the catalogue, a typed `name` and `risk_level`. A product
    above CRM_RECORDING_ABOVE_LEVEL (R3) or above the client's level needs its recording
    (双录): `recording_ref` and `recorded_at`."""

    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.filter(status=ProductStatus.ON_SALE), required=False,
        allow_null=True,
    )  # fmt: skip
    name = serializers.CharField(max_length=100, required=False)
    risk_level = serializers.ChoiceField(choices=ProductLevel.choices, required=False)
    client_insists_in_writing = serializers.BooleanField(required=False, default=False)
    special_warning_given = serializers.BooleanField(required=False, default=False)
    recording_ref = serializers.CharField(max_length=64, required=False, allow_blank=True)
    recorded_at = fields.DateTimeField(required=False, allow_null=True)


class ConsultationSerializer(ModelSerializer):
    client = VisibleRelatedField(queryset=Client.objects.all())
    advisor = PersonField(roles=[Role.ADVISOR])
    products = serializers.SerializerMethodField()

    class Meta:
        model = Consultation
        fields = [
            "id",
            "client",
            "advisor",
            "question",
            "holdings",
            "status",
            "created_at",
            "due_at",
            "analysis",
            "advice",
            "answered_at",
            "answered_in_time",
            "delivered_at",
            "delivery_note",
            "products",
        ]
        read_only_fields = [
            "holdings",
            "status",
            "created_at",
            "due_at",
            "analysis",
            "advice",
            "answered_at",
            "answered_in_time",
            "delivered_at",
            "delivery_note",
        ]

    def get_products(self, sheet) -> list[dict]:
        return [{"product": p.product_id, "name": p.name, "risk_level": p.risk_level,
                 "above_client_level": p.above_client_level,
                 "special_warning_given_at": p.special_warning_given_at,
                 "recording_ref": p.recording_ref, "recorded_at": p.recorded_at,
                 "recheck_needed": p.recheck_needed}
                for p in sheet.products.all()]  # fmt: skip


class AnswerSerializer(serializers.Serializer):
    analysis = serializers.CharField()
    advice = serializers.CharField()
    products = AdviceProductSerializer(many=True, required=False)


class DeliverSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200)


class ConsultationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, viewsets.GenericViewSet):  # fmt: skip
    """Consultation sheets: filed by the account manager, answered by the advisor in time."""

    serializer_class = ConsultationSerializer
    permission_classes = [ActionRoles]
    action_roles = {"create": PLANNERS}
    filter_backends = [DjangoFilterBackend]
    filterset_class = ConsultationFilterSet

    def get_queryset(self):
        return (
            Consultation.objects.visible_to(self.request.user)
            .prefetch_related("products")
            .order_by("due_at", "id")
        )

    def perform_create(self, serializer):
        serializer.instance = services.consultation_file(
            user=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=AnswerSerializer, responses=ConsultationSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sheet = services.consultation_answer(
            user=request.user, consultation=self.get_object(), **body.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=sheet.pk)).data)

    @extend_schema(request=DeliverSerializer, responses=ConsultationSerializer)
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        body = DeliverSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sheet = services.consultation_deliver(
            user=request.user, consultation=self.get_object(), **body.validated_data
        )
        return Response(self.get_serializer(sheet).data)


class InvitationSerializer(ModelSerializer):
    client_no = serializers.CharField(source="client.client_no", read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "client", "client_no", "status", "feedback", "waiting_since",
                  "checked_in_at"]  # fmt: skip
        read_only_fields = ["client", "waiting_since", "checked_in_at"]


class EventSerializer(ModelSerializer):
    invited = serializers.IntegerField(read_only=True, source="invitations.count")
    repeat = serializers.ChoiceField(
        choices=EventSeries.Frequency.choices, required=False, write_only=True,
        help_text=_("A recurring event: every occurrence up to `until` is created, the first "
                    "one is answered."),
    )  # fmt: skip
    until = fields.DateField(required=False, write_only=True,
                             help_text=_("The last day of a recurring event."))  # fmt: skip

    class Meta:
        model = Event
        fields = ["id", "kind", "title", "starts_at", "place", "capacity", "description",
                  "products", "invited", "series", "repeat", "until"]  # fmt: skip
        read_only_fields = ["series"]
        extra_kwargs = {"products": {"required": False, "help_text": _(
            "Catalogue products the event presents or sells.")}}  # fmt: skip


class InviteClientsSerializer(serializers.Serializer):
    clients = VisibleRelatedField(
        queryset=Client.objects.all(), many=True, allow_empty=False,
        help_text=_("The ids of the clients or potential clients to invite (at most 500)."),
    )  # fmt: skip
    whole_series = serializers.BooleanField(required=False, default=False)

    def validate_clients(self, clients):
        if len(clients) > 500:
            raise serializers.ValidationError(_("At most 500 clients at a time."))
        return clients


class InviteSerializer(serializers.Serializer):
    tiers = serializers.ListField(child=serializers.CharField(), required=False)
    stages = serializers.ListField(child=serializers.CharField(), required=False)


class InvitationPagination(CursorPagination):
    ordering = "id"


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   viewsets.GenericViewSet):  # fmt: skip
    """Client events; `invite/` invites a segment (tiers, stages) of the branch."""

    serializer_class = EventSerializer
    permission_classes = [ActionRoles]
    action_roles = {
        "create": {*PLANNERS, Role.HQ},
        "invite": {*PLANNERS, Role.HQ},
        "invite_clients": {*PLANNERS, Role.HQ},
    }
    filter_backends = [DjangoFilterBackend]
    filterset_class = EventFilterSet

    def get_queryset(self):
        return (Event.objects.visible_to(self.request.user).prefetch_related("products")
                .order_by("-starts_at"))  # fmt: skip

    def perform_create(self, serializer):
        serializer.instance = services.event_create(
            user=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=InviteSerializer, responses={200: {"type": "object"}})
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        body = InviteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        n = services.event_invite_segment(
            user=request.user, event=self.get_object(), **body.validated_data
        )
        return Response({"invited": n})

    @extend_schema(request=InviteClientsSerializer, responses={200: {"type": "object"}})
    @action(detail=True, methods=["post"], url_path="invite-clients")
    def invite_clients(self, request, pk=None):
        """Invite single clients or potential clients (ids) of the event's branch."""
        body = InviteClientsSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        n = services.event_invite_clients(
            user=request.user, event=self.get_object(), **body.validated_data
        )
        return Response({"invited": n})

    @extend_schema(responses=InvitationSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=InvitationPagination)
    def invitations(self, request, pk=None):
        """The invitations of the event to clients the caller may see, a page at a time."""
        qs = selectors.invitations_of(self.get_object(), request.user)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(InvitationSerializer(page, many=True).data)


class AdvisedProductSerializer(ModelSerializer):
    client = serializers.IntegerField(source="consultation.client_id", read_only=True)
    client_no = serializers.CharField(source="consultation.client.client_no", read_only=True)
    advisor = serializers.CharField(source="consultation.advisor.username", read_only=True)
    product_code = serializers.CharField(source="product.code", read_only=True, default=None)

    class Meta:
        model = AdvisedProduct
        fields = ["id", "consultation", "client", "client_no", "advisor", "product",
                  "product_code", "name", "risk_level", "above_client_level",
                  "client_insists_in_writing", "special_warning_given_at", "recording_ref",
                  "recorded_at", "recheck_needed", "recheck_level", "recheck_reason",
                  "recheck_flagged_at"]  # fmt: skip
        read_only_fields = fields


class AdvisedProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet):  # fmt: skip
    """The products named in advice, for inspection: recorded sales (双录) by client and
    product (`recorded=true`, `client`, `product`), and the advice a level change of the
    catalogue asks to re-check (`recheck_needed=true`). Branch managers, compliance and
    HQ, each in their scope."""

    serializer_class = AdvisedProductSerializer
    permission_classes = [HasRole.of(*INSPECTORS)]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AdvisedProductFilterSet

    def get_queryset(self):
        return (
            AdvisedProduct.objects.visible_to(self.request.user)
            .select_related("consultation__client", "consultation__advisor", "product")
            .order_by("-id")
        )
