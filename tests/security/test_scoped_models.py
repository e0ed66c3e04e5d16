"""Discovery: every model that answers `visible_to(user)` gets it from the one scoping
base (crm/scoping.py), by declarations only, and its declarations name real fields."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models

from crm.scoping import ScopedQuerySet
from tests.roles import ORG_ROLE_USERS
from tests.security.project_code import APPS, project_modules

# A queryset that writes its own `visible_to` (or `scope_rule`) must be listed here with
# the reason its rule cannot be declared. None today.
SPECIAL_CASES: dict[str, str] = {}
HAND_WRITTEN = ("visible_to", "scope_rule")


def project_classes(base: type) -> list[type]:
    project_modules()  # import every module of the apps first
    found, todo = set(), [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in APPS:
                found.add(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def scoped_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in APPS
        and any(hasattr(manager.get_queryset(), "visible_to") for manager in model._meta.managers)
    ]


def test_the_scoped_models_are_found():
    assert len(scoped_models()) >= 17


@pytest.mark.parametrize("model", scoped_models(), ids=lambda m: m._meta.label)
def test_every_manager_of_a_scoped_model_uses_the_base(model):
    for manager in model._meta.managers:
        queryset = manager.get_queryset()
        assert isinstance(queryset, ScopedQuerySet), f"{model._meta.label}.{manager.name}"


def test_no_queryset_or_manager_writes_its_own_rule():
    for cls in project_classes(models.QuerySet) + project_classes(models.Manager):
        if cls is ScopedQuerySet:
            continue
        name = f"{cls.__module__}.{cls.__qualname__}"
        written = [attr for attr in HAND_WRITTEN if attr in vars(cls)]
        if name in SPECIAL_CASES:
            continue
        assert not written, f"{name} writes {written}: declare its scope (crm/scoping.py)"


def test_no_module_defines_visible_to_outside_the_base():
    root = Path(settings.BASE_DIR)
    for app in APPS:
        for path in (root / app).rglob("*.py"):
            if path == root / "crm" / "scoping.py" or "migrations" in path.parts:
                continue
            assert "def visible_to" not in path.read_text(encoding="utf-8"), path


@pytest.mark.django_db
@pytest.mark.parametrize("model", scoped_models(), ids=lambda m: m._meta.label)
def test_the_declarations_name_real_fields_for_every_role(org, model):
    """Compiling the query for each role resolves every declared path (FieldError if not)."""
    for attr in ORG_ROLE_USERS.values():
        model._default_manager.visible_to(getattr(org, attr)).exists()
    assert not model._default_manager.visible_to(AnonymousUser()).exists()
    for path in model._default_manager.all().scope_via:
        related = model._meta.get_field(path).related_model
        assert isinstance(related._default_manager.all(), ScopedQuerySet), (model, path)


def test_a_row_without_a_branch_is_shared_only_where_declared(org):
    """`scope_null_branch_shared`: an HQ article (no branch) is every branch's; without the
    declaration a row with no branch is headquarters' alone."""
    from django.contrib.auth.models import Permission  # any unscoped model to build Q on

    from knowledge import services as kb_services
    from knowledge.models import Article, Category

    class Plain(ScopedQuerySet):
        pass

    class Shared(ScopedQuerySet):
        scope_null_branch_shared = True

    staff = org.agent.staff
    plain, shared = (
        Plain(Permission).scope_rule(staff, org.agent.pk),
        Shared(Permission).scope_rule(staff, org.agent.pk),
    )
    assert "branch__isnull" not in str(plain) and "branch__isnull" in str(shared)
    category = Category.objects.create(name="账户业务")
    hq_article = kb_services.article_create(user=org.hq, title="总部", body="正文",
                                            category=category, publish=True)  # fmt: skip
    sh_article = kb_services.article_create(user=org.bm_sh, title="上海", body="正文",
                                            category=category, publish=True)  # fmt: skip
    assert hq_article in Article.objects.visible_to(org.agent)
    assert sh_article not in Article.objects.visible_to(org.agent)
    assert sh_article in Article.objects.visible_to(org.bm_sh)
