"""Backup and restore (crm.backup, `manage.py backup` / `restore`): the demo data plus clients
made through the services, a media file; restored into a new database the same rows come
back, the ID numbers decrypt with the keys and the media file is there. A restore into a
database that holds data, or of a damaged backup, is refused and changes nothing."""

import json
import os
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from clients.crypto import decrypt, lookup_hash
from clients.models import Client
from crm import backup
from tests.factories import ClientFactory, make_client

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ID_NUMBER = "440304198511226715"


def _counts(tgt):
    with backup._cursor(tgt) as cur:
        return backup.row_counts(cur)


@pytest.fixture
def new_db_name():
    name = f"test_crm_restored_{os.getpid()}"
    yield name
    backup._drop(backup.target(), name)


def test_backup_restore_round_trip(settings, tmp_path, new_db_name):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", stdout=StringIO())
    owner = get_user_model().objects.get(username="am_bj")
    client = make_client(owner, name="备份测试", id_number=ID_NUMBER, phone="13912345678")
    assert client.id_number_encrypted and ID_NUMBER not in client.id_number_encrypted
    attachment = settings.MEDIA_ROOT / "attachments" / "2026" / "visit-note.pdf"
    attachment.parent.mkdir(parents=True)
    attachment.write_bytes(b"%PDF-1.4 visit note " + bytes(range(256)))

    out = StringIO()
    call_command("backup", to=tmp_path / "backups", stdout=out)
    (folder,) = (tmp_path / "backups").iterdir()
    assert f"backup written to {folder}" in out.getvalue()
    assert {p.name for p in folder.iterdir()} == {"database.dump", "media.tar.gz", "manifest.json"}
    manifest = json.loads((folder / "manifest.json").read_text())
    source = _counts(backup.target())
    assert manifest["tables"] == source
    assert manifest["tables"]["clients_client"] == Client.objects.count() > 2000
    assert manifest["database"]["server_version_num"] >= 160000
    assert manifest["media"]["files"] == 1
    # fingerprints only: no key is written anywhere in the backup
    assert len(manifest["keys"]["data_keys"]) == len(settings.CRM_DATA_KEYS)
    text = (folder / "manifest.json").read_text()
    for key in [*settings.CRM_DATA_KEYS, settings.CRM_LOOKUP_KEY]:
        assert key not in text

    # restored on "another machine": a new database, an empty media folder
    restored_media = tmp_path / "restored-media"
    out = StringIO()
    call_command("restore", str(folder), into=new_db_name, media_root=restored_media, stdout=out)
    assert f"into database {new_db_name}" in out.getvalue()
    restored = backup.target().named(new_db_name)
    assert _counts(restored) == source
    with backup._cursor(restored) as cur:
        cur.execute(
            "SELECT name, id_number_encrypted, id_number_hash FROM clients_client WHERE id = %s",
            [client.pk],
        )
        name, encrypted, hashed = cur.fetchone()
    assert name == "备份测试"
    assert decrypt(encrypted) == ID_NUMBER  # readable with the configured keys
    assert hashed == lookup_hash(f"id_card:{ID_NUMBER}")
    copy = restored_media / "attachments" / "2026" / "visit-note.pdf"
    assert copy.read_bytes() == attachment.read_bytes()

    # without the key the backup was taken with, the restore says so
    settings.CRM_DATA_KEYS = ["ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg="]
    (warning,) = backup.key_warnings(manifest)
    assert "not in CRM_DATA_KEYS" in warning


def test_restore_refuses_a_database_with_data_and_a_damaged_backup(settings, tmp_path, new_db_name):
    settings.MEDIA_ROOT = tmp_path / "media"
    ClientFactory(name="已有数据", id_number=ID_NUMBER)
    folder = backup.backup(tmp_path / "backups")
    before = _counts(backup.target())

    # the configured database (the suite's) holds data: refused, nothing changed
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(folder), media_root=tmp_path / "m1")
    assert _counts(backup.target()) == before
    assert not (tmp_path / "m1").exists()

    # an existing database named with --into, or a bad name: refused
    with pytest.raises(CommandError, match="exists already"):
        call_command("restore", str(folder), into=backup.target().name)
    with pytest.raises(CommandError, match="not a database name"):
        call_command("restore", str(folder), into="x; DROP DATABASE crm")

    # a media file that would be overwritten with other bytes: refused before the database
    clash = tmp_path / "m2"
    (settings.MEDIA_ROOT / "a.txt").parent.mkdir(parents=True, exist_ok=True)
    (settings.MEDIA_ROOT / "a.txt").write_text("backed up")
    folder2 = backup.backup(tmp_path / "backups2")
    clash.mkdir()
    (clash / "a.txt").write_text("other")
    with pytest.raises(CommandError, match="media files differ"):
        call_command("restore", str(folder2), into=new_db_name, media_root=clash)
    with backup._cursor(backup.target()) as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [new_db_name])
        assert cur.fetchone() is None
    assert (clash / "a.txt").read_text() == "other"

    # a damaged dump or manifest: refused
    with (folder / "database.dump").open("r+b") as fh:
        fh.seek(100)
        fh.write(b"\0\0\0\0")
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", str(folder), into=new_db_name)
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(CommandError, match="not readable"):
        call_command("restore", str(folder), into=new_db_name)
    with pytest.raises(CommandError, match="not a backup"):
        call_command("restore", str(tmp_path), into=new_db_name)


@pytest.mark.django_db(transaction=False)
def test_a_real_server_from_database_url_and_the_matching_pg_dump(monkeypatch):
    import environ

    conf = environ.Env.db_url_config("postgres://crm:s3cret@db.example:5433/crm?sslmode=require")
    with monkeypatch.context() as env:
        env.setenv("PGSERVICE", "elsewhere")  # the shell's PG* variables are not passed on
        tgt = backup.target_of(conf)
    assert tgt.name == "crm"
    assert {k: v for k, v in tgt.env.items() if k.startswith("PG")} == {
        "PGHOST": "db.example", "PGPORT": "5433", "PGUSER": "crm", "PGPASSWORD": "s3cret",
        "PGDATABASE": "crm", "PGSSLMODE": "require", "PGAPPNAME": "crm-backup",
    }  # fmt: skip
    embedded = environ.Env.db_url_config("postgres://postgres@/crm?host=/srv/crm/.local/pg")
    assert backup.target_of(embedded).env["PGHOST"] == "/srv/crm/.local/pg"

    # pg_dump of the server's major version (pgserver's 16, not Debian's 15 on PATH)
    major = backup.server_version(backup.target())[0] // 10000
    tool = backup.find_tool("pg_dump", major)
    assert backup._tool_major(tool) == major
    with pytest.raises(backup.BackupError, match="no pg_dump of PostgreSQL 99"):
        backup.find_tool("pg_dump", 99)
