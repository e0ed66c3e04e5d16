"""The change ledger of a client: field, old and new value, who, when and why."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from crm.models import person_name

from .masking import mask_id, mask_phone
from .models import Client
from .timeline import Entry

HIDDEN = {"id", "history_id", "history_date", "history_user", "history_change_reason",
          "history_type", "created_at"}  # fmt: skip


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


def _display(field: str, value, instance) -> str:
    if value in (None, "", []):
        return "—"
    if field == "id_number_encrypted":
        from .crypto import decrypt

        return mask_id(decrypt(value))
    if field in ("phone", "phone_alt"):
        return mask_phone(value)
    model_field = Client._meta.get_field(field)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        related = getattr(instance, field)
        if related is None:
            return "—"
        # a person by name (an account manager or advisor changed), never by login name
        return person_name(related) if isinstance(related, get_user_model()) else str(related)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "、".join(value)
    return str(value)


def _label(field: str) -> str:
    if field == "id_number_encrypted":
        return _("ID number")
    return str(Client._meta.get_field(field).verbose_name)


def _same_secret(old: str, new: str) -> bool:
    from .crypto import decrypt

    return bool(old and new) and decrypt(old) == decrypt(new)


def changes(record, previous) -> list[FieldChange]:
    """What one historical record changed against the one before it."""
    delta = record.diff_against(previous)
    found = [(c.field, c.old, c.new) for c in delta.changes if c.field not in HIDDEN]
    # simple-history diffs editable fields only; the encrypted ID number is part of the
    # ledger too (shown masked), unless only its ciphertext changed (key rotation)
    old_id, new_id = previous.id_number_encrypted, record.id_number_encrypted
    if old_id != new_id and not _same_secret(old_id, new_id):
        found.append(("id_number_encrypted", old_id, new_id))
    out = []
    for field, old, new in sorted(found, key=lambda c: c[0]):
        out.append(
            FieldChange(
                field=field,
                label=_label(field),
                old=_display(field, old, previous),
                new=_display(field, new, record),
            )
        )
    return out


def history_records(client: Client, limit: int = 50):
    """The newest records (one query, remembered on the client object for the request)."""
    cache = client.__dict__.setdefault("_history_cache", {})
    if limit not in cache:
        cache[limit] = list(
            client.history.select_related("history_user", "owner", "advisor").order_by(
                "-history_date", "-history_id"
            )[: limit + 1]
        )
    return cache[limit]


def ledger(client: Client, limit: int = 50) -> list[dict]:
    """Records newest first, each with its field changes (one query)."""
    records = history_records(client, limit)
    rows = []
    for i, record in enumerate(records[:limit]):
        previous = records[i + 1] if i + 1 < len(records) else None
        rows.append(
            {
                "at": record.history_date,
                "user": person_name(record.history_user) if record.history_user else _("system"),
                "reason": record.history_change_reason or "",
                "created": record.history_type == "+",
                "changes": changes(record, previous) if previous is not None else [],
            }
        )
    return rows


def change_entries(client: Client, limit: int) -> list[Entry]:
    entries = []
    for row in ledger(client, limit):
        if row["created"]:
            title = _("Profile created")
        else:
            labels = "、".join(c.label for c in row["changes"]) or _("no visible field")
            title = _("Changed: %(fields)s") % {"fields": labels}
        detail = f"{row['user']}" + (f" · {row['reason']}" if row["reason"] else "")
        entries.append(Entry(at=row["at"], kind="change", title=title, detail=detail))
    return entries
