"""A second terminal (issue #17, item 4): while `make services` (or `make run`) holds the
embedded PostgreSQL and Redis, a plain `python manage.py …` started elsewhere, with no
DATABASE_URL, reaches them through `.local/env`; `make manage` (`config.devstack manage`)
reuses them and leaves them running, and starts and stops its own when none run.

The stack runs in a temporary CRM_LOCAL_DIR, so the developer's `.local/` is not touched.
The suite's DATABASE_URL / REDIS_URL are removed from the subprocesses' environment."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

PROBE = """
import json
from django.conf import settings
from django.core.cache import cache
from django.db import connection
with connection.cursor() as cur:
    cur.execute("SELECT current_database(), inet_server_addr() IS NULL")
    db, over_socket = cur.fetchone()
cache.set("second-terminal", "ok", 30)
print("PROBE" + json.dumps({
    "db": db, "over_socket": over_socket, "options": connection.settings_dict["OPTIONS"],
    "redis": settings.REDIS_URL, "cache": cache.get("second-terminal"),
}))
"""


@pytest.fixture
def local_dir():
    # Short (unix socket paths) and readable by the `pgserver` user the server runs as
    # under root.
    path = Path(tempfile.mkdtemp(prefix="crm-2nd-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    _run(path, "-m", "config.devstack", "stop")
    shutil.rmtree(path, ignore_errors=True)


def _env(local: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CRM_DB_NAME")
    }
    env["CRM_LOCAL_DIR"] = str(local)
    return env


def _run(local: Path, *args: str) -> subprocess.CompletedProcess:
    # `manage.py` by its path from another working directory, as from any terminal;
    # `-m config.devstack` from the project, as make does.
    cwd = BASE_DIR if args[0] == "-m" else "/"
    return subprocess.run(
        [sys.executable, *args], env=_env(local), cwd=cwd, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def _probe(local: Path, *command: str) -> dict:
    result = _run(local, *command, "shell", "-c", PROBE)
    assert result.returncode == 0, result.stderr
    (line,) = [ln for ln in result.stdout.splitlines() if ln.startswith("PROBE")]
    return {**json.loads(line[len("PROBE") :]), "log": result.stdout}


def _pg_running(local: Path) -> bool:
    return (local / "pg" / "postmaster.pid").exists()


def test_a_second_terminal_reaches_the_embedded_servers(local_dir):
    manage_py = str(BASE_DIR / "manage.py")
    devstack_manage = ("-m", "config.devstack", "manage")

    # `make manage` with nothing running: starts the servers for itself, then stops them
    alone = _probe(local_dir, *devstack_manage)
    assert "PostgreSQL started" in alone["log"] and "PostgreSQL stopped" in alone["log"]
    assert alone["db"] == "crm" and alone["cache"] == "ok"
    assert not _pg_running(local_dir)
    assert not (local_dir / "env").exists()

    # `make services`: the servers keep running and .local/env names them
    started = _run(local_dir, "-m", "config.devstack", "services")
    assert started.returncode == 0, started.stderr
    env_file = (local_dir / "env").read_text()
    assert f"host={local_dir}/pg" in env_file or f"host={local_dir}" in env_file
    assert f"REDIS_URL=unix://{local_dir}/redis.sock" in env_file

    # a plain `python manage.py …` in a second terminal: no DATABASE_URL, still there
    plain = _probe(local_dir, manage_py)
    assert plain["db"] == "crm"
    assert plain["over_socket"] is True  # the embedded server's unix socket, not TCP
    assert plain["options"]["host"].startswith("/")
    assert plain["redis"] == f"unix://{local_dir}/redis.sock"
    assert plain["cache"] == "ok"

    # `make manage` beside them: reuses, and never stops what it did not start
    reused = _probe(local_dir, *devstack_manage)
    assert "PostgreSQL reused" in reused["log"] and "Redis reused" in reused["log"]
    assert "stopped" not in reused["log"]
    assert _pg_running(local_dir) and (local_dir / "env").exists()
    assert _probe(local_dir, manage_py)["db"] == "crm"

    # `make stop`: the servers stop and .local/env goes with them
    stopped = _run(local_dir, "-m", "config.devstack", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not _pg_running(local_dir)
    assert not (local_dir / "env").exists()
