"""Issue #14, finding 5 and its class: every page, API answer and export a service agent
(or an integration) can open shows client names masked (张*), never in full.

The clients of the access-matrix world get names that appear nowhere else; then every
GET of the access table that the role may open (tests/security/access_table.py, with the
role's in-scope objects) is requested and searched for those names. A new page that
prints a client's name without the masking display fails here.
"""

from __future__ import annotations

import json

import pytest

from clients.masking import mask_name
from tests.roles import MASKED_READERS

from .access_table import TABLE
from .test_access_matrix import (
    _no_worker_and_one_schema,  # noqa: F401  (autouse)
    run,
    url_kwargs,
)

# Names that no label, translation or other data of the world contains.
NAMES = {"mine": "甄宝玉", "other": "贾宝钗", "sh": "薛蟠龙"}
ROLES = MASKED_READERS
GETS = [
    pytest.param(name, case, id=f"{name} {case.variant}")
    for name, cases in TABLE.items()
    for case in cases
    if case.method == "get" and any(case.expect[r] == 200 for r in ROLES)
]


@pytest.fixture
def named(world, db):
    """The world's clients (and complainants) renamed, inside the test's savepoint."""
    from clients.models import Client
    from complaints.models import Complaint

    for key, name in NAMES.items():
        Client.objects.filter(pk=world.clients[key].pk).update(name=name)
    Complaint.objects.filter(client__isnull=True).update(complainant_name=NAMES["mine"])
    return world


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    text = response.content.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("application/json"):
        text = json.dumps(response.json(), ensure_ascii=False)  # \uXXXX escapes undone
    return text


@pytest.mark.parametrize(("name", "case"), GETS)
def test_no_client_name_in_full(named, name, case):
    problems = []
    for role in ROLES:
        if case.expect[role] != 200:
            continue
        kwargs = url_kwargs(case.obj, named.obj(case.obj, role)) if case.obj else {}
        got, response = run(named, role, name, case, kwargs)
        if got != 200:
            problems.append(f"{role}: {got}")
            continue
        text = body_text(response)
        shown = [n for n in NAMES.values() if n in text]
        if shown:
            problems.append(f"{role}: shows {shown} in full")
    assert not problems, f"{name} {case.variant}\n" + "\n".join(problems)


def test_the_pages_of_the_finding_show_the_masked_name(named):
    """The pages named in the finding do show the client, masked (so the test above is
    not passing on pages that simply show no client)."""
    masked = mask_name(NAMES["mine"])
    pages = ["clients:detail", "clients:churn", "callcenter:calls", "visits:event",
             "callcenter:queue", "callcenter:callback"]  # fmt: skip
    from clients.models import Client

    Client.objects.filter(pk=named.clients["mine"].pk).update(churn_score=80)
    problems = []
    for name in pages:
        case = next(c for c in TABLE[name] if c.method == "get")
        kwargs = url_kwargs(case.obj, named.obj(case.obj, "service_agent")) if case.obj else {}
        got, response = run(named, "service_agent", name, case, kwargs)
        text = body_text(response)
        if got != 200 or masked not in text or NAMES["mine"] in text:
            problems.append(f"{name}: {got}, masked shown: {masked in text}")
    assert not problems, "\n".join(problems)
