"""The knowledge base (知识库): FAQs, standard operating procedures (标准化操作指引), scripts
(话术) and rules, owned, dated, reviewed and versioned. HQ's articles (no branch) are
published to every branch; a branch adds its own."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.models import Branch, Role
from crm.scoping import ScopedQuerySet, staff_of

# Who edits: headquarters every article, a branch manager the branch's own (DOMAIN.md: "HQ
# publishes, branches add"); compliance reads, as everywhere (crm.models.READ_ONLY_ROLES).
BRANCH_EDITORS = frozenset({Role.BRANCH_MANAGER})


class Category(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent category"),
    )  # fmt: skip
    # the complaint categories and callback reasons whose pages suggest its articles
    serves = ArrayField(
        models.CharField(max_length=30), default=list, blank=True, verbose_name=_("serves codes"),
        help_text=_("Complaint categories and callback reasons that suggest these articles."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("knowledge category")
        verbose_name_plural = _("knowledge categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArticleQuerySet(ScopedQuerySet):
    """A branch sees HQ's articles and its own; HQ sees all. `readable_by` narrows that to
    what a reader may open: published articles for their role, drafts and archived ones
    only for the article's editors."""

    scope_branch = "branch"
    scope_null_branch_shared = True

    def readable_by(self, user):
        qs = self.visible_to(user)
        staff = staff_of(user)
        if staff is None:
            return qs.none()
        published = Q(status=Article.Status.PUBLISHED) & (
            Q(audience=[]) | Q(audience__contains=[staff.role])
        )
        return qs.filter(published | editable_q(staff, user.pk))


def editable_q(staff, user_pk: int) -> Q:
    """The articles a staff member edits."""
    if staff.role == Role.HQ:
        return Q()
    if staff.role in BRANCH_EDITORS:
        return Q(branch_id=staff.branch_id)
    return Q(pk__in=[])


class Article(models.Model):
    class Kind(models.TextChoices):
        FAQ = "faq", _("FAQ")
        SOP = "sop", _("Standard procedure")
        SCRIPT = "script", _("Script")
        RULE = "rule", _("Rule")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("body"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FAQ)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    tags = ArrayField(
        models.CharField(max_length=20), default=list, blank=True, verbose_name=_("tags")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("owner"),
    )  # fmt: skip
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("branch (empty: HQ, all branches)"),
    )  # fmt: skip
    audience = ArrayField(
        models.CharField(max_length=20, choices=Role.choices), default=list, blank=True,
        verbose_name=_("published to roles (empty: all staff)"),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    review_due = models.DateField(_("review due"))
    version = models.PositiveIntegerField(_("version"), default=1)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    updated_at = models.DateTimeField(_("updated at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    search_vector = SearchVectorField(_("search index"), null=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        ordering = ["-updated_at", "-id"]
        indexes = [
            GinIndex(fields=["search_vector"], name="article_search"),
            models.Index(fields=["status", "review_due"], name="article_review_due"),
            models.Index(fields=["category", "status"], name="article_category"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article", args=[self.pk])

    @property
    def is_hq(self) -> bool:
        return self.branch_id is None


class ArticleVersion(models.Model):
    """Every saved text of an article, kept."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="versions", verbose_name=_("article")
    )
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("body"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("edited by"),
    )  # fmt: skip
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["article", "version"], name="one_row_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.version}"


class ArticleFeedback(models.Model):
    """An agent's "helpful" mark: one per user and article."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("article")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("user"),
    )  # fmt: skip
    helpful = models.BooleanField(_("helpful"), default=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="one_feedback_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.user_id}"


class ArticleView(models.Model):
    """Articles opened per day and branch: the knowledge-base use measure."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("article views")
        verbose_name_plural = _("article views")
        constraints = [
            models.UniqueConstraint(fields=["article", "branch", "day"], name="one_row_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.day}: {self.views}"
