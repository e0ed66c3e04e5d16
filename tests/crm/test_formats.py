from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from crm import formats


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (784557.02, "¥784,557.02"),
        (Decimal("15233012"), "¥15,233,012.00"),
        ("-697544.96", "-¥697,544.96"),
        (Decimal("0.005"), "¥0.01"),  # half up, not to even
        (0, "¥0.00"),
        (None, "—"),
        ("", "—"),
        ("abc", "—"),
        (float("nan"), "—"),
    ],
)
def test_yuan(value, expected):
    assert formats.yuan(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (9876.4, "¥9,876"),
        (10_000, "¥1.00万"),
        (784_557.02, "¥78.46万"),
        (3_897_097_977, "¥38.97亿"),
        (-697_544.96, "-¥69.75万"),
        (None, "—"),
    ],
)
def test_yuan_short_in_chinese_units(value, expected):
    assert formats.yuan_short(value) == expected


def test_yuan_short_in_english_units():
    with translation.override("en"):
        assert formats.yuan_short(3_897_097_977) == "¥3.90B"
        assert formats.yuan_short(784_557.02) == "¥784.56K"


def test_number_percent_and_points():
    assert formats.number(3_897_097_977) == "3,897,097,977"
    assert formats.number(3.14159, 2) == "3.14"
    assert formats.percent(0) == "0.0%"  # zero is a figure, not "—"
    assert formats.percent(92.456) == "92.5%"
    assert formats.points(1.24) == "+1.2 个百分点"
    assert formats.points(-0.35) == "-0.4 个百分点"
    assert formats.points(0) == "0.0 个百分点"


def test_duration():
    assert formats.duration(timedelta(days=2, hours=3, minutes=5)) == "2 天 3 小时"
    assert formats.duration(45 * 60) == "45 分钟"
    assert formats.duration(timedelta(hours=1, minutes=30)) == "1 小时 30 分钟"
    assert formats.duration(20) == "不到 1 分钟"
    assert formats.duration(None) == "—"


def test_template_filters():
    rendered = Template(
        "{% load crm_tags %}{{ a|yuan }} {{ a|yuan_short }} {{ n|number }} "
        "{{ r|measure_value:'percent' }} {{ d|measure_change:'percent' }} "
        "{{ m|measure_change:'yuan' }}"
    ).render(Context({"a": 784557.02, "n": 15233012, "r": 92.5, "d": -1.25, "m": 32000}))
    assert rendered == "¥784,557.02 ¥78.46万 15,233,012 92.5% -1.3 个百分点 +¥3.20万"
