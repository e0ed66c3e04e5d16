from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from clients.selectors import tier_rank
from crm.api.filters import DjangoFilterBackend
from crm.api.permissions import ActionRoles
from crm.api.references import PersonField
from crm.api.serializers import ModelSerializer
from crm.models import Role

from .. import services
from ..filters import CallbackFilterSet, CallFilterSet
from ..models import Attempt, Call, Callback, OpinionCategory, WrapUpCode, YesNo
from ..selectors import QUEUE_ORDER

CALLERS = {Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER, Role.HQ}


class CallbackSerializer(ModelSerializer):
    client_no = serializers.CharField(source="client.client_no", read_only=True)
    assignee = serializers.CharField(source="assignee.username", default=None, read_only=True)
    claimed_by = serializers.CharField(source="claimed_by.username", default=None, read_only=True)

    class Meta:
        model = Callback
        fields = [
            "id",
            "client",
            "client_no",
            "reason",
            "period",
            "channel",
            "due_at",
            "assignee",
            "claimed_by",
            "status",
            "attempts",
            "next_attempt_at",
            "completed_at",
        ]
        read_only_fields = fields


class CompleteSerializer(serializers.Serializer):
    identity_verified = serializers.BooleanField()
    account_changes_confirmed = serializers.BooleanField(required=False, default=False)
    trading_by_staff = serializers.ChoiceField(choices=YesNo.choices)
    risks_disclosed = serializers.ChoiceField(choices=YesNo.choices)
    discretionary_mandate = serializers.ChoiceField(choices=YesNo.choices)
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)
    opinion = serializers.CharField(required=False, allow_blank=True, default="")
    opinion_category = serializers.ChoiceField(
        choices=OpinionCategory.choices, required=False, allow_blank=True, default=""
    )
    make_complaint = serializers.BooleanField(required=False, default=False)


class FailSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[c for c in Attempt.Outcome.choices
                                               if c[0] != "reached"])  # fmt: skip
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CallbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):  # fmt: skip
    """Callback tasks (回访). `claim/` takes one from the pool (409 if someone else has
    it), `complete/` files the registration form, `fail/` records an unreached attempt."""

    serializer_class = CallbackSerializer
    permission_classes = [ActionRoles]
    action_roles = {"claim": CALLERS, "complete": CALLERS, "fail": CALLERS}
    filter_backends = [DjangoFilterBackend]
    filterset_class = CallbackFilterSet

    def get_queryset(self):
        return (
            Callback.objects.visible_to(self.request.user)
            .select_related("client", "assignee", "claimed_by")
            .alias(tier_rank=tier_rank())
            .order_by(*QUEUE_ORDER)
        )

    def _out(self, callback):
        return Response(self.get_serializer(self.get_queryset().get(pk=callback.pk)).data)

    @extend_schema(request=None, responses=CallbackSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        return self._out(services.callback_claim(user=request.user, callback=self.get_object()))

    @extend_schema(request=CompleteSerializer, responses=CallbackSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        callback = self.get_object()
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.callback_complete(user=request.user, callback=callback, **body.validated_data)
        return self._out(callback)

    @extend_schema(request=FailSerializer, responses=CallbackSerializer)
    @action(detail=True, methods=["post"])
    def fail(self, request, pk=None):
        callback = self.get_object()
        body = FailSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._out(
            services.callback_fail(user=request.user, callback=callback, **body.validated_data)
        )


class CallSerializer(ModelSerializer):
    agent = PersonField(required=False, allow_null=True)
    wrap_up = serializers.SlugRelatedField(
        slug_field="code", required=False, allow_null=True, queryset=WrapUpCode.objects.all()
    )
    client = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    call_id = serializers.CharField(max_length=64)
    waiting_for_wrap_up = serializers.BooleanField(read_only=True)

    class Meta:
        model = Call
        fields = [
            "id",
            "call_id",
            "direction",
            "phone",
            "client",
            "agent",
            "started_at",
            "ended_at",
            "duration",
            "wrap_up",
            "notes",
            "recording_ref",
            "callback",
            "complaint",
            "repeat_contact",
            "waiting_for_wrap_up",
        ]
        read_only_fields = ["duration", "repeat_contact"]
        extra_kwargs = {"callback": {"required": False}, "complaint": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            from complaints.models import Complaint

            self.fields["callback"].queryset = Callback.objects.visible_to(request.user)
            self.fields["complaint"].queryset = Complaint.objects.visible_to(request.user)


class WrapUpSerializer(serializers.Serializer):
    wrap_up = serializers.SlugRelatedField(
        slug_field="code", queryset=WrapUpCode.objects.filter(is_active=True)
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):  # fmt: skip
    """Calls posted by the telephony system; POST is idempotent on the posting system and
    its `call_id` (the same call again completes it and answers 200; another system's ids
    are never reached). A re-post never changes the call's number, start, branch or
    client. The caller is matched to a client the poster may see by the last 11 digits of
    the number."""

    serializer_class = CallSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CallFilterSet
    permission_classes = [ActionRoles]
    action_roles = {"wrap_up": CALLERS}

    def get_queryset(self):
        return (
            Call.objects.visible_to(self.request.user)
            .select_related("agent", "wrap_up")
            .order_by("-started_at", "-id")
        )

    @extend_schema(responses={201: CallSerializer, 200: CallSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call, created = services.call_record(user=request.user, data=serializer.validated_data)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(call).data, status=code)

    @extend_schema(request=WrapUpSerializer, responses=CallSerializer)
    @action(detail=True, methods=["post"], url_path="wrap-up")
    def wrap_up(self, request, pk=None):
        """Set the call's wrap-up code (its agent): a call waiting for one blocks the
        agent's next manually logged call. Flags a repeat contact."""
        call = self.get_object()
        body = WrapUpSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        call = services.call_wrap_up(user=request.user, call=call, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=call.pk)).data)


class WrapUpCodeSerializer(ModelSerializer):
    class Meta:
        model = WrapUpCode
        fields = ["code", "name", "sort_order"]
        read_only_fields = fields


class WrapUpCodeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The active wrap-up codes (结束码), in their order: what `calls/` accepts."""

    serializer_class = WrapUpCodeSerializer
    pagination_class = None

    def get_queryset(self):
        return services.wrap_up_codes().order_by("sort_order", "code")
