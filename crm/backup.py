"""Backup and restore of the database and the media files (`manage.py backup` / `restore`;
`make backup`, `make restore FROM=…` through config.devstack).

A backup is one folder `<YYYY-MM-DD_HHMMSS>/` holding

- `database.dump`: `pg_dump --format=custom` of the database, taken in one snapshot;
- `media.tar.gz`: every file under MEDIA_ROOT (paths relative to it);
- `manifest.json`: database name, server and pg_dump versions, the exact row count of every
  table in that same snapshot, the fingerprints of CRM_DATA_KEYS and CRM_LOOKUP_KEY (a
  truncated SHA-256, never the keys) and the SHA-256 and size of both files.

The keys are NOT in a backup: the encrypted ID numbers in it are readable only with the
CRM_DATA_KEYS of the day it was taken (or a later list that still holds them), and the
look-up hashes match only with the same CRM_LOOKUP_KEY. Keep the keys apart from the backups.

A restore goes into an empty database only (the configured one, or `--into NEWDB`, which it
creates), checks the files against the manifest first, unpacks the media without
overwriting a different file, and then compares every table's row count with the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media.tar.gz"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (and nothing changed)."""


# --- Connection and tools ----------------------------------------------------------
@dataclass
class Target:
    """How the PostgreSQL tools reach one database: libpq environment variables."""

    name: str
    env: dict[str, str]

    def named(self, name: str) -> Target:
        return Target(name=name, env={**self.env, "PGDATABASE": name})


def target(alias: str = "default") -> Target:
    """The database of a Django alias (DATABASE_URL) as libpq variables."""
    return target_of(connections[alias].settings_dict)


def target_of(conf: dict) -> Target:
    """libpq variables (host or socket folder, port, user, password, SSL mode) for a Django
    database configuration; the PG* variables of the environment are not passed on."""
    options = conf.get("OPTIONS") or {}
    host = options.get("host") or conf.get("HOST") or ""
    pg = {
        "PGHOST": host,
        "PGPORT": str(options.get("port") or conf.get("PORT") or ""),
        "PGUSER": options.get("user") or conf.get("USER") or "",
        "PGPASSWORD": options.get("password") or conf.get("PASSWORD") or "",
        "PGDATABASE": conf["NAME"],
        "PGSSLMODE": options.get("sslmode", ""),
        "PGAPPNAME": "crm-backup",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({k: v for k, v in pg.items() if v})
    return Target(name=conf["NAME"], env=env)


@contextmanager
def _cursor(tgt: Target) -> Iterator:
    """A cursor on a plain psycopg2 connection (autocommit) to `tgt`, outside Django's
    connections; closed at the end."""
    import psycopg2

    pg = tgt.env
    conn = psycopg2.connect(
        dbname=tgt.name,
        host=pg.get("PGHOST") or None,
        port=pg.get("PGPORT") or None,
        user=pg.get("PGUSER") or None,
        password=pg.get("PGPASSWORD") or None,
        sslmode=pg.get("PGSSLMODE") or None,
        application_name="crm-backup",
    )
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def server_version(tgt: Target) -> tuple[int, str]:
    with _cursor(tgt) as cur:
        cur.execute("SHOW server_version_num")
        num = int(cur.fetchone()[0])
        cur.execute("SHOW server_version")
        return num, cur.fetchone()[0].split()[0]


def _tool_major(path: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def _candidates(tool: str) -> list[Path]:
    """The embedded PostgreSQL's binaries (pgserver, a development tool) first, then PATH,
    then Debian's /usr/lib/postgresql/<major>/bin."""
    found: list[Path] = []
    spec = find_spec("pgserver")
    if spec is not None and spec.origin:
        found.append(Path(spec.origin).parent / "pginstall" / "bin" / tool)
    on_path = shutil.which(tool)
    if on_path:
        found.append(Path(on_path))
    found += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), reverse=True)
    return [p for p in found if p.is_file() and os.access(p, os.X_OK)]


def find_tool(tool: str, server_major: int) -> Path:
    """`pg_dump` / `pg_restore` able to work with a server of `server_major`: the same major
    version when there is one, else the lowest newer one."""
    usable = []
    for path in _candidates(tool):
        major = _tool_major(path)
        if major is not None and major >= server_major:
            usable.append((major != server_major, major, path))
    if not usable:
        raise BackupError(
            f"no {tool} of PostgreSQL {server_major} or newer found (embedded PostgreSQL, "
            f"PATH, /usr/lib/postgresql/*/bin); install the PostgreSQL {server_major} client"
        )
    return sorted(usable)[0][2]


def _run(cmd: list[str], tgt: Target) -> None:
    result = subprocess.run(cmd, env=tgt.env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {result.stderr.strip()[-2000:]}")


# --- Contents --------------------------------------------------------------------------
_TABLES_SQL = """
    SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%%' AND n.nspname NOT LIKE 'pg_temp%%'
    ORDER BY 1, 2
"""


def _label(schema: str, table: str) -> str:
    return table if schema == "public" else f"{schema}.{table}"


def row_counts(cur) -> dict[str, int]:
    """The exact row count of every table (in the cursor's snapshot)."""
    cur.execute(_TABLES_SQL)
    counts = {}
    for schema, table in cur.fetchall():
        cur.execute(f'SELECT count(*) FROM "{schema}"."{table}"')  # nosec B608: catalog names
        counts[_label(schema, table)] = cur.fetchone()[0]
    return counts


def table_count(tgt: Target) -> int:
    with _cursor(tgt) as cur:
        cur.execute(_TABLES_SQL)
        return len(cur.fetchall())


def fingerprint(secret: str) -> str:
    """Tells which key a backup was taken with, without telling the key."""
    return hashlib.sha256(b"crm-key-fingerprint:" + secret.strip().encode()).hexdigest()[:16]


def key_fingerprints() -> dict[str, Any]:
    data_keys = [k for k in getattr(settings, "CRM_DATA_KEYS", []) if k.strip()]
    lookup = getattr(settings, "CRM_LOOKUP_KEY", "")
    return {
        "data_keys": [fingerprint(k) for k in data_keys],
        "lookup_key": fingerprint(lookup) if lookup else "",
    }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _describe(path: Path) -> dict[str, object]:
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}


# --- Backup ----------------------------------------------------------------------------
def backup(to: Path, *, media_root: Path | None = None, alias: str = "default") -> Path:
    """Write a dated backup folder under `to`; return it."""
    tgt = target(alias)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    version_num, version = server_version(tgt)
    pg_dump = find_tool("pg_dump", version_num // 10000)
    stamp = datetime.now(UTC)
    folder = Path(to) / stamp.strftime("%Y-%m-%d_%H%M%S")
    if folder.exists():
        raise BackupError(f"{folder} exists already")
    folder.mkdir(parents=True, mode=0o700)
    try:
        # One snapshot for the dump and the row counts: a backup taken while staff work
        # still has exactly the counts of its manifest.
        with _cursor(tgt) as cur:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            counts = row_counts(cur)
            dump = folder / DUMP
            _run(
                [str(pg_dump), "--format=custom", f"--snapshot={snapshot}", "--no-password",
                 f"--file={dump}", tgt.name],
                tgt,
            )  # fmt: skip
            cur.execute("COMMIT")
        files = _pack_media(media_root, folder / MEDIA)
        manifest = {
            "format": FORMAT,
            "created_at": stamp.isoformat(timespec="seconds"),
            "database": {
                "name": tgt.name,
                "server_version": version,
                "server_version_num": version_num,
                "pg_dump": subprocess.run(
                    [str(pg_dump), "--version"], capture_output=True, text=True
                ).stdout.strip(),
            },
            "tables": counts,
            "rows": sum(counts.values()),
            "media": {"root": str(media_root), "files": files},
            "keys": key_fingerprints(),
            "files": {DUMP: _describe(folder / DUMP), MEDIA: _describe(folder / MEDIA)},
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for path in folder.iterdir():
            path.chmod(0o600)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _pack_media(media_root: Path, out: Path) -> int:
    files = 0
    with tarfile.open(out, "w:gz") as tar:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                    files += 1
    return files


# --- Restore ---------------------------------------------------------------------------
def read_manifest(folder: Path) -> dict:
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{folder} is not a backup: no {MANIFEST}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{folder / MANIFEST} is not readable: {exc}") from exc
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("tables"), dict)
        or not isinstance(manifest.get("files"), dict)
    ):
        raise BackupError(f"{folder / MANIFEST}: unknown backup format")
    for name in (DUMP, MEDIA):
        expected = manifest.get("files", {}).get(name, {})
        path = folder / name
        if not path.is_file():
            raise BackupError(f"{path} is missing")
        if sha256_file(path) != expected.get("sha256"):
            raise BackupError(f"{path} does not match its checksum in the manifest")
    return manifest


def key_warnings(manifest: dict) -> list[str]:
    """What the configured keys cannot do with this backup's encrypted values."""
    keys, now = manifest.get("keys", {}), key_fingerprints()
    warnings = []
    missing = [k for k in keys.get("data_keys", []) if k not in now["data_keys"]]
    if missing:
        warnings.append(
            f"{len(missing)} of the backup's {len(keys['data_keys'])} data keys (fingerprints "
            f"{', '.join(missing)}) are not in CRM_DATA_KEYS: ID numbers encrypted with them "
            "will not decrypt until they are added"
        )
    if keys.get("lookup_key") and keys["lookup_key"] != now["lookup_key"]:
        warnings.append(
            "CRM_LOOKUP_KEY differs from the backup's: look-up by ID number will not find "
            "its clients; set the key the backup was taken with"
        )
    return warnings


def _media_conflicts(archive: Path, media_root: Path) -> list[str]:
    conflicts = []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            existing = media_root / member.name
            if existing.exists():
                fh = tar.extractfile(member)
                data = fh.read() if fh else b""
                if not existing.is_file() or existing.read_bytes() != data:
                    conflicts.append(member.name)
    return conflicts


def restore(
    folder: Path,
    *,
    into: str | None = None,
    media_root: Path | None = None,
    alias: str = "default",
) -> dict:
    """Restore a backup folder into an empty database; return a summary.

    `into`: a new database to create and restore into (refused when it exists); by default
    the configured database, which must be empty."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    tgt = target(alias)
    if into:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", into):
            raise BackupError(f"{into!r} is not a database name (letters, digits, _)")
        with _cursor(tgt) as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [into])
            if cur.fetchone():
                raise BackupError(f"database {into} exists already; name a new one")
        tgt = tgt.named(into)
    else:
        tables = table_count(tgt)
        if tables:
            raise BackupError(
                f"database {tgt.name} is not empty ({tables} tables); restore into a new "
                "database with --into NEWDB, or into an empty database"
            )
    conflicts = _media_conflicts(folder / MEDIA, media_root)
    if conflicts:
        raise BackupError(
            f"{len(conflicts)} media files differ from the backup's under {media_root} (e.g. "
            f"{conflicts[0]}); restore the media into an empty folder (--media-root)"
        )
    version_num, _version = server_version(target(alias))
    pg_restore = find_tool("pg_restore", version_num // 10000)
    created = False
    if into:
        from psycopg2 import sql

        with _cursor(target(alias)) as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(into)))
        created = True
    try:
        _run(
            [str(pg_restore), "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", "--no-password", f"--dbname={tgt.name}",
             str(folder / DUMP)],
            tgt,
        )  # fmt: skip
    except BackupError:
        if created and into:
            _drop(target(alias), into)
        raise
    with _cursor(tgt) as cur:
        counts = row_counts(cur)
    expected = manifest["tables"]
    differ = {
        name: (expected.get(name), counts.get(name))
        for name in sorted(set(expected) | set(counts))
        if expected.get(name) != counts.get(name)
    }
    if differ:
        name, (want, got) = next(iter(differ.items()))
        raise BackupError(
            f"restored into {tgt.name}, but {len(differ)} tables differ from the manifest "
            f"(e.g. {name}: {want} expected, {got} found)"
        )
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA, "r:gz") as tar:
        tar.extractall(media_root, filter="data")
    return {
        "database": tgt.name,
        "tables": len(counts),
        "rows": sum(counts.values()),
        "media_files": manifest.get("media", {}).get("files", 0),
        "media_root": str(media_root),
        "warnings": key_warnings(manifest),
    }


def _drop(tgt: Target, name: str) -> None:
    from psycopg2 import sql

    with _cursor(tgt) as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def default_dir() -> Path:
    return Path(os.environ.get("CRM_BACKUP_DIR") or Path(settings.BASE_DIR) / "backups")
