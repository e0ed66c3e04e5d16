"""Every write to the knowledge base: articles, their versions, feedback and reviews."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Role, staff_of
from crm.services import TransitionNotAllowed
from crm.services.errors import check_version

from . import search
from .models import BRANCH_EDITORS, Article, ArticleFeedback, ArticleVersion, Category

REVIEW_MONTHS = 12


def may_edit(user, article: Article | None = None, *, hq: bool | None = None) -> bool:
    """HQ edits every article; a branch manager the branch's own."""
    staff = staff_of(user)
    if staff is None:
        return False
    if staff.role == Role.HQ:
        return True
    if staff.role not in BRANCH_EDITORS:
        return False
    if article is None:
        return not hq
    return article.branch_id == staff.branch_id


def _check_fields(*, title: str, body: str, category, review_due: date | None) -> None:
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Enter a title.")
    if not (body or "").strip():
        errors["body"] = _("Enter the text of the article.")
    if category is None:
        errors["category"] = _("Choose a category.")
    if review_due is not None and review_due < timezone.localdate():
        errors["review_due"] = _("The review date cannot be in the past.")
    if errors:
        raise ValidationError(errors)


def _clean_tags(tags) -> list[str]:
    seen: list[str] = []
    for tag in tags or []:
        tag = str(tag).strip()[:20]
        if tag and tag not in seen:
            seen.append(tag)
    return seen[:10]


def _store_version(article: Article, user, now) -> None:
    ArticleVersion.objects.create(
        article=article, version=article.version, title=article.title, body=article.body,
        edited_by=user, at=now,
    )  # fmt: skip
    Article.objects.filter(pk=article.pk).update(
        search_vector=search.vector(article.title, article.body)
    )


@transaction.atomic
def article_create(
    *, user, title: str, body: str, category: Category, kind: str = Article.Kind.FAQ,
    tags=(), audience=(), hq: bool = False, review_due: date | None = None,
    publish: bool = False,
) -> Article:  # fmt: skip
    """A new article, a draft unless `publish`: HQ staff write HQ's articles (published to
    every branch), a branch editor the branch's own (`hq` asks for HQ's: refused)."""
    staff = staff_of(user)
    if staff is None or not may_edit(user, hq=hq):
        raise PermissionDenied(_("Your role may not edit knowledge-base articles."))
    _check_fields(title=title, body=body, category=category, review_due=review_due)
    now = timezone.now()
    article = Article.objects.create(
        title=title.strip(), body=body.strip(), category=category, kind=kind,
        tags=_clean_tags(tags), audience=sorted(set(audience or ())),
        owner=user, branch=None if staff.role == Role.HQ else staff.branch,
        status=Article.Status.PUBLISHED if publish else Article.Status.DRAFT,
        review_due=review_due or timezone.localdate() + relativedelta(months=REVIEW_MONTHS),
        updated_at=now, published_at=now if publish else None,
    )  # fmt: skip
    _store_version(article, user, now)
    return article


@transaction.atomic
def article_update(
    *, user, article: Article, version: int | None, title: str, body: str,
    category: Category, kind: str, tags=(), audience=(), review_due: date | None = None,
) -> Article:  # fmt: skip
    """Save a new text: the version goes up by one and the old text stays in the versions.
    A stale `version` (someone saved in between) is refused."""
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if not may_edit(user, locked):
        raise PermissionDenied(_("Your role may not edit this article."))
    check_version(locked, version, _("Someone else saved this article meanwhile; reload it."))
    _check_fields(title=title, body=body, category=category, review_due=review_due)
    now = timezone.now()
    locked.title, locked.body = title.strip(), body.strip()
    locked.category, locked.kind = category, kind
    locked.tags, locked.audience = _clean_tags(tags), sorted(set(audience or ()))
    if review_due is not None:
        locked.review_due = review_due
    locked.version += 1
    locked.updated_at = now
    locked.save()
    _store_version(locked, user, now)
    return locked


def _move(user, article: Article, to: str, allowed_from: tuple[str, ...]) -> Article:
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if not may_edit(user, locked):
            raise PermissionDenied(_("Your role may not edit this article."))
        if locked.status not in allowed_from:
            raise TransitionNotAllowed(_("The article is %(status)s: this step does not apply.")
                                       % {"status": locked.get_status_display()})  # fmt: skip
        locked.status = to
        locked.updated_at = timezone.now()
        if to == Article.Status.PUBLISHED:
            locked.published_at = locked.updated_at
        locked.save(update_fields=["status", "updated_at", "published_at"])
        return locked


def article_publish(*, user, article: Article) -> Article:
    return _move(user, article, Article.Status.PUBLISHED,
                 (Article.Status.DRAFT, Article.Status.ARCHIVED))  # fmt: skip


def article_archive(*, user, article: Article) -> Article:
    return _move(user, article, Article.Status.ARCHIVED,
                 (Article.Status.DRAFT, Article.Status.PUBLISHED))  # fmt: skip


@transaction.atomic
def article_reviewed(*, user, article: Article) -> Article:
    """The owner (or an editor) confirms the article still holds: review in 12 months."""
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if locked.owner_id != user.pk and not may_edit(user, locked):
        raise PermissionDenied(_("Only the owner or an editor marks the article reviewed."))
    locked.review_due = timezone.localdate() + relativedelta(months=REVIEW_MONTHS)
    locked.save(update_fields=["review_due"])
    return locked


@transaction.atomic
def article_mark_helpful(*, user, article: Article) -> bool:
    """One "helpful" per user and article: True when this call counted it."""
    _row, created = ArticleFeedback.objects.get_or_create(
        article=article, user=user, defaults={"helpful": True, "at": timezone.now()}
    )
    if created:
        Article.objects.filter(pk=article.pk).update(helpful_count=F("helpful_count") + 1)
    return created


def article_viewed(*, user, article: Article) -> None:
    """Count an opening, per day and the reader's branch (one upsert)."""
    staff = staff_of(user)
    if staff is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO knowledge_articleview (article_id, branch_id, day, views) "
            "VALUES (%s, %s, %s, 1) ON CONFLICT (article_id, branch_id, day) "
            "DO UPDATE SET views = knowledge_articleview.views + 1",
            [article.pk, staff.branch_id, timezone.localdate()],
        )
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)
