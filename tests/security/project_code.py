"""What the project's own code declares, found by importing every module of its apps:
the web form classes, the filter sets, and the query-string parameters its views read."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache
from pathlib import Path

import django_filters
from django import forms

APPS = (
    "crm",
    "clients",
    "visits",
    "complaints",
    "callcenter",
    "knowledge",
    "compliance",
    "scorecards",
)
SKIPPED = (".migrations", ".management")


@cache
def project_modules() -> list:
    modules = []
    for app in APPS:
        package = importlib.import_module(app)
        modules.append(package)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if not any(part in info.name for part in SKIPPED):
                modules.append(importlib.import_module(info.name))
    return modules


def _subclasses(base) -> list:
    project_modules()  # import them all first
    found, todo = [], [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in APPS:
                found.append(sub)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def form_classes() -> list[type[forms.BaseForm]]:
    """Every form class of the project's apps (formsets are made of these)."""
    return [c for c in _subclasses(forms.BaseForm) if not c.__name__.startswith("Bounded")]


def filterset_classes() -> list[type[django_filters.FilterSet]]:
    return [c for c in _subclasses(django_filters.FilterSet) if c._meta.model is not None]


QUERY_PARAM = re.compile(
    r"""(?:request\.GET|request\.query_params|params|query)\.get\(\s*["'](\w+)["']"""
)


@cache
def query_parameters() -> list[str]:
    """The names the views read from a query string by hand (`request.GET.get("week")`)."""
    names = set()
    for module in project_modules():
        path = Path(module.__file__)
        names.update(QUERY_PARAM.findall(path.read_text(encoding="utf-8")))
    return sorted(names)


def serializer_classes() -> list:
    from rest_framework import serializers

    return _subclasses(serializers.BaseSerializer)
