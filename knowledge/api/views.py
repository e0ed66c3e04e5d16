from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from crm.api.filters import DjangoFilterBackend
from crm.api.pagination import PageNumberPagination
from crm.api.permissions import IsStaffMember
from crm.api.serializers import ModelSerializer

from .. import selectors
from ..filters import ArticleFilterSet
from ..models import Article


class ArticleSerializer(ModelSerializer):
    category = serializers.CharField(source="category.name", read_only=True)
    branch = serializers.CharField(source="branch.code", default=None, read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True)
    rank = serializers.FloatField(read_only=True, default=None)

    class Meta:
        model = Article
        fields = ["id", "title", "body", "kind", "category", "tags", "branch", "audience",
                  "status", "owner", "review_due", "version", "helpful_count", "updated_at",
                  "rank"]  # fmt: skip
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description="搜索词（中文分词全文检索，标题命中优先）",
            )
        ]
    ),
)
class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Knowledge-base articles (知识库) the caller may read: HQ's and its branch's, published
    to its role. `?q=` searches Chinese text (jieba words in a PostgreSQL full-text index),
    best match first."""

    serializer_class = ArticleSerializer
    permission_classes = [IsStaffMember]
    pagination_class = PageNumberPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ArticleFilterSet

    def get_queryset(self):
        q = self.request.query_params.get("q", "").strip()[:100] if self.action == "list" else ""
        if q:
            return selectors.search_articles(self.request.user, q)
        return selectors.readable(self.request.user).order_by("-updated_at", "-id")
