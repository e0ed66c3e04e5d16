from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.api.concurrency import VersionedMixin
from crm.api.filters import DjangoFilterBackend

from .. import services
from ..filters import ComplaintFilterSet
from ..selectors import desk
from .serializers import ActionSerializer, ComplaintEventSerializer, ComplaintSerializer

# action -> the fields of its body that the service takes
ACTION_FIELDS = {
    "respond": ["note"],
    "acknowledge": ["note"],
    "investigate": ["note"],
    "pause": ["note"],
    "resume": ["note"],
    "transfer": ["handler", "note"],
    "approve_compensation": ["amount", "note"],
    "resolve": ["resolution", "feedback", "root_cause", "corrective_action",
                "caused_by_department", "caused_by_person"],
    "review": ["note", "satisfaction", "satisfaction_comment"],
    "close": ["note"],
    "reopen": ["reason"],
    "refuse": ["reason"],
}  # fmt: skip
REQUIRED = {"transfer": ["handler"], "approve_compensation": ["amount"]}


class ComplaintViewSet(VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, viewsets.GenericViewSet):  # fmt: skip
    """Complaints. Each workflow step is an action; a step the current status does not
    allow answers 409. A read answers `ETag: "<version>"`; a step sent with a stale
    `If-Match` (or `version`) answers 412 and changes nothing."""

    serializer_class = ComplaintSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ComplaintFilterSet

    def get_queryset(self):
        return desk(self.request.user).order_by("resolution_due_at", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.complaint_receive(user=self.request.user, data=data)

    def _run(self, request, name):
        complaint = self.get_object()
        body = ActionSerializer(
            data=request.data, context={"request": request, "branch": complaint.branch_id}
        )
        body.is_valid(raise_exception=True)
        data = body.validated_data
        missing = [f for f in REQUIRED.get(name, []) if f not in data]
        if missing:
            raise ValidationError({f: [_("This field is required.")] for f in missing})
        kwargs = {f: data[f] for f in ACTION_FIELDS[name] if f in data}
        for text in ("note", "reason", "resolution", "feedback"):
            if text in ACTION_FIELDS[name]:
                kwargs.setdefault(text, "")
        fn = getattr(services, f"complaint_{name}")
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


def _make_action(name):
    @extend_schema(request=ActionSerializer, responses=ComplaintSerializer,
                   description=f"Workflow step `{name}`: body fields "
                               f"{', '.join(ACTION_FIELDS[name])}.")  # fmt: skip
    def view(self, request, pk=None):
        return self._run(request, name)

    view.__name__ = name
    return action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(view)


for _name in ACTION_FIELDS:
    setattr(ComplaintViewSet, _name, _make_action(_name))
