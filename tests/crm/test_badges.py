"""The SLA badge each desk row, workbench item and clock table shows."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from crm.badges import sla_badge

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_no_clock_is_a_dash():
    assert sla_badge(None, now=NOW) == "—"


def test_done_in_time_and_late():
    assert sla_badge(NOW, NOW, True, NOW) == '<span class="badge text-bg-success">按时</span>'
    assert sla_badge(NOW, NOW, False, NOW) == '<span class="badge text-bg-danger">超时</span>'


def test_overdue_by_and_time_left_with_the_deadline_in_shanghai_time():
    overdue = sla_badge(NOW - timedelta(hours=2, minutes=5), now=NOW)
    assert 'class="badge text-bg-danger sla-badge"' in overdue
    assert 'title="2026-12-03 13:55"' in overdue
    assert "已逾期 2\xa0小时，5\xa0分钟" in overdue
    left = sla_badge(NOW + timedelta(days=3), now=NOW)
    assert 'class="badge text-bg-warning sla-badge"' in left
    assert "剩余 3\xa0日" in left


def test_the_template_tag_counts_from_now():
    rendered = Template("{% load crm_tags %}{% sla_badge due %}").render(
        Context({"due": datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC"))})
    )
    assert "已逾期" in rendered
