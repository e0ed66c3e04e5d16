"""A record read by its key with many joins is planned with the joins as written."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.http import Http404

from crm.lookups import get_joined_or_404, joins_as_written
from crm.models import Branch

pytestmark = pytest.mark.django_db


def join_collapse_limit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return cursor.fetchone()[0]


def test_the_joins_are_planned_as_written_inside_only():
    before = join_collapse_limit()
    assert before != "1"
    with joins_as_written("default"):
        assert join_collapse_limit() == "1"
    assert join_collapse_limit() == before


def test_a_missing_record_is_a_404_and_the_setting_is_back():
    before = join_collapse_limit()
    branch = Branch.objects.create(code="ZZ01", name="测试营业部")
    assert get_joined_or_404(Branch.objects.all(), pk=branch.pk) == branch
    with pytest.raises(Http404):
        get_joined_or_404(Branch.objects.all(), pk=branch.pk + 1000)
    assert join_collapse_limit() == before


def test_an_error_inside_is_the_error_raised():
    """A failed statement aborts the transaction: the reset cannot run, and the error
    seen is the statement's own; the rollback undoes the SET."""
    before = join_collapse_limit()
    failing = pytest.raises(DatabaseError, match="no_such_table")
    with failing, transaction.atomic(), joins_as_written("default"), connection.cursor() as c:
        c.execute("SELECT * FROM no_such_table")
    assert join_collapse_limit() == before
