from django.contrib import admin

from crm.admin import ModelAdmin, ServiceMadeAdmin, ServiceMadeInline

from .models import Article, ArticleFeedback, ArticleVersion, Category

admin.site.register(Category, ModelAdmin, list_display=["name", "parent"])


class VersionInline(ServiceMadeInline):
    model = ArticleVersion
    fields = ["version", "title", "edited_by", "at"]
    readonly_fields = ["version", "title", "edited_by", "at"]


@admin.register(Article)
class ArticleAdmin(ServiceMadeAdmin):
    """Written through knowledge.services (versions, search index); the admin reads."""

    workflow_state = ["title", "body", "owner", "branch", "status", "version", "helpful_count",
                      "view_count", "updated_at", "published_at"]  # fmt: skip
    list_display = ["title", "kind", "category", "branch", "status", "review_due"]
    list_filter = ["status", "kind", "category"]
    search_fields = ["title"]
    inlines = [VersionInline]


admin.site.register(ArticleFeedback, ServiceMadeAdmin, list_display=["article", "user", "at"],
                    raw_id_fields=["article", "user"])  # fmt: skip
