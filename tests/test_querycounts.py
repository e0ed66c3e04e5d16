"""tests/querycounts.py: exact counts against the baseline file, and its update mode."""

import json

import pytest
from django.db import connection

from tests import querycounts


def two_queries():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.execute("SELECT 2")


@pytest.fixture
def baseline(tmp_path, monkeypatch):
    path = tmp_path / "query_counts.json"
    path.write_text(json.dumps({"two": 2, "three": 3}))
    monkeypatch.setattr(querycounts, "BASELINE_FILE", path)
    monkeypatch.setattr(querycounts, "UPDATE", False)
    monkeypatch.setattr(querycounts, "_measured", {})
    return path


def test_the_recorded_number_passes(db, baseline):
    with querycounts.query_baseline("two") as captured:
        two_queries()
    assert len(captured) == 2


def test_another_number_fails_with_both_numbers_and_the_sql(db, baseline):
    with pytest.raises(pytest.fail.Exception) as failure, querycounts.query_baseline("three"):
        two_queries()
    message = str(failure.value)
    assert "'three': 2 queries" in message and "records 3" in message
    assert "1. SELECT 1" in message and "2. SELECT 2" in message


def test_a_key_without_a_number_fails(db, baseline):
    missing = pytest.raises(pytest.fail.Exception, match="no query count recorded for 'new'")
    with missing, querycounts.query_baseline("new"):
        two_queries()


def test_update_mode_records_sorted_and_keeps_the_other_keys(db, baseline, monkeypatch):
    monkeypatch.setattr(querycounts, "UPDATE", True)
    with querycounts.query_baseline("three"):
        two_queries()
    with querycounts.query_baseline("a new page"):
        two_queries()
    querycounts.write_measured()
    text = baseline.read_text()
    assert json.loads(text) == {"a new page": 2, "three": 2, "two": 2}
    assert text.index('"a new page"') < text.index('"three"') < text.index('"two"')


def test_update_mode_refuses_a_count_that_depends_on_the_data(db, baseline, monkeypatch):
    monkeypatch.setattr(querycounts, "UPDATE", True)
    with querycounts.query_baseline("page"):
        two_queries()
    refused = pytest.raises(pytest.fail.Exception, match="1 queries here, 2 in an earlier")
    with refused, querycounts.query_baseline("page"):
        connection.cursor().execute("SELECT 1")
