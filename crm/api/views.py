from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import SearchFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..db import reads_from_replica
from ..filters import (
    AccessLogFilterSet,
    BranchFilterSet,
    HolidayFilterSet,
    NotificationFilterSet,
    StaffFilterSet,
    TodoFilterSet,
)
from ..models import (
    ACCESS_LOG_ROLES,
    AccessLog,
    Branch,
    Holiday,
    Notification,
    Role,
    StaffProfile,
    Todo,
    staff_of,
)
from ..services.staff import STAFF_BULK_MAX_ROWS
from .filters import DjangoFilterBackend
from .pagination import FilterSetCursorPagination
from .permissions import HasRole
from .serializers import (
    AccessLogSerializer,
    BranchRowSerializer,
    BranchSerializer,
    HolidaySerializer,
    MeSerializer,
    NotificationSerializer,
    OrgBulkResultSerializer,
    StaffDeactivateSerializer,
    StaffRowSerializer,
    StaffSerializer,
    TodoSerializer,
)

# Roles that read the branch's figures (the dashboard); the others read their own.
DASHBOARD_ROLES = {Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ, Role.INTEGRATION}


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        staff = staff_of(request.user)
        data = {
            "username": request.user.username,
            "name": staff.display_name,
            "role": staff.role,
            "branch": staff.branch.code,
            "sees_all_branches": staff.sees_all_branches,
            "read_only": staff.is_read_only,
        }
        return Response(MeSerializer(data).data)


def bulk_rows(request) -> list:
    """The JSON list of rows of a `.../bulk/` call, at most STAFF_BULK_MAX_ROWS."""
    rows = request.data
    if not isinstance(rows, list):
        raise ValidationError({"non_field_errors": [_("Send a JSON list of rows.")]})
    if len(rows) > STAFF_BULK_MAX_ROWS:
        raise ValidationError(
            {"non_field_errors": [_("At most %(n)d rows per call.") % {"n": STAFF_BULK_MAX_ROWS}]}
        )
    return rows


def bulk_response(result, rows) -> Response:
    code = status.HTTP_200_OK if result.stored or not rows else status.HTTP_400_BAD_REQUEST
    return Response(result.as_dict(), status=code)


# The organisation is imported by headquarters (staff or an HQ system's token); the
# service refuses a branch system's token.
ORG_WRITERS = [HasRole.of(Role.HQ, Role.INTEGRATION)]


class BranchViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BranchSerializer
    filter_backends = [DjangoFilterBackend, SearchFilter]
    filterset_class = BranchFilterSet
    search_fields = ["code", "name"]

    def get_queryset(self):
        return Branch.objects.visible_to(self.request.user)

    @extend_schema(
        request=BranchRowSerializer(many=True),
        responses={200: OrgBulkResultSerializer, 400: OrgBulkResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="bulk", permission_classes=ORG_WRITERS)
    def bulk(self, request):
        """Create or update branches by code (headquarters only); idempotent; errors
        per row. A branch is never deleted: `active: false` closes it."""
        rows = bulk_rows(request)
        return bulk_response(services.branches_upsert(user=request.user, rows=rows), rows)


class StaffViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StaffSerializer
    lookup_field = "user__username"
    lookup_url_kwarg = "username"
    filter_backends = [DjangoFilterBackend, SearchFilter]
    filterset_class = StaffFilterSet
    search_fields = ["user__username", "user__first_name", "user__last_name"]

    def get_queryset(self):
        return (
            StaffProfile.objects.visible_to(self.request.user)
            .select_related("user", "branch")
            .order_by("user__username")
        )

    @extend_schema(
        request=StaffRowSerializer(many=True),
        responses={200: OrgBulkResultSerializer, 400: OrgBulkResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="bulk", permission_classes=ORG_WRITERS)
    def bulk(self, request):
        """Create or update staff by staff number (工号), headquarters only; idempotent;
        errors per row. `active: false` deactivates the person (never deleted)."""
        rows = bulk_rows(request)
        return bulk_response(services.staff_upsert(user=request.user, rows=rows), rows)

    @extend_schema(request=StaffDeactivateSerializer, responses=StaffSerializer)
    @action(detail=True, methods=["post"], permission_classes=ORG_WRITERS)
    def deactivate(self, request, username=None):
        """The person left: they can no longer sign in; nothing of theirs is deleted and
        their branch managers are told which clients and work to hand on."""
        staff = self.get_object()
        body = StaffDeactivateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.staff_deactivate(user=request.user, staff=staff, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=staff.pk)).data)


class HolidayViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = HolidaySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = HolidayFilterSet
    lookup_field = "date"
    queryset = Holiday.objects.order_by("date")


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NotificationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilterSet

    def get_queryset(self):
        return Notification.objects.visible_to(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.notification_mark_read(user=request.user, notification_id=notification.pk)
        notification.refresh_from_db()
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses={200: {"type": "object"}})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked_read": services.notification_mark_read(user=request.user)})


class TodoViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TodoSerializer
    filter_backends = [DjangoFilterBackend, SearchFilter]
    filterset_class = TodoFilterSet
    search_fields = ["title", "description"]

    def get_queryset(self):
        return Todo.objects.visible_to(self.request.user).select_related(
            "assignee", "created_by", "branch"
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.todo_create(
            created_by=self.request.user,
            assignee=data.get("assignee", self.request.user),
            title=data["title"],
            description=data.get("description", ""),
            due_at=data.get("due_at"),
        )

    def perform_update(self, serializer):
        todo = serializer.instance
        data = serializer.validated_data
        if "assignee" in data and data["assignee"] != todo.assignee:
            raise ValidationError({"assignee": [_("To reassign, create a new to-do.")]})
        serializer.instance = services.todo_update(
            user=self.request.user,
            todo=todo,
            title=data.get("title", todo.title),
            description=data.get("description", todo.description),
            due_at=data.get("due_at", todo.due_at),
        )

    @extend_schema(request=None, responses=TodoSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        todo = services.todo_complete(user=request.user, todo=self.get_object())
        return Response(self.get_serializer(todo).data)

    @extend_schema(request=None, responses=TodoSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        todo = services.todo_cancel(user=request.user, todo=self.get_object())
        return Response(self.get_serializer(todo).data, status=status.HTTP_200_OK)


@reads_from_replica
class MetricsView(APIView):
    """The service measures behind the dashboards, with the same filters:
    `period=month|quarter|year|custom`, `year`, `value`, `start`, `end`, `branch=<code>`
    (HQ), `team`, `person=<username>`. Each measure has the current and the previous
    period, the change, and (for HQ without a branch) the value per branch id.

    Branch managers, compliance, HQ and integrations (the data warehouse) get the branch
    figures, as on the dashboard; everyone else their own figures, as on "My figures"."""

    @extend_schema(
        parameters=[OpenApiParameter(n, str) for n in ("period", "year", "value", "start",
                                                       "end", "branch", "team", "person")],
        responses={200: {"type": "object"}},
    )  # fmt: skip
    def get(self, request):
        from ..dashboard import filters_from
        from ..measures import compute_rows

        code = request.query_params.get("branch")
        if code and not Branch.objects.visible_to(request.user).filter(code=code).exists():
            raise ValidationError({"branch": [_("No such branch.")]})
        staff = staff_of(request.user)
        person = None if staff.role in DASHBOARD_ROLES else request.user
        filters = filters_from(request, request.query_params, person=person)
        return Response({
            "period": {"start": filters.current.start, "end": filters.current.end},
            "previous": {"start": filters.previous.start, "end": filters.previous.end},
            "measures": [r.as_dict() for r in compute_rows(filters)],
        })  # fmt: skip


class AccessLogPagination(FilterSetCursorPagination):
    ordering = ("-occurred_at", "-id")


class AccessLogSearch(SearchFilter):
    """`?search=` as the page's search box: record name or number prefix, or username."""

    def filter_queryset(self, request, queryset, view):
        return AccessLogFilterSet.search(queryset, request.query_params.get(self.search_param))


class AccessLogViewSet(viewsets.ReadOnlyModelViewSet):
    """The access log (read-only): compliance and branch managers see their branch's
    entries, HQ all. Filters: `q` (record name or number prefix, or username), `user`,
    `action`, `since`, `until` (dates), `field`, `object_type` (e.g. `clients.client`)
    with `object_id`. Cursor pagination, newest first."""

    serializer_class = AccessLogSerializer
    filterset_class = AccessLogFilterSet
    permission_classes = [HasRole.of(*ACCESS_LOG_ROLES)]
    pagination_class = AccessLogPagination
    filter_backends = [DjangoFilterBackend, AccessLogSearch]
    search_fields = ["^object_repr", "=user__username"]

    def get_queryset(self):
        return AccessLog.objects.visible_to(self.request.user).select_related(
            "user", "branch", "content_type"
        )
