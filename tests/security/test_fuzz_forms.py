"""Web form fuzzing: hypothesis posts bad input to every web form of the project.

Every POST of the access table (tests/security/access_table.py) that a staff role may
send, as that role, on objects in its scope (tests/security/world.py): the valid body of
the table with some of its fields, and of the fields any project form declares, replaced
by generated bad input: huge and negative numbers, dates of the years 1 and 9999,
impossible dates, NaN and infinities, NUL bytes, very long strings, odd Unicode, lists
where one value is expected. Each request runs in a savepoint that is rolled back.

Checked on every response: no server error (a form error, a refusal or a redirect are
all fine).

`FUZZ_EXAMPLES` sets the examples per form (8 by default, for `make test`); `make fuzz`
runs many more with a new seed each run (`FUZZ_RANDOM=1`).
"""

from __future__ import annotations

import os
from collections import Counter
from urllib.parse import urlencode

import hypothesis
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from tests.roles import STAFF_ROLES

from .access_table import ADMIN_LOGIN, LOGIN, TABLE
from .project_code import form_classes
from .test_access_matrix import (  # noqa: F401
    _no_worker_and_one_schema,
    drop_cached_session,
    fetch,
    is_api,
    outcome,
    url_kwargs,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
RANDOM = bool(os.environ.get("FUZZ_RANDOM"))
REFUSED = {401, 403, 404, 405, LOGIN, ADMIN_LOGIN}
SENT = {"forms": 0, "requests": 0}
STATUSES: Counter = Counter()


def suitable_role(case) -> str | None:
    """A staff role the form is meant for (neither refused nor sent to a login page)."""
    order = ["branch_manager", "account_manager", "service_agent", "hq", *STAFF_ROLES]
    return next((r for r in order if case.expect.get(r) not in REFUSED), None)


POST_FORMS = [
    pytest.param(name, case, id=f"{name} {case.variant}")
    for name, cases in TABLE.items()
    for case in cases
    if case.method == "post"
    and not is_api(name)
    and not name.startswith("admin")
    and suitable_role(case)
]
FORM_FIELDS = sorted({name for form in form_classes() for name in form.base_fields})

numbers = st.one_of(
    st.sampled_from([2**31, 2**31 - 1, -(2**31) - 1, 2**63, -1, 0, 10**40]),
    st.integers(min_value=-(10**30), max_value=10**30),
).map(str)
dates = st.sampled_from([
    "0001-01-01", "9999-12-31", "0001-01-01T00:00", "9999-12-31T23:59", "9999-12-31 23:59:59",
    "0000-00-00", "2026-02-30", "2026-13-01T25:61", "1900-12-31", "3000-01-01", "-2026-01-01",
])  # fmt: skip
specials = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-0", "0x10", " ", ""])
odd_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=50)
with_nul = odd_text.map(lambda s: f"{s}\x00{s}")
long_text = st.integers(min_value=300, max_value=20_000).map(lambda n: "长" * n)
# NUL less often: the middleware refuses a form with one before its view sees it
scalar = st.one_of(numbers, dates, specials, odd_text, long_text, numbers, dates, with_nul)
bad_value = st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3))


def bodies(valid: dict):
    """The valid body with 1-6 fields (its own, or any form's) replaced by bad input."""
    names = sorted({*valid, *FORM_FIELDS})
    replaced = st.dictionaries(st.sampled_from(names), bad_value, min_size=1, max_size=6)
    return replaced.map(lambda bad: {**valid, **bad})


def fresh(body: dict) -> dict:
    """Uploads are read once: a new file object per request."""
    out = {}
    for key, value in body.items():
        if isinstance(value, SimpleUploadedFile):
            value.seek(0)
            value = SimpleUploadedFile(value.name, value.read(), value.content_type)
        out[key] = value
    return out


def post_as(world, role: str, url: str, body: dict):
    """As a browser posts a form: url-encoded, multipart when it carries a file."""
    if any(isinstance(v, SimpleUploadedFile) for v in body.values()):
        return fetch(world, role, "post", url, body)
    browser = Client(raise_request_exception=False)
    browser.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    with transaction.atomic():
        response = browser.post(url, urlencode(body, doseq=True),
                                content_type="application/x-www-form-urlencoded")  # fmt: skip
        transaction.set_rollback(True)
    drop_cached_session(world.sessions[role])
    return response


@pytest.mark.parametrize(("name", "case"), POST_FORMS)
def test_web_form_fuzz(world, db, name, case):
    from django.urls import reverse

    role = suitable_role(case)
    kwargs = url_kwargs(case.obj, world.obj(case.obj, role)) if case.obj else {}
    url = reverse(name, kwargs={**kwargs, **case.kwargs} or None)
    if case.query:
        url += "?" + "&".join(f"{k}={v}" for k, v in case.query.items())
    valid = (case.body(world, role) if callable(case.body) else case.body) or {}
    SENT["forms"] += 1

    @hypothesis.settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM,
                         database=None, suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(body=bodies(valid))
    def send(body):
        SENT["requests"] += 1
        response = post_as(world, role, url, fresh(body))
        STATUSES[outcome(response)] += 1
        assert response.status_code < 500, (
            f"{name} as {role}: {response.status_code} for {body!r}\n{response.content[:500]!r}"
        )

    send()


def summary() -> str:
    statuses = ", ".join(f"{n} × {status}" for status, n in sorted(STATUSES.items(), key=str))
    return f"web form fuzzing: {SENT['forms']} forms, {SENT['requests']} requests ({statuses})"
