from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.filters import DjangoFilterBackend
from crm.api.permissions import ActionRoles, HasRole
from crm.models import Role

from .. import services
from ..filters import ProductFilterSet
from ..selectors import catalogue
from .serializers import ProductBulkResultSerializer, ProductBulkRowSerializer, ProductSerializer

WRITERS = frozenset(services.MAINTAINERS)


class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):  # fmt: skip
    """The product catalogue (产品库): every member of staff and system reads it; HQ
    creates and changes products. A change of `risk_level` re-checks the open advice
    naming the product (visits) and tells the advisors concerned."""

    serializer_class = ProductSerializer
    permission_classes = [ActionRoles]
    action_roles = {"create": WRITERS, "partial_update": WRITERS}
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProductFilterSet

    def get_queryset(self):
        return catalogue().prefetch_related("documents").order_by("code")

    def perform_create(self, serializer):
        product = services.product_create(user=self.request.user,
                                          data=dict(serializer.validated_data))  # fmt: skip
        serializer.instance = catalogue().prefetch_related("documents").get(pk=product.pk)

    def partial_update(self, request, pk=None):
        """Change some fields of a product (the code stays)."""
        product = self.get_object()
        serializer = self.get_serializer(product, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "code"}
        product = services.product_update(user=request.user, product=product, data=data)
        fresh = self.get_queryset().get(pk=product.pk)
        return Response(self.get_serializer(fresh).data)


class ProductBulkView(APIView):
    """Upsert products by `code` (at most CRM_CLIENT_BULK_MAX_ROWS a call), set-based;
    the same rules as a single product; a bad row comes back with its index and is not
    stored, the others are; a row equal to the stored product writes nothing. HQ, or a
    headquarters system's token (the product system)."""

    permission_classes = [HasRole.of(Role.HQ, Role.INTEGRATION)]

    @extend_schema(
        request=ProductBulkRowSerializer(many=True),
        responses={200: ProductBulkResultSerializer, 400: ProductBulkResultSerializer},
    )
    def post(self, request):
        rows = request.data
        if not isinstance(rows, list):
            raise ValidationError({"non_field_errors": [_("Send a JSON list of rows.")]})
        limit = settings.CRM_CLIENT_BULK_MAX_ROWS
        if len(rows) > limit:
            raise ValidationError(
                {"non_field_errors": [_("At most %(n)d rows per call.") % {"n": limit}]}
            )
        if not services.can_load(request.user):
            raise PermissionDenied(_("Only headquarters maintains the product catalogue."))
        result = services.products_upsert(user=request.user, rows=rows)
        code = status.HTTP_200_OK if result.stored or not rows else status.HTTP_400_BAD_REQUEST
        return Response(result.as_dict(), status=code)
