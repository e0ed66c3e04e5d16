"""Reads for dashboards, exports, analysis pages and the metrics API on a streaming replica.

With `DATABASE_REPLICA_URL` set, settings declare a second alias, "replica", and
`ReplicaRouter` sends the reads of a view marked `@reads_from_replica` there; everything
else reads and writes the primary ("default"). Inside a marked view:

- the access checks ran first, on the primary: the decorator wraps the GET handler
  (`get`, or `list` / `retrieve` of a DRF viewset), which Django and DRF call after the
  login, role, token and throttle checks of `dispatch` / `initial`; a function view is
  wrapped whole, after `request.user` is loaded from the primary;
- once the request writes (an ORM write asks `db_for_write`; a raw statement other than
  SELECT on the primary is seen by an execute wrapper), the rest of it reads the primary,
  so it reads its own writes; so does anything inside a transaction on the primary
  (`select_for_update`, a service's atomic block);
- the replica is used only while it answers and its lag (`pg_last_xact_replay_timestamp`
  against now, 0 while it has replayed all it received from a streaming primary) is at
  most `CRM_REPLICA_MAX_LAG` seconds; the check runs once per `CRM_REPLICA_CHECK_SECONDS`
  per process, so a replica that stops or falls behind is left within a few seconds and
  taken back as soon as it is healthy again.

Raw SQL that only reads takes its cursor from `read_connection()` instead of
`django.db.connection`. Celery tasks and management commands never read the replica.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA_ALIAS = "replica"

# 0 when the replica is a primary (promoted, or a test database standing in for one) or
# has replayed everything a streaming primary sent; else the age of the last replayed
# transaction (no replayed transaction yet and not streaming: very late).
LAG_SQL = """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
             AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
        ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()),
                      1e9)
    END
"""


@dataclass
class ReplicaStatus:
    usable: bool = False
    lag: float | None = None  # seconds; None: unreachable
    checked_at: float = float("-inf")  # time.monotonic()


_status = ReplicaStatus()
_status_lock = threading.Lock()


def replica_configured() -> bool:
    return REPLICA_ALIAS in connections.settings  # settings.DATABASES, as configured


def _measure() -> ReplicaStatus:
    conn = connections[REPLICA_ALIAS]
    try:
        with conn.cursor() as cur:
            cur.execute(LAG_SQL)
            lag = float(cur.fetchone()[0])
    except DatabaseError as exc:
        logger.warning("replica unreachable, reading the primary: %s", exc)
        with contextlib.suppress(Exception):
            conn.close()
        return ReplicaStatus(False, None, time.monotonic())
    usable = lag <= settings.CRM_REPLICA_MAX_LAG
    if not usable:
        logger.warning("replica %.1f s behind, reading the primary", lag)
    return ReplicaStatus(usable, lag, time.monotonic())


def replica_status(*, fresh: bool = False) -> ReplicaStatus:
    """The replica's health, measured at most once per CRM_REPLICA_CHECK_SECONDS."""
    global _status
    if not replica_configured():
        return ReplicaStatus()
    age = time.monotonic() - _status.checked_at
    if fresh or age >= settings.CRM_REPLICA_CHECK_SECONDS:
        with _status_lock:  # one thread measures; the others wait for its answer
            if fresh or time.monotonic() - _status.checked_at >= settings.CRM_REPLICA_CHECK_SECONDS:
                _status = _measure()
    return _status


def forget_replica_status() -> None:
    """The next request measures the replica again (tests; after a failover)."""
    global _status
    _status = ReplicaStatus()


@dataclass
class _Reads:
    alias: str  # where this request's reads go while it has not written
    wrote: bool = False


_reads: ContextVar[_Reads | None] = ContextVar("crm_replica_reads", default=None)


def _is_write(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head not in ("SELECT", "SHOW", "EXPLAIN")


@contextlib.contextmanager
def replica_reads() -> Iterator[_Reads]:
    """Within the block, reads go to the replica while it is healthy and nothing was
    written; blocks nest (the outer one decides)."""
    current = _reads.get()
    if current is not None:
        yield current
        return
    usable = replica_status().usable
    state = _Reads(REPLICA_ALIAS if usable else DEFAULT_DB_ALIAS)
    token = _reads.set(state)

    def watch_writes(execute, sql, params, many, context):
        if not state.wrote and _is_write(sql):
            state.wrote = True
        return execute(sql, params, many, context)

    try:
        if usable:
            with connections[DEFAULT_DB_ALIAS].execute_wrapper(watch_writes):
                yield state
        else:
            yield state
    finally:
        _reads.reset(token)


def reading_alias() -> str:
    """The alias this code's reads go to now."""
    state = _reads.get()
    if (
        state is None
        or state.wrote
        or state.alias == DEFAULT_DB_ALIAS
        or connections[DEFAULT_DB_ALIAS].in_atomic_block
    ):
        return DEFAULT_DB_ALIAS
    return state.alias


def read_connection():
    """The connection for raw SQL that only reads: `with read_connection().cursor()`."""
    return connections[reading_alias()]


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: writes always to the primary; reads as `reading_alias`."""

    def db_for_read(self, model, **hints):
        if _reads.get() is None:
            return None  # not a marked view: Django's default (the primary)
        return reading_alias()

    def db_for_write(self, model, **hints):
        state = _reads.get()
        if state is not None:
            state.wrote = True
        return DEFAULT_DB_ALIAS  # also for an instance that was read from the replica

    def allow_relation(self, obj1, obj2, **hints):
        aliases = {DEFAULT_DB_ALIAS, REPLICA_ALIAS}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True  # the same database, one of them read from its copy
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _streamed_on_replica(chunks: Iterable) -> Iterator:
    with replica_reads():
        yield from chunks


def _streaming_too(response):
    """A streamed download (a CSV) reads its rows as it is sent, after the view returned:
    on the replica too, as a new read-only request."""
    if getattr(response, "streaming", False) and not getattr(response, "is_async", False):
        response.streaming_content = _streamed_on_replica(response.streaming_content)
    return response


def _wrap(handler: Callable, *, method: bool) -> Callable:
    if getattr(handler, "_reads_from_replica", False):
        return handler

    if method:

        @functools.wraps(handler)
        def wrapped_method(self, request, *args, **kwargs):
            with replica_reads():
                return _streaming_too(handler(self, request, *args, **kwargs))

        wrapped_method._reads_from_replica = True  # type: ignore[attr-defined]
        return wrapped_method

    @functools.wraps(handler)
    def wrapped_view(request, *args, **kwargs):
        user = getattr(request, "user", None)
        if user is not None:
            bool(user.is_authenticated)  # the session's user, from the primary
        with replica_reads():
            return _streaming_too(handler(request, *args, **kwargs))

    wrapped_view._reads_from_replica = True  # type: ignore[attr-defined]
    return wrapped_view


HANDLERS = ("get", "list", "retrieve")


def reads_from_replica(view):
    """Mark a read-only analysis view (class or function): its GET reads the replica."""
    if isinstance(view, type):
        for name in HANDLERS:
            handler = getattr(view, name, None)
            if handler is not None:
                setattr(view, name, _wrap(handler, method=True))
        view.reads_from_replica = True  # type: ignore[attr-defined]
        return view
    return _wrap(view, method=False)
