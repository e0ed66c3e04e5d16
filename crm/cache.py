"""The Redis cache, degraded to misses while Redis is unreachable.

Django's RedisCache raises on a dead server, and with the `cached_db` session engine
every page reads the cache, so a stopped Redis would turn every page into an error. This
backend answers as if the cache were empty instead: reads miss (sessions then come from
the database), writes are skipped, and for `retry_after` seconds after a failure Redis is
not tried at all, so a black-holed server costs one socket timeout, not one per call.

A write skipped during the outage (a session deleted at logout, a dashboard version
bumped) would leave a stale entry behind once Redis is back with its data. So the first
successful contact after skipped writes empties the cache database before anything is
read from it; every entry is rebuilt from the database on demand.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
_MISSING = object()


class _Health:
    """Shared by every thread's backend instance for the same servers."""

    def __init__(self) -> None:
        self.down_until = 0.0
        self.lost_writes = False
        self.lock = threading.Lock()

    def is_down(self) -> bool:
        return self.down_until > time.monotonic()

    def failed(self, exc: Exception, retry_after: float, write: bool) -> None:
        with self.lock:
            was_up = not self.down_until
            self.down_until = time.monotonic() + retry_after
            self.lost_writes = self.lost_writes or write
        if was_up:
            logger.warning("Redis cache unreachable, serving without it: %s", exc)

    def recovered(self) -> None:
        if self.down_until:
            with self.lock:
                self.down_until = 0.0
            logger.warning("Redis cache reachable again")


_health: dict[tuple[str, ...], _Health] = {}
_health_lock = threading.Lock()


def _health_of(servers: tuple[str, ...]) -> _Health:
    with _health_lock:
        return _health.setdefault(servers, _Health())


class ResilientRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` that never raises when Redis is down.

    OPTIONS: `RETRY_AFTER` (seconds, default 5) besides the redis-py pool options; set
    `socket_connect_timeout` and `socket_timeout` there so a black-holed server fails fast.
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self.health = _health_of(tuple(self._servers))

    def _guard(self, operation, *args, write: bool, fallback):
        health = self.health
        if health.is_down():
            if write:
                health.lost_writes = True
            return fallback
        try:
            if health.lost_writes:
                self._flush_after_outage()
            result = operation(*args)
        except UNREACHABLE as exc:
            health.failed(exc, self.retry_after, write)
            return fallback
        health.recovered()
        return result

    def _flush_after_outage(self) -> None:
        # ASYNC: the keys are gone at once, the memory is freed in the background.
        self._cache.get_client(None, write=True).flushdb(asynchronous=True)
        self.health.lost_writes = False
        logger.warning("Redis cache emptied: writes were skipped while it was unreachable")

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(super().add, key, value, timeout, version, write=True, fallback=False)

    def get(self, key, default=None, version=None):
        return self._guard(super().get, key, default, version, write=False, fallback=default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guard(super().set, key, value, timeout, version, write=True, fallback=None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(super().touch, key, timeout, version, write=True, fallback=False)

    def delete(self, key, version=None):
        return self._guard(super().delete, key, version, write=True, fallback=False)

    def get_many(self, keys, version=None):
        return self._guard(super().get_many, keys, version, write=False, fallback={})

    def has_key(self, key, version=None):
        return self._guard(super().has_key, key, version, write=False, fallback=False)

    def incr(self, key, delta=1, version=None):
        result = self._guard(super().incr, key, delta, version, write=True, fallback=_MISSING)
        if result is _MISSING:  # what a miss means for incr
            raise ValueError(f"Key '{key}' not found.")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        failed = self._guard(super().set_many, data, timeout, version, write=True, fallback=None)
        return list(data) if failed is None else failed

    def delete_many(self, keys, version=None):
        self._guard(super().delete_many, keys, version, write=True, fallback=None)

    def clear(self):
        return self._guard(super().clear, write=True, fallback=False)
