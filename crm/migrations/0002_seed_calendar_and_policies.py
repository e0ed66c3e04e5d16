"""Seed the working-day calendar 2004-2026 from chinese-calendar and the default policies."""

from django.db import migrations

NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def seed(apps, schema_editor):
    from chinese_calendar import constants

    Holiday = apps.get_model("crm", "Holiday")
    SlaPolicy = apps.get_model("crm", "SlaPolicy")
    rows = [
        Holiday(date=d, kind="holiday", name=NAMES.get(str(n), str(n)))
        for d, n in constants.holidays.items()
        if 2004 <= d.year <= 2026
    ] + [
        Holiday(date=d, kind="workday", name=NAMES.get(str(n), str(n)) + "调休")
        for d, n in constants.workdays.items()
        if 2004 <= d.year <= 2026
    ]
    Holiday.objects.bulk_create(rows, ignore_conflicts=True)
    SlaPolicy.objects.get_or_create(
        code="todo",
        defaults={
            "name": "待办事项",
            "target_value": 1,
            "target_unit": "workdays",
            "warn_before_minutes": 120,
            "escalation_roles": ["branch_manager"],
            "escalation_interval_minutes": 24 * 60,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("crm", "Holiday").objects.filter(date__year__lte=2026).delete()


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
