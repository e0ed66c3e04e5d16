"""Every URL and API endpoint × every role × every action, against one declared table.

- `test_every_url_has_an_entry`: the URL patterns of the project, their HTTP methods and
  their workflow actions are exactly those of tests/security/access_table.py. A new
  endpoint (or method, or action) without its line there fails here, as does a line
  whose endpoint is gone.
- `test_access`: each case as each role, with objects in the role's scope: exactly the
  declared status (a 500 is never declared).
- `test_out_of_scope_is_404`: each case that names an object, with an object of another
  branch and (for account managers and advisors, and for personal things such as
  to-dos and notifications) of another person: 404; for a role refused before the
  object is looked up, exactly what a missing object gets, so no answer tells that an
  object exists.
- `test_admin`: the Django admin, by prefix: HQ staff only.
- `test_naming_out_of_scope_is_refused`: a write naming a person of another branch (or a
  client the role may not see) answers 400 with the field's message, for every role
  that makes the same write with an in-scope value (access_table.REFUSALS).
- `test_nested_rows_are_scoped`: the rows of a nested list that hang on another account
  manager's clients are not shown to account managers and advisors, and a change of one
  answers 404 (access_table.NESTED).

One test per case requests every role in turn, each request in its own savepoint (what
one role changes is gone for the next): one test per role and case ran three times
slower on a small machine for the same requests.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.roles import MATRIX_ROLES as ROLES
from tests.roles import TOKEN_ROLES

from .access_table import (
    ADMIN_ALLOWED_STATUSES,
    ADMIN_LOGIN,
    ADMIN_PREFIX,
    ADMIN_ROLES,
    CLIENT_REFUSED,
    LOGIN,
    NESTED,
    PERSON_REFUSED,
    REFUSALS,
    TABLE,
    UNNAMED_PREFIXES,
    Case,
)
from .discover import discover

MISSING = {"pk": 999_999_999, "username": "nobody-at-all", "date": "1901-01-01",
           "attachment_id": 999_999_999, "token": "999999999:not-a-signature"}  # fmt: skip


def is_api(name: str) -> bool:
    return name.startswith("api:") or name in ("api-schema", "api-docs")


def url_kwargs(kind: str, obj) -> dict:
    if kind == "staff":
        return {"username": obj.user.username}
    if kind == "holiday":
        return {"date": obj.date.isoformat()}
    if kind == "attachment":
        return {"pk": obj.complaint_id, "attachment_id": obj.pk}
    if kind == "checkin":
        from visits.services import checkin_token

        return {"token": checkin_token(obj)}
    return {"pk": obj.pk}


def missing_kwargs(kind: str, world, role) -> dict:
    kwargs = {k: MISSING[k] for k in url_kwargs(kind, world.obj(kind, role))}
    if kind == "attachment":  # a missing attachment of a complaint in scope
        kwargs["pk"] = world.obj("complaint", role).pk
    return kwargs


def fetch(world, role: str, method: str, url: str, body=None, *, api: bool = False):
    """One request as `role`: a staff member's session, an integration token, or nobody.
    Its changes are rolled back; a server error comes back as a 500 response."""
    browser = (APIClient if api else Client)(raise_request_exception=False)
    if role in TOKEN_ROLES:
        browser.defaults["HTTP_AUTHORIZATION"] = f"Token {world.tokens[role]}"
    elif role != "anonymous":
        browser.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    with transaction.atomic():
        if method == "get":
            response = browser.get(url)
        elif api:
            response = getattr(browser, method)(url, body or {}, format="json")
        elif method in ("put", "patch"):
            response = getattr(browser, method)(url, "")
        else:
            response = browser.post(url, body)
        transaction.set_rollback(True)
    if role in world.sessions:  # its cached copy is not rolled back: drop it, so the
        drop_cached_session(world.sessions[role])  # next request reads the database's
    return response


def drop_cached_session(key: str) -> None:
    """cached_db sessions: what a request wrote to its session (e.g. the second factor
    enrolled on /accounts/two-factor/, whose device the rollback removes) stays in the
    cache, and the next request of that session in the same test would be sent to the
    code page. (tests/conftest.py clears the whole cache between tests.)"""
    from importlib import import_module

    from django.core.cache import caches

    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    if hasattr(store, "cache_key"):
        caches[settings.SESSION_CACHE_ALIAS].delete(store.cache_key)


def run(world, role: str, name: str, case: Case, kwargs: dict):
    """(outcome, response) of one case of the table as `role` on the object `kwargs`."""
    url = reverse(name, kwargs={**kwargs, **case.kwargs} or None)
    if case.query:
        url += "?" + "&".join(f"{k}={v}" for k, v in case.query.items())
    body = case.body(world, role) if callable(case.body) else case.body
    response = fetch(world, role, case.method, url, body, api=is_api(name))
    return outcome(response), response


def outcome(response) -> int | str:
    """The status, with a redirect to a login page told apart from any other redirect."""
    if response.status_code == 302:
        location = response.headers.get("Location", "")
        if location.startswith(resolve_url(settings.LOGIN_URL)):
            return LOGIN
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
    return response.status_code


def describe(response) -> str:
    body = b"" if getattr(response, "streaming", False) else response.content[:300]
    return f"{response.status_code} {response.headers.get('Location', '')} {body!r}"


# --- The table covers every URL, method and action --------------------------------------
def test_every_url_has_an_entry():
    found = discover()
    problems = []
    named = {n: r for n, r in found.items() if not r.unnamed and not n.startswith(ADMIN_PREFIX)}
    for name in sorted(set(named) - set(TABLE)):
        problems.append(f"missing from the table: {name} ({named[name].routes[0]})")
    for name in sorted(set(TABLE) - set(named)):
        problems.append(f"in the table but no such URL: {name}")
    for name, route in named.items():
        cases = TABLE.get(name, [])
        if route.methods is not None and cases:  # None: a function view, methods unknown
            declared = {c.method for c in cases}
            for method in sorted(route.methods - declared):
                problems.append(f"{name}: method {method.upper()} not in the table")
            for method in sorted(declared - route.methods):
                problems.append(f"{name}: the view does not answer {method.upper()}")
        for kwarg, choices in route.choices.items():
            declared = {c.kwargs.get(kwarg) for c in cases}
            for choice in sorted(choices - declared):
                problems.append(f"{name}: {kwarg}={choice} not in the table")
            for choice in sorted(declared - choices - {None}):
                problems.append(f"{name}: {kwarg}={choice} is not an action of this URL")
    for key, route in found.items():
        if route.unnamed and not key.startswith(UNNAMED_PREFIXES):
            problems.append(f"unnamed URL pattern (name it, add it to the table): {key}")
    assert not problems, "\n".join(problems)


def test_every_case_declares_every_role():
    from crm.models import Role

    assert set(Role.values) == {*ROLES, "integration"} - {"anonymous", "integration_hq"}, (
        "a new role: add it to tests/security/world.py and to every case of the table"
    )
    problems = [
        f"{name} {case.variant}: roles {sorted(set(ROLES) ^ set(case.expect))}"
        for name, cases in TABLE.items()
        for case in cases
        if set(case.expect) != set(ROLES)
    ]
    assert not problems, "\n".join(problems)


# --- Every case as every role, in scope -------------------------------------------------
CASES = [
    pytest.param(name, case, id=f"{name} {case.variant}")
    for name, cases in TABLE.items()
    for case in cases
]
_SCHEMAS: dict = {}


@pytest.fixture(autouse=True)
def _no_worker_and_one_schema(monkeypatch):
    """/healthz pings the Celery workers: none runs here, so one answers. The OpenAPI
    schema is the same for everyone: generated once, not once per role."""
    from drf_spectacular.generators import SchemaGenerator

    from config.celery import app

    monkeypatch.setattr(app.control, "ping", lambda **kw: [{"worker@matrix": {"ok": "pong"}}])
    generate = SchemaGenerator.get_schema

    def get_schema_once(self, request=None, public=False):
        if public not in _SCHEMAS:
            _SCHEMAS[public] = generate(self, request=request, public=public)
        return _SCHEMAS[public]

    monkeypatch.setattr(SchemaGenerator, "get_schema", get_schema_once)


@pytest.mark.parametrize(("name", "case"), CASES)
def test_access(world, db, name, case):
    problems = []
    for role in ROLES:
        kwargs = url_kwargs(case.obj, world.obj(case.obj, role)) if case.obj else {}
        got, response = run(world, role, name, case, kwargs)
        if got != case.expect[role]:
            problems.append(f"{role}: expected {case.expect[role]}, got {describe(response)}")
    assert not problems, f"{name} {case.variant}\n" + "\n".join(problems)


# --- Objects out of the role's scope answer 404 -----------------------------------------
OUT_OF_SCOPE = [p for p in CASES if p.values[1].obj]


@pytest.mark.parametrize(("name", "case"), OUT_OF_SCOPE)
def test_out_of_scope_is_404(world, db, name, case):
    problems = []
    for scope, (obj, roles) in world.kinds[case.obj].outside.items():
        for role in sorted(roles):
            in_scope = case.expect[role]
            if in_scope in (LOGIN, 401):
                expected = in_scope
            elif in_scope == 403:  # refused whatever the object: as for a missing one
                expected, missing = run(world, role, name, case,
                                        missing_kwargs(case.obj, world, role))  # fmt: skip
                if expected not in (403, 404):
                    problems.append(f"{role} on a missing object: {describe(missing)}")
            else:
                expected = 404
            got, response = run(world, role, name, case, url_kwargs(case.obj, obj))
            if got != expected:
                problems.append(f"{role} on {scope}: expected {expected}, got "
                                f"{describe(response)}")  # fmt: skip
    assert not problems, f"{name} {case.variant}\n" + "\n".join(problems)


# --- The Django admin, by prefix ----------------------------------------------------------
def admin_urls() -> dict[str, str]:
    """Every named admin URL, with `1` (or the first choice) for each of its arguments."""
    urls = {}
    for name, route in discover().items():
        if not name.startswith(ADMIN_PREFIX) or name in ("admin:login", "admin:logout"):
            continue
        regex = re.compile(route.regexes[0])
        kwargs = {k: sorted(route.choices.get(k, {"1"}))[0] for k in regex.groupindex}
        args = ["1"] * (regex.groups - len(regex.groupindex)) if not kwargs else []
        urls[name] = reverse(name, args=args or None, kwargs=kwargs or None)
    return urls


# Refused roles are checked on the index and the most sensitive models: the admin checks
# access in one place (AdminSite.admin_view) for all of its pages. HQ gets every page.
ADMIN_SAMPLE = ["admin:index", "admin:clients_client_changelist", "admin:clients_client_change",
                "admin:crm_accesslog_changelist", "admin:crm_integrationtoken_changelist",
                "admin:auth_user_changelist"]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_admin(world, db, role):
    urls = admin_urls()
    assert set(ADMIN_SAMPLE) <= set(urls)
    allowed = ADMIN_ALLOWED_STATUSES if role in ADMIN_ROLES else {ADMIN_LOGIN}
    problems = []
    for name, url in urls.items():
        if role in ADMIN_ROLES or name in ADMIN_SAMPLE:
            response = fetch(world, role, "get", url)
            if outcome(response) not in allowed:
                problems.append(f"{name} {url}: {describe(response)}")
    assert not problems, "\n".join(problems)


# --- Naming a person or a client out of scope (issue #14) -----------------------------------
def _succeeds(name, method, kwargs, role) -> bool:
    """The same write with in-scope values succeeds for `role` (the table above)."""
    return any(c.method == method and c.kwargs == kwargs and c.expect[role] in (200, 201, 302)
               for c in TABLE[name])  # fmt: skip


@pytest.mark.parametrize("refusal", [pytest.param(r, id=r.variant) for r in REFUSALS])
def test_naming_out_of_scope_is_refused(world, db, refusal):
    messages = CLIENT_REFUSED if refusal.names.startswith("client") else (PERSON_REFUSED,)
    case = Case(refusal.method, {}, obj=refusal.obj, kwargs=refusal.kwargs, body=refusal.body)
    problems = []
    for role in sorted(refusal.roles):
        if not _succeeds(refusal.name, refusal.method, refusal.kwargs, role):
            problems.append(f"{role}: may not make this write at all (fix REFUSALS)")
            continue
        kwargs = url_kwargs(refusal.obj, world.obj(refusal.obj, role)) if refusal.obj else {}
        got, response = run(world, role, refusal.name, case, kwargs)
        text = response.content.decode()
        if got != 400:
            problems.append(f"{role}: expected 400, got {describe(response)}")
        elif is_api(refusal.name) and refusal.names not in response.json():
            problems.append(f"{role}: no message for {refusal.names}: {text[:300]}")
        elif not any(m in text for m in messages):
            problems.append(f"{role}: the field's message is missing: {text[:300]}")
    assert not problems, f"{refusal.variant}\n" + "\n".join(problems)


@pytest.mark.parametrize("nested", [pytest.param(n, id=n.variant) for n in NESTED])
def test_nested_rows_are_scoped(world, db, nested):
    row = world.obj(nested.row, "*")
    markers = [row.client.name, row.client.client_no]
    body = (lambda w, role: nested.body(w, role, row)) if nested.body else None
    case = Case(nested.method, {}, obj=nested.obj, body=body)
    problems = []
    for role in sorted(nested.hidden_from | nested.shown_to):
        kwargs = url_kwargs(nested.obj, world.obj(nested.obj, role))
        got, response = run(world, role, nested.name, case, kwargs)
        text = response.content.decode()
        shown = [m for m in markers if m in text]
        if nested.method != "get":
            if role in nested.hidden_from and got != nested.refused:
                problems.append(f"{role}: changed a hidden row: {describe(response)}")
        elif got != 200:
            problems.append(f"{role}: expected 200, got {describe(response)}")
        elif role in nested.hidden_from and shown:
            problems.append(f"{role}: sees {shown}")
        elif role in nested.shown_to and not shown:
            problems.append(f"{role}: does not see the row (the control)")
    assert not problems, f"{nested.variant}\n" + "\n".join(problems)
