from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from crm.forms import add_service_errors
from crm.paging import page_with_total
from crm.services import TransitionNotAllowed
from crm.views import StaffRequiredMixin

from . import selectors, services
from .filters import ArticleFilterSet
from .forms import ArticleForm
from .models import Article, ArticleFeedback
from .tables import ArticleTable


class ArticleListView(StaffRequiredMixin, View):
    """The knowledge base: the search box ranks (title matches first), the filters narrow."""

    def get(self, request):
        q = request.GET.get("q", "").strip()[:100]
        qs = selectors.readable(request.user)
        if q:
            qs = selectors.search_articles(request.user, q)
        filterset = ArticleFilterSet(request.GET, queryset=qs)
        page = page_with_total(request, filterset.qs, per_page=25)
        return render(request, "knowledge/list.html", {
            "page": page, "q": q, "filterset": filterset,
            "table": ArticleTable(page, request=request, filterset=filterset),
            "may_create": services.may_edit(request.user),
        })  # fmt: skip


class ArticleView(StaffRequiredMixin, View):
    def get_article(self, pk) -> Article:
        return get_object_or_404(selectors.readable(self.request.user), pk=pk)

    def get(self, request, pk):
        article = self.get_article(pk)
        services.article_viewed(user=request.user, article=article)
        return render(request, "knowledge/article.html", {
            "article": article,
            "paragraphs": [p for p in article.body.split("\n\n") if p.strip()],
            "versions": article.versions.select_related("edited_by")[:20],
            "marked": ArticleFeedback.objects.filter(article=article, user=request.user).exists(),
            "may_edit": services.may_edit(request.user, article),
            "may_review": article.owner_id == request.user.pk
            or services.may_edit(request.user, article),
        })  # fmt: skip

    def post(self, request, pk):
        article = self.get_article(pk)
        action = request.POST.get("action")
        steps = {
            "helpful": services.article_mark_helpful,
            "reviewed": services.article_reviewed,
            "publish": services.article_publish,
            "archive": services.article_archive,
        }
        if action not in steps:
            messages.error(request, _("Unknown action."))
            return redirect(article)
        try:
            steps[action](user=request.user, article=article)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect(article)
        if action == "helpful":
            if request.htmx:
                return render(request, "knowledge/_helpful.html", {
                    "article": Article.objects.get(pk=article.pk), "marked": True,
                })  # fmt: skip
            messages.success(request, _("Thank you: marked helpful."))
        elif action == "reviewed":
            messages.success(request, _("Marked reviewed; next review in 12 months."))
        else:
            messages.success(request, _("Article saved."))
        return redirect(article)


class ArticleEditView(StaffRequiredMixin, View):
    """New article (no pk) or a new version of one."""

    def get_article(self, pk):
        if pk is None:
            if not services.may_edit(self.request.user):
                raise PermissionDenied(_("Your role may not edit knowledge-base articles."))
            return None
        article = get_object_or_404(selectors.readable(self.request.user), pk=pk)
        if not services.may_edit(self.request.user, article):
            raise PermissionDenied(_("Your role may not edit this article."))
        return article

    def render_form(self, request, form, article, status=200):
        return render(request, "knowledge/form.html", {"form": form, "article": article},
                      status=status)  # fmt: skip

    def get(self, request, pk=None):
        article = self.get_article(pk)
        if article is None:
            form = ArticleForm()
        else:
            form = ArticleForm(initial={
                "title": article.title, "kind": article.kind, "category": article.category_id,
                "body": article.body, "tags": " ".join(article.tags),
                "audience": article.audience, "review_due": article.review_due,
                "version": article.version,
            })  # fmt: skip
        return self.render_form(request, form, article)

    def post(self, request, pk=None):
        article = self.get_article(pk)
        form = ArticleForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                if article is None:
                    article = services.article_create(
                        user=request.user, publish="publish" in request.POST, **data
                    )
                else:
                    article = services.article_update(
                        user=request.user, article=article, version=version, **data
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                form.add_error(None, str(exc))
                return self.render_form(request, form, article, status=409)
            else:
                messages.success(request, _("Article saved."))
                return redirect(article)
        return self.render_form(request, form, article, status=400)
