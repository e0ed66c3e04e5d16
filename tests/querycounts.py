"""Exact query counts against a recorded baseline (after NetBox's query_counts.json).

A test names what it measures with a key and runs it inside `query_baseline(key)`:

    with query_baseline("clients:list"):
        response = client.get(reverse("clients:list"))

The queries run inside the block are counted and compared with the number recorded for
the key in tests/query_counts.json; a key missing there, or another number, fails the
test with both numbers and the captured SQL. A page that must not grow with its data
runs the same key at two sizes (a parametrized test): both must match the one number.

After a change that rightly adds or removes a query, record the new numbers:

    QUERY_COUNTS_UPDATE=1 make test ARGS="tests/clients -p no:randomly"

The measured keys are written back at the end of the session (keys sorted, one per line,
so the diff shows what moved); keys not measured in that run are kept as they were. A key
measured with two different numbers in one run (e.g. at two data sizes) fails instead of
being recorded. The suite runs in one process (no pytest-xdist), so one session sees and
writes every measurement; under xdist the update mode refuses to run.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

BASELINE_FILE = Path(__file__).with_name("query_counts.json")
UPDATE = bool(os.environ.get("QUERY_COUNTS_UPDATE"))

# update mode: key -> the number measured in this session
_measured: dict[str, int] = {}


def load_baseline() -> dict[str, int]:
    if not BASELINE_FILE.exists():
        return {}
    return json.loads(BASELINE_FILE.read_text(encoding="utf-8"))


def write_baseline(counts: dict[str, int]) -> None:
    text = json.dumps(dict(sorted(counts.items())), indent=2, ensure_ascii=False)
    BASELINE_FILE.write_text(text + "\n", encoding="utf-8")


def _sql(captured: CaptureQueriesContext) -> str:
    return "\n".join(
        f"{n}. {query['sql']}" for n, query in enumerate(captured.captured_queries, start=1)
    )


@contextlib.contextmanager
def query_baseline(key: str) -> Iterator[CaptureQueriesContext]:
    """Count the queries of the block; fail unless tests/query_counts.json has exactly that
    number for `key` (in update mode: record it)."""
    with CaptureQueriesContext(connection) as captured:
        yield captured
    count = len(captured)
    if UPDATE:
        if os.environ.get("PYTEST_XDIST_WORKER"):
            pytest.fail("QUERY_COUNTS_UPDATE runs without pytest-xdist (-n)", pytrace=False)
        earlier = _measured.setdefault(key, count)
        if earlier != count:
            pytest.fail(
                f"query count for {key!r}: {count} queries here, {earlier} in an earlier "
                f"measurement of this run (the count must not depend on the data)\n"
                f"{_sql(captured)}",
                pytrace=False,
            )
        return
    expected = load_baseline().get(key)
    if expected is None:
        pytest.fail(
            f"no query count recorded for {key!r} in {BASELINE_FILE.name} "
            f"({count} queries measured; record with QUERY_COUNTS_UPDATE=1)\n{_sql(captured)}",
            pytrace=False,
        )
    if count != expected:
        pytest.fail(
            f"query count for {key!r}: {count} queries, {BASELINE_FILE.name} records "
            f"{expected} (if the change is right, record it with QUERY_COUNTS_UPDATE=1)\n"
            f"{_sql(captured)}",
            pytrace=False,
        )


def write_measured() -> None:
    """Merge this session's measurements into the baseline file (update mode)."""
    if UPDATE and _measured:
        write_baseline({**load_baseline(), **_measured})
