"""Demo data registry: each app registers a seeder; `seed_demo` runs them in order."""

from collections.abc import Callable

_seeders: list[tuple[int, str, Callable]] = []


def register_seeder(order: int, name: str, seeder: Callable) -> None:
    """seeder(users: dict[str, User], stdout) must be idempotent."""
    if all(existing != name for _o, existing, _s in _seeders):
        _seeders.append((order, name, seeder))


def seeders() -> list[tuple[int, str, Callable]]:
    return sorted(_seeders, key=lambda s: s[0])
