"""One world of data per test module, built once and rolled back at the end.

The world is built inside a transaction opened here; every test then runs in its own
savepoint (pytest-django's `db`), so what a request changes is undone after each test
and the world is the same for all of them.
"""

from __future__ import annotations

import sys

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client

from tests.roles import STAFF_ROLES

from .world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        files = []
        try:
            cache.clear()
            built = build_world()
            files = built.files
            for role in STAFF_ROLES:  # one signed-in session per person, reused
                browser = Client()
                browser.force_login(built.users[role])
                built.sessions[role] = browser.cookies[settings.SESSION_COOKIE_NAME].value
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            for name in files:  # an uploaded file outlives the rollback
                default_storage.delete(name)
            cache.clear()


def pytest_terminal_summary(terminalreporter):
    """The fuzzing figures (operations or forms, requests), when a fuzz test ran."""
    for name in ("tests.security.test_fuzz", "tests.security.test_fuzz_forms"):
        fuzz = sys.modules.get(name)
        if fuzz is not None and fuzz.SENT["requests"]:
            terminalreporter.write_line(fuzz.summary())
