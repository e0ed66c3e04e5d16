from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from crm.api.filters import DjangoFilterBackend

from .. import selectors
from ..filters import MessageFilterSet, TemplateFilterSet
from ..models import Message, SourceKind
from ..permissions import can_send
from ..services.messages import message_send
from ..services.templates import template_create, template_update
from .serializers import MessageSendSerializer, MessageSerializer, MessageTemplateSerializer


class MessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Messages to clients (客户触达): every SMS and e-mail with its status (queued, sent,
    delivered, failed with the reason, withheld by the rules). Create sends one: a
    marketing message only with the client's consent and under the monthly cap; the
    idempotency key (field or `Idempotency-Key` header) never sends twice."""

    serializer_class = MessageSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = MessageFilterSet

    def get_queryset(self):
        return selectors.messages_for(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        request=MessageSendSerializer,
        responses={201: MessageSerializer, 200: MessageSerializer},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)
        ],
    )
    def create(self, request):
        body = MessageSendSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if not can_send(request.user, data["client"]):
            raise PermissionDenied(_("Your role may not send messages to clients."))
        key = data.get("idempotency_key") or request.headers.get("Idempotency-Key", "")
        if not key.strip():
            raise ValidationError({"idempotency_key": [_("Give an idempotency key.")]})
        full_key = f"api:{request.user.pk}:{key.strip()[:100]}"
        existed = Message.objects.filter(idempotency_key=full_key).exists()
        message = message_send(
            client=data["client"], channel=data["channel"], purpose=data["purpose"],
            template=data.get("template"), subject=data.get("subject", ""),
            body=data.get("body", ""), context=data.get("variables"),
            source_kind=SourceKind.MANUAL, idempotency_key=full_key, by=request.user,
        )  # fmt: skip
        out = MessageSerializer(message, context={"request": request}).data
        return Response(out, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class MessageTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             mixins.CreateModelMixin, mixins.UpdateModelMixin,
                             viewsets.GenericViewSet):  # fmt: skip
    """Message templates: HQ's (every branch's) and the branch's own; branch managers edit
    their branch's, HQ every one."""

    serializer_class = MessageTemplateSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TemplateFilterSet

    def get_queryset(self):
        return selectors.templates_for(self.request.user).order_by("channel", "code")

    def perform_create(self, serializer):
        try:
            serializer.instance = template_create(
                user=self.request.user, data=dict(serializer.validated_data)
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = template_update(
                user=self.request.user, template=serializer.instance,
                data=dict(serializer.validated_data),
            )  # fmt: skip
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
