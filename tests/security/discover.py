"""Every named URL pattern of the project, with the HTTP methods its view answers and the
choices of its `(?P<kwarg>a|b|c)` groups (one workflow action per choice)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

CHOICE_GROUP = re.compile(r"\(\?P<(\w+)>((?:\w+\|)+\w+)\)")
IGNORED_METHODS = {"options", "head", "trace"}


@dataclass
class Route:
    name: str  # with its namespace, e.g. "api:complaint-close"
    routes: list[str] = field(default_factory=list)  # pattern strings (format suffixes too)
    regexes: list[str] = field(default_factory=list)  # the same, as full regular expressions
    methods: set[str] | None = None  # None: a function view, methods unknown
    choices: dict[str, set[str]] = field(default_factory=dict)
    unnamed: bool = False


def view_methods(callback) -> set[str] | None:
    actions = getattr(callback, "actions", None)  # a DRF viewset route
    if actions:
        return set(actions) - IGNORED_METHODS
    cls = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if cls is None:
        return None
    return {m for m in cls.http_method_names if m not in IGNORED_METHODS and hasattr(cls, m)}


def walk(resolver=None, prefix: str = "", namespace: str = "", regex: str = ""):
    for p in (resolver or get_resolver()).url_patterns:
        full = regex + p.pattern.regex.pattern.lstrip("^")
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p, prefix + str(p.pattern), ns, full)
        elif isinstance(p, URLPattern):
            yield p, prefix + str(p.pattern), namespace, full


def discover() -> dict[str, Route]:
    """Routes by name; unnamed patterns are keyed by their full pattern string."""
    found: dict[str, Route] = {}
    for pattern, route, namespace, regex in walk():
        key = f"{namespace}{pattern.name}" if pattern.name else route
        entry = found.setdefault(key, Route(name=key, unnamed=pattern.name is None))
        entry.routes.append(route)
        entry.regexes.append(regex)
        methods = view_methods(pattern.callback)
        if methods is not None:
            entry.methods = (entry.methods or set()) | methods
        for kwarg, alternatives in CHOICE_GROUP.findall(pattern.pattern.regex.pattern):
            entry.choices.setdefault(kwarg, set()).update(alternatives.split("|"))
    return found
