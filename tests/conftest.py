"""Shared fixtures: an organisation with one user per role in two branches."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests import querycounts
from tests.factories import BranchFactory, make_people
from tests.roles import ORG_PEOPLE

# the SMS providers' stubs as fixtures: aliyun_stub, tencent_stub, sms_stub (both in turn)
pytest_plugins = ["tests.sms_stubs"]


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.contrib.contenttypes.models import ContentType

    cache.clear()  # tests use their own Redis databases (config.settings_test)
    # Transactional tests flush and reload the database, which renumbers content types.
    ContentType.objects.clear_cache()
    # The working-day calendar is cached per process; a test's holiday edits roll back.
    from crm.workdays import invalidate_calendar

    invalidate_calendar()
    yield


@pytest.fixture
def org(db):
    """HQ plus branches BJ and SH; in BJ one user per role, in SH an account manager, a
    branch manager and a service agent; the HQ user; two integration accounts
    (tests/roles.py ORG_PEOPLE)."""
    hq = BranchFactory(code="HQ", name="总部", kind="hq")
    bj = BranchFactory(code="BJ01", name="北京营业部")
    sh = BranchFactory(code="SH01", name="上海营业部")
    people = make_people(ORG_PEOPLE, {"HQ": hq, "BJ01": bj, "SH01": sh})
    ns = SimpleNamespace(hq_branch=hq, bj=bj, sh=sh, **people)
    return ns


@pytest.fixture
def query_baseline():
    """`with query_baseline("clients:list"): ...`: the block runs exactly the number of
    queries recorded for the key in tests/query_counts.json (tests/querycounts.py)."""
    return querycounts.query_baseline


def pytest_sessionfinish(session):
    querycounts.write_measured()  # QUERY_COUNTS_UPDATE=1: record what was measured


@pytest.fixture
def api():
    return APIClient()


def login_client(client, user):
    client.force_login(user)
    return client


def pytest_collection_modifyitems(items):
    """A transactional test flushes the database; without serialized_rollback the flush
    re-creates the role groups under new ids (post_migrate) and the next test that restores
    the serialized data fails on their names. Every transactional test restores it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            raise pytest.UsageError(
                f"{item.nodeid}: django_db(transaction=True) needs serialized_rollback=True"
            )
