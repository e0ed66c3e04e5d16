"""The working-day calendar's month grid: holidays, make-up working days and weekends,
month by month, with the year list and the editing page unchanged."""

import time_machine
from django.urls import reverse

from crm.models import Holiday


def cells(html):
    grid = html.split('id="month-grid"', 1)[1].split("</table>", 1)[0]
    out = {}
    for chunk in grid.split('data-date="')[1:]:
        day, rest = chunk.split('"', 1)
        out[day] = rest.split('data-kind="', 1)[1].split('"', 1)[0]
    return out, grid


def test_month_grid_marks_holidays_make_up_days_and_weekends(client, org):
    client.force_login(org.am)
    # October 2025 (seeded from chinese-calendar): 1-8 off, Saturday 11 worked
    html = client.get(reverse("crm:calendar"), {"year": 2025, "month": 10}).content.decode()
    kinds, grid = cells(html)
    assert kinds["2025-10-01"] == "holiday" and kinds["2025-10-08"] == "holiday"
    assert kinds["2025-10-11"] == "workday"  # a Saturday worked (调休)
    assert kinds["2025-10-12"] == "weekend" and kinds["2025-10-09"] == "normal"
    assert "国庆节" in grid and "调休上班" in grid and "周末" in grid
    assert next(iter(kinds)) == "2025-09-29" and len(kinds) % 7 == 0  # Monday-first weeks
    assert "2025年10月" in html
    assert "?year=2025&amp;month=9" in html and "?year=2025&amp;month=11" in html
    assert 'id="calendar-days"' in html  # the year's list is still below


def test_navigation_crosses_years_and_bad_input_falls_back(client, org):
    client.force_login(org.agent)
    html = client.get(reverse("crm:calendar"), {"year": 2026, "month": 1}).content.decode()
    assert "?year=2025&amp;month=12" in html and "?year=2026&amp;month=2" in html
    html = client.get(reverse("crm:calendar"), {"year": 2026, "month": 12}).content.decode()
    assert "?year=2027&amp;month=1" in html
    with time_machine.travel("2026-05-20 10:00 +0800"):
        for month in ("13", "0", "x", "1e9"):
            response = client.get(reverse("crm:calendar"), {"year": 2026, "month": month})
            assert response.status_code == 200 and "2026年5月" in response.content.decode()
        html = client.get(reverse("crm:calendar"), {"year": "abc"}).content.decode()
        assert "2026年5月" in html and 'wd-today" data-date="2026-05-20"' in html
        html = client.get(reverse("crm:calendar"), {"year": 2027}).content.decode()
        assert "2027年1月" in html  # another year opens on its January


def test_grid_follows_the_entered_schedule(client, org):
    client.force_login(org.hq)
    ok = client.post(
        reverse("crm:calendar-edit"),
        {"year": 2027, "schedule": "2027-02-06~2027-02-12 休 春节\n2027-02-14 班 春节调休"},
    )
    assert ok.status_code == 302
    html = client.get(reverse("crm:calendar"), {"year": 2027, "month": 2}).content.decode()
    kinds, grid = cells(html)
    assert kinds["2027-02-08"] == "holiday" and kinds["2027-02-14"] == "workday"
    assert "春节" in grid
    assert Holiday.objects.filter(date__year=2027).count() == 8
    assert f"{reverse('crm:calendar-edit')}?year=2027" in html  # HQ edits from here
