"""A person's choices of how a list looks: the columns of each table (crm.tables)."""

from __future__ import annotations

from django.db import transaction

from ..models import TablePreference


def table_columns_save(*, user, table: str, columns: list[str] | None) -> None:
    """Save the columns `user` sees in the list `table` (names already checked against
    the table by the caller); None goes back to the table's default columns."""
    with transaction.atomic():
        if columns is None:
            TablePreference.objects.filter(user=user, table=table).delete()
            return
        TablePreference.objects.update_or_create(
            user=user, table=table, defaults={"columns": list(columns)}
        )
