from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from crm.api.concurrency import VersionedMixin
from crm.api.fields import DateField
from crm.api.filters import DjangoFilterBackend
from crm.api.pagination import PageNumberPagination
from crm.api.serializers import ModelSerializer
from crm.models import Role

from .. import selectors, services
from ..filters import ArticleFilterSet
from ..models import Article, Category

AUDIENCE = [(r.value, r.label) for r in Role if r != Role.INTEGRATION]


class ArticleSerializer(ModelSerializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    category_name = serializers.CharField(source="category.name", read_only=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=20), max_length=10, required=False
    )
    audience = serializers.ListField(
        child=serializers.ChoiceField(choices=AUDIENCE), max_length=6, required=False
    )
    review_due = DateField(required=False, allow_null=True)
    branch = serializers.SerializerMethodField()
    owner = serializers.CharField(source="owner.username", read_only=True)
    rank = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    publish = serializers.BooleanField(write_only=True, required=False, default=False)
    title = serializers.CharField(max_length=120)
    body = serializers.CharField(max_length=20000)

    class Meta:
        model = Article
        fields = ["id", "title", "body", "kind", "category", "category_name", "tags", "branch",
                  "audience", "status", "owner", "review_due", "version", "helpful_count",
                  "updated_at", "rank", "publish"]  # fmt: skip
        read_only_fields = ["status", "helpful_count", "updated_at"]

    # methods, not defaults: a partial update (PATCH) would leave a defaulted field out
    @extend_schema_field(serializers.CharField(allow_null=True, help_text="营业部代码；空：总部"))
    def get_branch(self, article) -> str | None:
        return article.branch.code if article.branch_id else None

    @extend_schema_field(serializers.FloatField(allow_null=True, help_text="相关度（仅搜索时）"))
    def get_rank(self, article) -> float | None:
        return getattr(article, "rank", None)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="搜索词（中文分词全文检索，标题命中优先）"
            )
        ]
    ),
)
class ArticleViewSet(
    VersionedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Knowledge-base articles (知识库) the caller may read: HQ's and its branch's, published
    to its role. `?q=` searches Chinese text (jieba words in a PostgreSQL full-text index),
    best match first. HQ staff write HQ's articles, a branch manager or compliance officer
    the branch's; each save is a new version (`If-Match` or `version`: 412 when stale)."""

    serializer_class = ArticleSerializer
    pagination_class = PageNumberPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ArticleFilterSet

    def get_queryset(self):
        q = self.request.query_params.get("q", "").strip()[:100] if self.action == "list" else ""
        if q:
            return selectors.search_articles(self.request.user, q)
        return selectors.readable(self.request.user).order_by("-updated_at", "-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.article_create(user=self.request.user, **data)

    def partial_update(self, request, *args, **kwargs):
        """PATCH only: the fields sent change, the others stay (no PUT)."""
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return Response(serializer.data)

    def perform_update(self, serializer):
        article = serializer.instance
        data = dict(serializer.validated_data)
        data.pop("publish", None)
        version = self.expected_version(self.request, data.pop("version", None))
        fields = ("title", "body", "category", "kind", "tags", "audience", "review_due")
        values = {f: data.get(f, getattr(article, f)) for f in fields}
        if "review_due" not in data:
            values["review_due"] = None  # unchanged
        serializer.instance = services.article_update(
            user=self.request.user, article=article, version=version, **values
        )
