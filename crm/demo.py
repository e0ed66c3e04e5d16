"""Demo data registry: each app registers a seeder; `seed_demo` runs them in order."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.utils import timezone

_seeders: list[tuple[int, str, Callable]] = []


def register_seeder(order: int, name: str, seeder: Callable) -> None:
    """seeder(users: dict[str, User], stdout) must be idempotent."""
    if all(existing != name for _o, existing, _s in _seeders):
        _seeders.append((order, name, seeder))


def seeders() -> list[tuple[int, str, Callable]]:
    return sorted(_seeders, key=lambda s: s[0])


def weekday_at(day: date, hour: int, minute: int = 0, *, forward: bool = True) -> datetime:
    """`day` at hour:minute Shanghai time, moved to the nearest weekday (forward or back)."""
    while day.weekday() >= 5:
        day += timedelta(days=1 if forward else -1)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def office_hours(rng, now: datetime, days_back: int) -> datetime:
    """A plausible moment for staff work `days_back` days before `now`: a weekday,
    between 09:00 and 17:00 Shanghai time, never in the future."""
    day = timezone.localdate(now) - timedelta(days=days_back)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    start = datetime.combine(day, time(9), tzinfo=timezone.get_current_timezone())
    moment = start + timedelta(minutes=rng.randint(0, 8 * 60))
    return moment if moment < now else now - timedelta(minutes=rng.randint(5, 60))
