"""The admin in Chinese (issue #16, "Everything in zh-hans"): every app, model, column,
choice, action and filter of every admin page a superuser opens is named in Chinese; only
acronyms (an allow-list) and data (codes, login names, keys) stay Latin."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import translation

from crm.admin import group_label, permission_label

ACRONYMS = {"CSV", "Excel", "CSI", "RFM", "VIP", "ETF", "API", "PDF", "ID", "SMS", "URL", "IP",
            "OTP", "TOTP", "HQ", "HTTP", "GET", "POST", "AMQP", "sha", "SLA", "IPv", "CRM",
            "UTC", "JSON", "Unix",
            "Control", "Command", "Mac"}  # Django's "按住 Control 或 Mac 上的 Command" # fmt: skip
# a run of Latin letters: "Can", "id_number" (a token with a digit, an underscore, a dot
# or an @ is data: a code, a login name, a file, an address)
LATIN = re.compile(r"(?<![\w.@/-])[A-Za-z]{2,}(?![\w.@/-])")
PROJECT_APPS = {"crm", "clients", "visits", "complaints", "callcenter"}
DATA_LATIN = re.compile(r"[A-Za-z]+[A-Za-z0-9_./@+:=-]*[0-9_./@+:=-][A-Za-z0-9_./@+:=-]*")


def latin_words(text: str, data: frozenset[str] = frozenset()) -> set[str]:
    """The Latin words of `text` that are neither acronyms nor `data` (e.g. login names)."""
    text = DATA_LATIN.sub(" ", text)
    return {w for w in LATIN.findall(text) if w not in ACRONYMS and w not in data}


def admin_models():
    """Every model of the admin, with the models of its inlines."""
    for model, model_admin in admin.site._registry.items():
        yield model
        for inline in model_admin.inlines:
            yield inline.model


def test_every_app_model_column_and_choice_of_the_admin_has_a_chinese_name():
    untranslated = []
    with translation.override("zh-hans"):
        for model in set(admin_models()):
            opts = model._meta
            names = [("app", opts.app_config.verbose_name), ("model", opts.verbose_name),
                     ("plural", opts.verbose_name_plural)]  # fmt: skip
            for field in opts.get_fields():
                if field.auto_created and not field.concrete:
                    continue  # a reverse relation: named by the other model
                names.append((field.name, field.verbose_name))
                if field.choices and opts.app_label in PROJECT_APPS:
                    names += [(f"{field.name} choice", label) for _v, label in field.flatchoices]
            for where, name in names:
                if latin_words(str(name)):
                    untranslated.append(f"{opts.label} {where}: {name}")
    assert not untranslated, "\n".join(sorted(set(untranslated)))


def test_columns_declared_without_a_name_are_named_in_every_project_model():
    """crm.labels names them at start-up: a new field without verbose_name fails here."""
    unnamed = []
    with translation.override("zh-hans"):
        for label in PROJECT_APPS:
            for model in apps.get_app_config(label).get_models():
                if model.__name__.startswith("Historical"):
                    continue  # django-simple-history's copies, not shown
                for field in model._meta.concrete_fields:
                    if field.name != "id" and latin_words(str(field.verbose_name)):
                        unnamed.append(f"{model._meta.label}.{field.name}")
    assert not unnamed, unnamed


class LabelText(HTMLParser):
    """The words of a page a person reads as labels: headings, column heads, field labels,
    help texts, buttons, menus, filters and actions, without the data (table cells, values
    of read-only fields, the choices of a select other than the actions, the user menu)."""

    DATA_CLASSES = {"readonly", "breadcrumbs", "vDateField", "field-name"}
    VOID = {"input", "br", "img", "meta", "link", "hr", "col", "source", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.words: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            attrs = dict(attrs)
            if (
                tag == "input"
                and attrs.get("type") in ("submit", "button")
                and not self._skipping()
            ):
                self.words.append(attrs.get("value") or "")
            return
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        skip = (
            # <bdi>: a value isolated as data (the password hash summary's random salt)
            tag in ("script", "style", "td", "textarea", "pre", "code", "bdi")
            or (tag == "select" and attrs.get("name") != "action")
            or bool(classes & self.DATA_CLASSES)
            or attrs.get("id") in ("user-tools", "site-name")
            or (tag == "th" and any(t == "tbody" for t, _s in self.stack))
        )
        self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self._skipping():
            self.words.append(data)


def admin_pages():
    """(url, the object's name: data on its page) of the index, every changelist and the
    change page of each model's first row."""
    yield reverse("admin:index"), ""
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{prefix}_changelist"), ""
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            named = getattr(admin.site._registry[model], "in_words", str)  # crm.admin.InWordsMixin
            yield reverse(f"{prefix}_change", args=[obj.pk]), "" if named is not str else str(obj)


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "x")


def test_no_english_label_on_any_admin_page(world, db, root):
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(root)
    # login names are the admin's data (a raw-id field shows the user it points at)
    usernames = frozenset(get_user_model().objects.values_list("username", flat=True))
    found: dict[str, set[str]] = {}
    opened = 0
    for url, name in admin_pages():
        response = browser.get(url)
        assert response.status_code == 200, url
        parser = LabelText()
        parser.feed(response.content.decode())
        opened += 1
        data = usernames | set(LATIN.findall(DATA_LATIN.sub(" ", name)))
        for word in latin_words(" ".join(parser.words), data):
            found.setdefault(word, set()).add(url)
    assert opened > 60  # the index, every changelist and a change page of nearly every model
    assert not found, "\n".join(f"{w}: {sorted(urls)[:3]}" for w, urls in sorted(found.items()))


def test_permissions_and_role_groups_are_named_in_words(db):
    from django.contrib.auth.models import Group

    with translation.override("zh-hans"):
        perm = Permission.objects.select_related("content_type").get(
            codename="change_client", content_type__app_label="clients"
        )
        assert permission_label(perm) == "客户档案 | 客户 | 可修改"
        assert group_label(Group(name="branch_manager")) == "营业部负责人"
