"""Data key rotation: every stored ciphertext re-encrypted with the first key (crypto.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from django.db import connection, models, transaction

from .. import crypto
from ..models import Client


def encrypted_columns() -> list[tuple[type[models.Model], str]]:
    """Every (model, column) holding ciphertext of `encrypt`, including the change history
    (django-simple-history copies `id_number_encrypted` into each historical record)."""
    return [(Client, "id_number_encrypted"), (Client.history.model, "id_number_encrypted")]


@dataclass
class RotationResult:
    table: str
    read: int = 0
    rotated: int = 0
    current: int = 0
    unreadable: int = 0
    unreadable_ids: list[int] = field(default_factory=list)


def data_keys_rotate(
    *, batch_size: int = 5000, dry_run: bool = False, progress=None
) -> list[RotationResult]:
    """Re-encrypt every stored ciphertext with the first key of `CRM_DATA_KEYS`.

    Each table is walked by primary key (keyset pagination, `batch_size` rows a step); a
    step is one transaction with one `UPDATE ... FROM unnest(...)` statement. A row is
    only written when it still holds the ciphertext read (compare-and-set), so a value
    saved meanwhile (already under the new key) is never overwritten, and rows already
    under the current key are skipped: running it again, or after an interruption,
    re-encrypts only what is left. `progress(result, last_id)` is called after each step.
    """
    results = []
    for model, column in encrypted_columns():
        table, pk = model._meta.db_table, model._meta.pk.column
        result = RotationResult(table=table)
        last_id = 0
        while True:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    f'SELECT "{pk}", "{column}" FROM "{table}" '  # nosec B608 (names from models)
                    f'WHERE "{pk}" > %s AND "{column}" <> \'\' ORDER BY "{pk}" LIMIT %s',
                    [last_id, batch_size],
                )
                rows = cur.fetchall()
                if not rows:
                    break
                last_id = rows[-1][0]
                ids, olds, news = [], [], []
                for row_id, token in rows:
                    if crypto.is_current(token):
                        result.current += 1
                        continue
                    try:
                        new = crypto.rotate(token)
                    except InvalidToken:
                        result.unreadable += 1
                        if len(result.unreadable_ids) < 20:
                            result.unreadable_ids.append(row_id)
                        continue
                    ids.append(row_id)
                    olds.append(token)
                    news.append(new)
                result.read += len(rows)
                if ids and not dry_run:
                    cur.execute(
                        f'UPDATE "{table}" AS t SET "{column}" = u.new '  # nosec B608
                        "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS u(id, old, new) "
                        f'WHERE t."{pk}" = u.id AND t."{column}" = u.old',
                        [ids, olds, news],
                    )
                    result.rotated += cur.rowcount
                elif ids:
                    result.rotated += len(ids)
            if progress is not None:
                progress(result, last_id)
        results.append(result)
    return results
