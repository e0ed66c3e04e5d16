from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import SearchFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.concurrency import VersionedMixin
from crm.api.filters import DjangoFilterBackend
from crm.api.pagination import CursorPagination
from crm.api.permissions import HasRole
from crm.models import Role

from .. import services
from ..filters import ClientApiFilterSet, RetentionCaseFilterSet, RiskAssessmentFilterSet
from ..models import RiskAssessment
from ..selectors import client_list
from ..timeline import client_timeline
from ..validators import phone_digits
from .serializers import (
    BulkResultSerializer,
    ClientBulkRowSerializer,
    ClientLookupSerializer,
    ClientSerializer,
    HoldingBulkRowSerializer,
    RetentionActionSerializer,
    RetentionCaseSerializer,
    RetentionCloseSerializer,
    RiskAssessmentSerializer,
    SnapshotRowSerializer,
    TimelineEntrySerializer,
)

REVEAL_PARAM = OpenApiParameter(
    "reveal", str, description="Comma-separated fields to show unmasked (id_number, phone, "
    "phone_alt, name) for roles that may; each reveal is written to the access log.",
)  # fmt: skip


class ClientCursorPagination(CursorPagination):
    ordering = "-id"


class ClientViewSet(
    VersionedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Client profiles. No delete: closing an account is a status. A read answers
    `ETag: "<version>"`; send it back in `If-Match` (or `version`) when saving: if someone
    else saved in between, the answer is 412 and nothing changes."""

    serializer_class = ClientSerializer
    pagination_class = ClientCursorPagination
    filter_backends = [DjangoFilterBackend, SearchFilter]  # the cursor's order, no `ordering`
    filterset_class = ClientApiFilterSet
    search_fields = []  # `?search=` maps to the indexed client search below

    def get_queryset(self):
        return client_list(self.request.user).select_related("advisor")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        text = self.request.query_params.get("search")
        if text:
            from ..selectors import search_clients

            queryset = search_clients(queryset, text)
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "retrieve":
            raw = self.request.query_params.get("reveal", "")
            context["reveal"] = [f for f in raw.split(",") if f in services.SENSITIVE_FIELDS]
        return context

    @extend_schema(parameters=[REVEAL_PARAM])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        data.pop("version", None)
        serializer.instance = services.client_create(
            user=self.request.user, data=data, reason=reason
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        version = self.expected_version(self.request, data.pop("version", None))
        for key in ("owner", "client_no", "opened_on"):
            if key in data and data[key] != getattr(serializer.instance, key):
                raise ValidationError({key: [_("Use the dedicated action to change this.")]})
            data.pop(key, None)
        serializer.instance = services.client_update(
            user=self.request.user, client=serializer.instance, data=data, reason=reason,
            version=version,
        )  # fmt: skip

    @extend_schema(
        parameters=[OpenApiParameter("phone", str, required=True,
                                     description="Caller number; +86 and separators allowed")],
        responses=ClientLookupSerializer(many=True),
    )  # fmt: skip
    @action(detail=False, methods=["get"])
    def lookup(self, request):
        """Screen pop: clients whose mobile or second mobile matches the last 11 digits."""
        digits = phone_digits(request.query_params.get("phone", ""))
        if len(digits) < 7:
            raise ValidationError({"phone": [_("Send at least 7 digits of the number.")]})
        from django.db.models import Q

        matches = (
            client_list(request.user).filter(Q(phone=digits) | Q(phone_alt=digits))
            .order_by("-id")[:20]
        )  # fmt: skip
        return Response(
            ClientLookupSerializer(matches, many=True, context={"request": request}).data
        )

    @extend_schema(responses=TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request, pk=None):
        client = self.get_object()
        entries = [e.as_dict() for e in client_timeline(client, limit=100)]
        return Response(TimelineEntrySerializer(entries, many=True).data)


class RiskAssessmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """Questionnaire results, kept forever; the newest one sets the client's level."""

    serializer_class = RiskAssessmentSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RiskAssessmentFilterSet

    def get_queryset(self):
        return RiskAssessment.objects.visible_to(self.request.user).select_related(
            "client", "recorded_by"
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        client = data.pop("client")
        data.pop("valid_until", None)
        serializer.instance = services.risk_assessment_record(
            user=self.request.user, client=client, **data
        )


class SnapshotBulkView(APIView):
    """Upsert account snapshots by (client_no, date); idempotent; errors per row.

    Account facts come from the trading system (an integration token), or from a branch
    manager or HQ, who may also import them as a file; other staff may not post them."""

    permission_classes = [HasRole.of(Role.INTEGRATION, Role.BRANCH_MANAGER, Role.HQ)]

    @extend_schema(
        request=SnapshotRowSerializer(many=True),
        responses={200: BulkResultSerializer, 400: BulkResultSerializer},
    )
    def post(self, request):
        rows = request.data
        if not isinstance(rows, list):
            raise ValidationError({"non_field_errors": [_("Send a JSON list of rows.")]})
        limit = settings.CRM_SNAPSHOT_BULK_MAX_ROWS
        if len(rows) > limit:
            raise ValidationError(
                {"non_field_errors": [_("At most %(n)d rows per call.") % {"n": limit}]}
            )
        result = services.snapshots_upsert(user=request.user, rows=rows)
        code = status.HTTP_200_OK if result.stored or not rows else status.HTTP_400_BAD_REQUEST
        return Response(result.as_dict(), status=code)


class BulkView(APIView):
    """A JSON list of rows, at most CRM_CLIENT_BULK_MAX_ROWS a call, to a bulk service."""

    permission_classes = [HasRole.of(Role.INTEGRATION, Role.BRANCH_MANAGER, Role.HQ)]
    service = staticmethod(services.clients_upsert)

    def post(self, request):
        rows = request.data
        if not isinstance(rows, list):
            raise ValidationError({"non_field_errors": [_("Send a JSON list of rows.")]})
        limit = settings.CRM_CLIENT_BULK_MAX_ROWS
        if len(rows) > limit:
            raise ValidationError(
                {"non_field_errors": [_("At most %(n)d rows per call.") % {"n": limit}]}
            )
        result = self.service(user=request.user, rows=rows)
        code = status.HTTP_200_OK if result.stored or not rows else status.HTTP_400_BAD_REQUEST
        return Response(result.as_dict(), status=code)


class ClientBulkView(BulkView):
    """Load the client master from the trading system: upsert by `client_no`.

    Each row: identity, phones, type, branch code, account manager (staff number or
    username), opening date, account status, investor class, risk level and date. Rows are
    checked like a single client; a bad row comes back with its index and is not stored,
    the others are; a row equal to the stored client writes nothing (`unchanged`). The
    trading system (an integration token: a headquarters one for every branch, a branch
    one for its branch), HQ, or a branch manager for the branch."""

    service = staticmethod(services.clients_upsert)

    @extend_schema(
        request=ClientBulkRowSerializer(many=True),
        responses={200: BulkResultSerializer, 400: BulkResultSerializer},
    )
    def post(self, request):
        return super().post(request)


class HoldingBulkView(BulkView):
    """Upsert holdings by (`client_no`, `date`, `security_code`): the rows of one client
    and date are that day's positions (a position not sent is removed); the same rows
    again write nothing."""

    service = staticmethod(services.holdings_upsert)

    @extend_schema(
        request=HoldingBulkRowSerializer(many=True),
        responses={200: BulkResultSerializer, 400: BulkResultSerializer},
    )
    def post(self, request):
        return super().post(request)


class RetentionCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):  # fmt: skip
    """Retention cases opened by the nightly churn scoring; actions and outcome."""

    serializer_class = RetentionCaseSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RetentionCaseFilterSet

    def get_queryset(self):
        from ..models import RetentionCase

        return (
            RetentionCase.objects.visible_to(self.request.user)
            .select_related("client", "owner", "loss_reason")
            .prefetch_related("actions__by")
            .order_by("-opened_at", "-id")
        )

    @extend_schema(request=RetentionActionSerializer, responses=RetentionCaseSerializer)
    @action(detail=True, methods=["post"], url_path="actions")
    def add_action(self, request, pk=None):
        from .. import retention

        case = self.get_object()
        body = RetentionActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        retention.retention_action_add(user=request.user, case=case, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data)

    @extend_schema(request=RetentionCloseSerializer, responses=RetentionCaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        from .. import retention

        case = self.get_object()
        body = RetentionCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        retention.retention_case_close(user=request.user, case=case, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data)
