"""Data key rotation: `rotate_data_keys` re-encrypts clients and their change history."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from clients import crypto, services
from clients.history import ledger
from clients.models import Client
from tests.factories import make_client, valid_id_number

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def _ciphertexts():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number_encrypted FROM clients_client WHERE id_number_encrypted <> '' "
            "UNION ALL SELECT id_number_encrypted FROM clients_historicalclient "
            "WHERE id_number_encrypted <> ''"
        )
        return [r[0] for r in cur.fetchall()]


def _rotate(*args) -> str:
    out = StringIO()
    call_command("rotate_data_keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_key_data(org):
    """Three clients with ID numbers, one changed twice (history rows), under the old key."""
    with override_settings(CRM_DATA_KEYS=[OLD]):
        clients = [
            make_client(org.am, name=f"客户{i}", id_number=valid_id_number(i),
                        client_no=f"11000000{i:02d}")
            for i in range(3)
        ]  # fmt: skip
        services.client_update(user=org.am, client=clients[0], data={"address": "北京市"})
        services.client_update(
            user=org.am, client=clients[0], data={"id_type": "id_card",
            "id_number": valid_id_number(7)}, reason="证件更换",
        )  # fmt: skip
        make_client(org.am, name="无证件", phone="13900139000")  # nothing to rotate
        hashes = dict(Client.objects.values_list("pk", "id_number_hash"))
        ledger_before = [[c.field for c in row["changes"]] for row in ledger(clients[0])]
    return clients, hashes, ledger_before


def test_after_rotation_everything_decrypts_with_only_the_new_key(old_key_data):
    clients, hashes, ledger_before = old_key_data
    stored = _ciphertexts()
    assert len(stored) == 3 + 5  # 3 clients; history: 3 created, an address and an ID change

    with override_settings(CRM_DATA_KEYS=[NEW, OLD]):
        assert "would re-encrypt" in _rotate("--dry-run")
        assert _ciphertexts() == stored  # the dry run wrote nothing
        output = _rotate("--batch-size", "2")
    assert "Total: 8 rows re-encrypted." in output
    assert "clients_historicalclient: 5 re-encrypted" in output

    with override_settings(CRM_DATA_KEYS=[NEW]):
        only_new = Fernet(NEW.encode())
        assert all(only_new.decrypt(t.encode()) for t in _ciphertexts())
        numbers = {c.pk: c.id_number for c in Client.objects.filter(pk__in=[c.pk for c in clients])}
        assert numbers == {
            clients[0].pk: valid_id_number(7),
            clients[1].pk: valid_id_number(1),
            clients[2].pk: valid_id_number(2),
        }
        # the look-up hash is untouched, and the ledger shows no change that did not happen
        assert dict(Client.objects.values_list("pk", "id_number_hash")) == hashes
        fresh = Client.objects.get(pk=clients[0].pk)  # ledger() caches records per object
        after = [[c.field for c in row["changes"]] for row in ledger(fresh)]
        assert after == ledger_before
        assert "id_number_encrypted" in after[0]  # the real ID change is still there
        # still unique and findable through the hash
        with pytest.raises(ValidationError) as refused:
            make_client(clients[1].owner, name="重复", id_number=valid_id_number(1))
        assert "id_number" in refused.value.message_dict
    with override_settings(CRM_DATA_KEYS=[OLD]), pytest.raises(InvalidToken):
        _ = Client.objects.get(pk=clients[1].pk).id_number


def test_rotation_is_idempotent_and_resumes(old_key_data):
    with override_settings(CRM_DATA_KEYS=[NEW, OLD]):
        first = services.data_keys_rotate(batch_size=5)
        assert sum(r.rotated for r in first) == 8
        stored = _ciphertexts()
        again = services.data_keys_rotate(batch_size=5)
        assert sum(r.rotated for r in again) == 0
        assert sum(r.current for r in again) == 8
        assert _ciphertexts() == stored  # nothing rewritten
        assert "Total: 0 rows re-encrypted." in _rotate()


def test_a_value_saved_meanwhile_is_not_overwritten(old_key_data, org, monkeypatch):
    clients, _hashes, _ledger = old_key_data
    with override_settings(CRM_DATA_KEYS=[NEW, OLD]):
        real_rotate = crypto.rotate

        def rotate_while_someone_saves(token):
            # another process stores a new ID number (under the new key) between the
            # rotation's read and its write
            if not getattr(rotate_while_someone_saves, "done", False):
                rotate_while_someone_saves.done = True
                Client.objects.filter(pk=clients[0].pk).update(
                    id_number_encrypted=crypto.encrypt(valid_id_number(9))
                )
            return real_rotate(token)

        monkeypatch.setattr(crypto, "rotate", rotate_while_someone_saves)
        services.data_keys_rotate(batch_size=100)
        assert Client.objects.get(pk=clients[0].pk).id_number == valid_id_number(9)


def test_unreadable_values_are_reported_and_fail_the_command(old_key_data):
    other = Fernet.generate_key().decode()
    with (
        override_settings(CRM_DATA_KEYS=[other]),
        pytest.raises(CommandError, match="could not be decrypted"),
    ):
        _rotate()
    with override_settings(CRM_DATA_KEYS=[NEW, OLD]):
        assert "Total: 8 rows re-encrypted." in _rotate()


def test_every_encrypted_column_is_rotated():
    """A new field holding ciphertext must be added to `services.encrypted_columns()`."""
    from django.apps import apps

    declared = {(m._meta.db_table, c) for m, c in services.encrypted_columns()}
    found = {
        (m._meta.db_table, f.column)
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if "encrypted" in f.name
    }
    assert found == declared
