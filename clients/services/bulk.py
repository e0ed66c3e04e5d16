"""The client master and holdings from the trading system, upserted in bulk.

Used by `POST /api/v1/clients/bulk/` and `POST /api/v1/holdings/bulk/` (clients.api) and
by the file import, with the same row dicts. Every call is set-based: the rows are
checked in Python (no query per row), then a fixed number of statements write them,
whatever the number of rows.

Client rows (`clients_upsert`), upserted by `client_no`:

    client_no         required; at most 20 characters
    name              required; at most 100 characters
    branch            required; the branch code (e.g. "BJ01")
    owner             required; the account manager's staff number (工号) or username,
                      an account manager or branch manager of that branch
    client_type       "individual" (default) or "institution"
    id_type           id_card, passport, hk_macau_permit, taiwan_permit, credit_code, other
    id_number         checked like a single client's (GB 11643 check digit for id_card;
                      birth date and gender come from it); one client per ID number
    credit_code       unified social credit code (GB 32100 check character)
    phone, phone_alt  mainland mobile numbers (+86, spaces and dashes accepted)
    opened_on         YYYY-MM-DD, not in the future (empty or left out: the stored date,
                      today for a new client)
    account_status    normal (default), dormant, suspended, closed
    investor_class    ordinary (default), professional
    risk_level        C1..C5 or ""
    risk_assessed_on  YYYY-MM-DD, not in the future; its expiry follows
                      (CRM_RISK_ASSESSMENT_VALID_YEARS)

A key left out keeps the stored value of an existing client (a new client gets the
default); an empty value clears it. Holding rows (`holdings_upsert`):

    client_no, date (YYYY-MM-DD), security_code (required); security_name, quantity
    (required), cost, price

The rows of one client and date are that day's holdings: they replace the positions of
that day (a position not sent is removed), as `account-snapshots/bulk/` does with its
`holdings`. A file import must therefore keep one client's day inside one call.

Both answer a `BulkResult`: a bad row comes back with its index and a message per field
and nothing of it is stored; the good rows of the same call are stored. A row identical
to what is stored writes nothing (no history line, no version bump) and is counted as
`unchanged`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Branch, Role, StaffProfile, staff_of
from crm.sla import get_policy

from ..crypto import encrypt
from ..models import (
    AccountStatus,
    Client,
    ClientType,
    IdType,
    InvestorClass,
    RiskLevel,
    Stage,
)
from ..regions import region_code
from ..signals import suitability_changed
from ..validators import credit_code_is_valid, normalize_mobile
from .profiles import (
    COMPLETE_INDIVIDUAL,
    COMPLETE_INSTITUTION,
    OWNER_ROLES,
    PROFILE_POLICY,
    REVIEW_POLICY,
    id_number_hash,
    identity_number,
    name_initials,
)
from .snapshots import BulkResult, parse_date, parse_holding

CLIENT_ROW_KEYS = ("client_no", "name", "branch", "owner", "client_type", "id_type",
                   "id_number", "credit_code", "phone", "phone_alt", "opened_on",
                   "account_status", "investor_class", "risk_level",
                   "risk_assessed_on")  # fmt: skip
HOLDING_ROW_KEYS = ("client_no", "date", "security_code", "security_name", "quantity", "cost",
                    "price")  # fmt: skip
LOADERS = (Role.INTEGRATION, Role.BRANCH_MANAGER, Role.HQ)

# The columns a row decides, compared with the stored ones: equal means unchanged.
COMPARED = ("client_type", "name", "id_type", "id_number_hash", "birth_date", "gender",
            "phone", "phone_alt", "credit_code", "branch_id", "owner_id", "opened_on",
            "account_status", "investor_class", "risk_level", "risk_assessed_on")  # fmt: skip
# Written with them, never compared: the ciphertext differs at every encryption.
DERIVED = ("id_number_encrypted", "name_initials", "risk_expires_on", "region_code")
ARRAY_TYPES = {"branch_id": "bigint", "owner_id": "bigint", "birth_date": "date",
               "opened_on": "date", "risk_assessed_on": "date", "risk_expires_on": "date",
               "profile_due_on": "date", "review_due_on": "date"}  # fmt: skip
TEXT_LIMITS = {"client_no": 20, "name": 100, "credit_code": 18, "branch": 20, "owner": 150,
               "id_number": 40, "phone": 30, "phone_alt": 30}  # fmt: skip
CHOICES = {key: frozenset(choices.values) for key, choices in (
    ("client_type", ClientType), ("id_type", IdType), ("account_status", AccountStatus),
    ("investor_class", InvestorClass))}  # fmt: skip
RISK_LEVELS = frozenset(RiskLevel.values)


def _error(result: BulkResult, index: int, client_no, errors: dict) -> None:
    result.errors.append({"index": index, "client_no": str(client_no or "")[:20],
                          "errors": errors})  # fmt: skip


def _text(row: dict, key: str, errors: dict) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        errors[key] = [_("Enter a text value.")]
        return ""
    text = str(value).strip()
    if "\x00" in text:  # PostgreSQL refuses NUL in text
        errors[key] = [_("Remove the NUL character.")]
        return ""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON
        errors[key] = [_("Enter a text value.")]
        return ""
    limit = TEXT_LIMITS.get(key)
    if limit and len(text) > limit:
        errors[key] = [_("At most %(n)d characters.") % {"n": limit}]
        return ""
    return text


def _parse_client_row(row, today: date) -> tuple[dict | None, dict]:
    """The row's values (only the keys it has), or its errors; no query."""
    if not isinstance(row, dict):
        return None, {"non_field_errors": [_("Each row must be an object.")]}
    errors: dict[str, list] = {}
    values: dict[str, Any] = {}
    for key in ("client_no", "name", "branch", "owner"):
        values[key] = _text(row, key, errors)
        if not values[key] and key not in errors:
            errors[key] = [_("This field is required.")]
    for key, choices in CHOICES.items():
        if key in row:
            value = _text(row, key, errors)
            if key == "id_type" and not value:
                values[key] = ""
            elif value in choices:
                values[key] = value
            elif key not in errors:
                errors[key] = [_("Choose one of: %(choices)s.")
                               % {"choices": ", ".join(sorted(choices))}]  # fmt: skip
    for key in ("id_number", "credit_code"):
        if key in row:
            values[key] = _text(row, key, errors).upper()
    if values.get("credit_code") and not credit_code_is_valid(values["credit_code"]):
        errors["credit_code"] = [_("The check character of this credit code is wrong.")]
    for key in ("phone", "phone_alt"):
        if key in row:
            try:
                values[key] = normalize_mobile(_text(row, key, errors))
            except ValidationError as exc:
                errors[key] = [exc.messages[0]]
    if "risk_level" in row:
        level = _text(row, "risk_level", errors).upper()
        if level and level not in RISK_LEVELS:
            errors["risk_level"] = [_("Choose C1 to C5.")]
        values["risk_level"] = level
    for key, future in (("opened_on", _("The opening date cannot be in the future.")),
                        ("risk_assessed_on",
                         _("The assessment date cannot be in the future."))):  # fmt: skip
        if key in row:
            values[key] = parse_date(row.get(key), key, errors, today, future, blank=True)
    return (None if errors else values), errors


def _scope(user):
    staff = staff_of(user)
    if staff is None or staff.role not in LOADERS:
        raise PermissionDenied(_("Only the trading system, HQ or a branch manager may load "
                                 "the client master."))  # fmt: skip
    return staff


def _fetch_existing(numbers: list[str]) -> dict[str, dict]:
    columns = ("id", "client_no", "stage", *COMPARED, *DERIVED)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {', '.join(columns)} FROM clients_client WHERE client_no = ANY(%s)",
            [numbers],
        )
        return {row[1]: dict(zip(columns, row, strict=True)) for row in cur.fetchall()}


def _fetch_hash_holders(hashes: list[str]) -> dict[str, str | None]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number_hash, client_no FROM clients_client WHERE id_number_hash = ANY(%s)",
            [hashes],
        )
        return dict(cur.fetchall())


def _fetch_owners(refs: set[str]) -> dict[str, tuple[int, int, str]]:
    """Staff number or username -> (user id, branch id, role); staff numbers first."""
    found = (
        StaffProfile.objects.filter(Q(staff_no__in=refs) | Q(user__username__in=refs))
        .filter(user__is_active=True)
        .values_list("staff_no", "user__username", "user_id", "branch_id", "role")
    )
    by_username, by_number = {}, {}
    for staff_no, username, user_id, branch_id, role in found:
        by_username[username] = (user_id, branch_id, role)
        if staff_no:
            by_number[staff_no] = (user_id, branch_id, role)
    return {**by_username, **by_number}


def _merge(values: dict, old: dict | None, branch_id: int, owner_id: int,
           today: date) -> tuple[dict, dict]:  # fmt: skip
    """The row's columns over the stored ones (or the defaults of a new client)."""
    errors: dict[str, list] = {}
    new: dict[str, Any] = dict(old) if old else {
        "client_type": ClientType.INDIVIDUAL.value, "id_type": "", "id_number_hash": None,
        "birth_date": None, "gender": "", "phone": "", "phone_alt": "", "credit_code": "",
        "opened_on": today, "account_status": AccountStatus.NORMAL.value,
        "investor_class": InvestorClass.ORDINARY.value, "risk_level": "", "risk_assessed_on": None,
        "id_number_encrypted": "", "name_initials": "", "risk_expires_on": None,
        "region_code": "",
    }  # fmt: skip
    new["client_no"], new["name"] = values["client_no"], values["name"]
    new["branch_id"], new["owner_id"] = branch_id, owner_id
    for key in ("client_type", "id_type", "credit_code", "phone", "phone_alt", "opened_on",
                "account_status", "investor_class", "risk_level", "risk_assessed_on"):  # fmt: skip
        if key in values:
            new[key] = values[key]
    new["_number"] = None
    if "id_number" in values:
        try:
            number, info = identity_number(new["id_type"], values["id_number"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            new["_number"] = number
            new["id_number_hash"] = id_number_hash(new["id_type"], number)
            if info is not None:
                new["birth_date"], new["gender"] = info.birth_date, info.gender
    elif old and "id_type" in values and new["id_type"] != old["id_type"] and old["id_number_hash"]:
        errors["id_number"] = [_("Enter the ID number again when you change its type.")]
    if new["opened_on"] is None:  # an opened account keeps an opening date
        new["opened_on"] = (old and old["opened_on"]) or today
    return new, errors


def clients_upsert(*, user, rows: list) -> BulkResult:
    """Upsert the client master by client number (keys: the module's docstring)."""
    staff = _scope(user)
    result = BulkResult(received=len(rows))
    today = timezone.localdate()
    parsed: list[tuple[int, dict]] = []
    first_of: dict[str, int] = {}
    for index, row in enumerate(rows):
        values, errors = _parse_client_row(row, today)
        if values is None:
            _error(result, index, row.get("client_no") if isinstance(row, dict) else "", errors)
        elif values["client_no"] in first_of:
            _error(result, index, values["client_no"], {"client_no": [
                _("This client number is already in this call (row %(index)d).")
                % {"index": first_of[values["client_no"]]}]})  # fmt: skip
        else:
            first_of[values["client_no"]] = index
            parsed.append((index, values))
    # one query each: the branches, the account managers, the stored clients
    branches = dict(
        Branch.objects.filter(code__in={v["branch"] for _i, v in parsed}).values_list("code", "id")
    )
    owners = _fetch_owners({v["owner"] for _i, v in parsed})
    existing = _fetch_existing([v["client_no"] for _i, v in parsed])
    merged: list[tuple[int, dict, dict | None]] = []
    for index, values in parsed:
        errors = {}
        old = existing.get(values["client_no"])
        branch_id = branches.get(values["branch"])
        owner = owners.get(values["owner"])
        if branch_id is None:
            errors["branch"] = [_("No branch has this code.")]
        elif not staff.sees_all_branches and branch_id != staff.branch_id:
            errors["branch"] = [_("You may only load clients of your own branch.")]
        if old and not staff.sees_all_branches and old["branch_id"] != staff.branch_id:
            errors["client_no"] = [_("This client belongs to a branch outside your scope.")]
        if owner is None or owner[2] not in OWNER_ROLES:
            errors["owner"] = [_("No account manager has this staff number or username.")]
        elif branch_id is not None and owner[1] != branch_id:
            errors["owner"] = [_("The account manager must work in the client's branch.")]
        if errors:
            _error(result, index, values["client_no"], errors)
            continue
        assert owner is not None and branch_id is not None
        new, errors = _merge(values, old, branch_id, owner[0], today)
        if errors:
            _error(result, index, values["client_no"], errors)
            continue
        merged.append((index, new, old))
    # one client per ID: against the other clients, and inside this call
    holders = _fetch_hash_holders(sorted({n["id_number_hash"] for _i, n, _o in merged
                                          if n["id_number_hash"]}))  # fmt: skip
    seen_hash: dict[str, int] = {}
    to_write: list[tuple[dict, dict | None]] = []
    for index, new, old in merged:
        digest, client_no = new["id_number_hash"], new["client_no"]
        if digest and digest in holders and holders[digest] != client_no:
            _error(result, index, client_no,
                   {"id_number": [_("Another client already has this ID number.")]})  # fmt: skip
            continue
        if digest and digest in seen_hash:
            _error(result, index, client_no, {"id_number": [
                _("This ID number is already in this call (row %(index)d).")
                % {"index": seen_hash[digest]}]})  # fmt: skip
            continue
        if digest:
            seen_hash[digest] = index
        if old and all(new[c] == old[c] for c in COMPARED):
            result.unchanged += 1
            continue
        to_write.append((new, old))
    result.errors.sort(key=lambda e: e["index"])
    result.stored = result.unchanged + len(to_write)
    if to_write:
        created, updated = _write_clients(user, to_write)
        result.created, result.updated = created, updated
        result.unchanged += len(to_write) - created - updated  # changed meanwhile to equal
        # a changed risk level is a suitability change, as in risk_assessment_record:
        # its mandatory callback follows (after the commit, only for those clients)
        numbers = [
            new["client_no"]
            for new, old in to_write
            if old and old["risk_level"] and new["risk_level"] != old["risk_level"]
        ]
        if numbers:
            transaction.on_commit(lambda: _suitability_changed(numbers))
    return result


def _suitability_changed(numbers: list[str]) -> None:
    for client in Client.objects.filter(client_no__in=numbers):
        suitability_changed.send(sender=Client, client=client)


def _write_clients(user, to_write: list[tuple[dict, dict | None]]) -> tuple[int, int]:
    """One INSERT ... ON CONFLICT DO UPDATE ... WHERE changed RETURNING, the profile
    completeness of the written rows, and one history line each, in one transaction."""
    years = settings.CRM_RISK_ASSESSMENT_VALID_YEARS
    profile_days = get_policy(PROFILE_POLICY).target_value
    review_days = get_policy(REVIEW_POLICY).target_value
    for new, old in to_write:
        # encryption and pinyin only where the value changed
        if old and new["id_number_hash"] == old["id_number_hash"]:
            new["id_number_encrypted"] = old["id_number_encrypted"]
        elif new["_number"] is not None:
            new["id_number_encrypted"] = encrypt(new["_number"])
            # the ID card's area (clients.regions); another document keeps the address's
            new["region_code"] = region_code(new["id_type"], new["_number"]) or (
                (old or {}).get("region_code")
                if len((old or {}).get("region_code") or "") == 2
                else ""
            )
        if not (old and new["name"] == old["name"] and old["name_initials"]):
            new["name_initials"] = name_initials(new["name"])
        assessed = new["risk_assessed_on"]
        new["risk_expires_on"] = assessed + relativedelta(years=years) if assessed else None
        new["profile_due_on"] = new["opened_on"] + timedelta(days=profile_days)
        new["review_due_on"] = new["opened_on"] + timedelta(days=review_days)
    # a fixed order (client number) whatever order the rows came in: parallel calls
    # with overlapping rows wait for each other instead of deadlocking
    to_write.sort(key=lambda pair: pair[0]["client_no"])
    arrays = ("client_no", *COMPARED, *DERIVED, "profile_due_on", "review_due_on")
    now = timezone.now()
    constants = {"stage": Stage.NEW.value, "created_at": now, "updated_at": now, "version": 1}
    columns: list[str] = []
    selects: list[str] = []
    params: list[Any] = []
    for f in Client._meta.concrete_fields:
        if f.primary_key or f.column in arrays:
            continue
        value = constants[f.column] if f.column in constants else f.get_default()
        columns.append(str(f.column))
        selects.append(f"%s::{f.db_type(connection)}")
        params.append(f.get_db_prep_save(value, connection))
    unnest = ", ".join(f"%s::{ARRAY_TYPES.get(c, 'text')}[]" for c in arrays)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*COMPARED, *DERIVED))
    old_cols = ", ".join(f"clients_client.{c}" for c in COMPARED)
    new_cols = ", ".join(f"EXCLUDED.{c}" for c in COMPARED)
    sql = (
        f"INSERT INTO clients_client ({', '.join((*arrays, *columns))}) "
        f"SELECT r.*, {', '.join(selects)} FROM unnest({unnest}) "
        f"AS r({', '.join(arrays)}) ORDER BY r.client_no "
        f"ON CONFLICT (client_no) DO UPDATE SET {updates}, "
        "version = clients_client.version + 1, updated_at = EXCLUDED.updated_at "
        f"WHERE ({old_cols}) IS DISTINCT FROM ({new_cols}) "
        "RETURNING id, (xmax = 0)"
    )
    values = [[new[c] for new, _old in to_write] for c in arrays]
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [*params, *values])  # the constants come first in the SQL
            written = cur.fetchall()
            ids = [pk for pk, _inserted in written]
            inserted = [pk for pk, was_inserted in written if was_inserted]
            if ids:
                _completeness(cur, ids)
                history_insert(cur, ids, reason=_("Loaded from the client master"),
                               user=user, inserted=inserted, now=now)  # fmt: skip
                from ..retention import closures_record

                closures_record()  # accounts the rows closed: their day and reason
    except IntegrityError as exc:  # another call took an ID number meanwhile
        message = _("Another call changed the same clients at the same time; send the rows again.")
        raise ValidationError({"non_field_errors": [message]}) from exc
    return len(inserted), len(ids) - len(inserted)


def _filled(fields: tuple[str, ...]) -> str:
    parts = " + ".join(f"(COALESCE({f}, '') <> '')::int" for f in fields)
    return f"round(({parts}) * 100.0 / {len(fields)})"


def _completeness(cur, ids: list[int]) -> None:
    """clients.services.profiles.completeness, in SQL for the rows written."""
    score = (f"CASE WHEN client_type = 'institution' THEN {_filled(COMPLETE_INSTITUTION)} "
             f"ELSE {_filled(COMPLETE_INDIVIDUAL)} END")  # fmt: skip
    cur.execute(
        "UPDATE clients_client c SET completeness = s.score, profile_due_on = CASE "
        "WHEN s.score >= 100 THEN NULL ELSE c.profile_due_on END "
        f"FROM (SELECT id, {score} AS score FROM clients_client WHERE id = ANY(%s)) s "
        "WHERE c.id = s.id",
        [ids],
    )


def history_insert(cur, ids: list[int], *, reason: str, now, user=None,
                   inserted: list[int] | tuple = ()) -> None:  # fmt: skip
    """One change-history line per written client (what simple-history saves), one INSERT:
    for writes that bypass `save()` (the bulk load, the nightly lapse of classifications)."""
    model = Client.history.model
    columns = [f.column for f in model._meta.concrete_fields
               if not f.column.startswith("history_")]  # fmt: skip
    cur.execute(
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}, history_date, "
        "history_change_reason, history_type, history_user_id) "
        f"SELECT {', '.join(columns)}, %s, %s, CASE WHEN id = ANY(%s) THEN '+' ELSE '~' END, "
        "%s FROM clients_client WHERE id = ANY(%s) ORDER BY id",
        [now, str(reason)[:100], list(inserted), getattr(user, "pk", None), ids],
    )


# --- Holdings -----------------------------------------------------------------------
def holdings_upsert(*, user, rows: list) -> BulkResult:
    """Upsert holdings by (client number, date, security code); the rows of one client
    and date replace that day's positions. Idempotent: the same rows again write nothing."""
    _scope(user)
    result = BulkResult(received=len(rows))
    today = timezone.localdate()
    parsed: list[tuple[int, dict]] = []
    seen: dict[tuple, int] = {}
    for index, row in enumerate(rows):
        errors: dict[str, list] = {}
        if not isinstance(row, dict):
            _error(result, index, "", {"non_field_errors": [_("Each row must be an object.")]})
            continue
        client_no = _text(row, "client_no", errors)
        if not client_no and "client_no" not in errors:
            errors["client_no"] = [_("This field is required.")]
        day = parse_date(row.get("date"), "date", errors, today,
                         _("The date cannot be in the future."))  # fmt: skip
        item, item_errors = parse_holding(row)
        errors.update(item_errors)
        if errors or item is None:
            _error(result, index, client_no, errors)
            continue
        key = (client_no, day, item["security_code"])
        if key in seen:
            _error(result, index, client_no, {"security_code": [
                _("This security is already in this call for that day (row %(index)d).")
                % {"index": seen[key]}]})  # fmt: skip
            continue
        seen[key] = index
        parsed.append((index, {"client_no": client_no, "date": day, **item}))
    client_ids = dict(
        Client.objects.visible_to(user)
        .filter(client_no__in={v["client_no"] for _i, v in parsed})
        .values_list("client_no", "id")
    )
    good = []
    for index, values in parsed:
        client_id = client_ids.get(values["client_no"])
        if client_id is None:
            _error(result, index, values["client_no"], {"client_no": [_("No such client.")]})
        else:
            good.append({**values, "client_id": client_id})
    result.errors.sort(key=lambda e: e["index"])
    if not good:
        return result
    good.sort(key=lambda v: (v["client_id"], v["date"], v["security_code"]))
    columns = ("client_id", "date", "security_code", "security_name", "quantity", "cost",
               "price")  # fmt: skip
    types = ("bigint", "date", "text", "text", "numeric", "numeric", "numeric")
    compared = ("security_name", "quantity", "cost", "price")
    keys = sorted({(v["client_id"], v["date"]) for v in good})
    arrays = ", ".join(f"%s::{t}[]" for t in types)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in compared)
    old_cols = ", ".join(f"clients_holding.{c}" for c in compared)
    new_cols = ", ".join(f"EXCLUDED.{c}" for c in compared)
    with transaction.atomic(), connection.cursor() as cur:
        # the table is partitioned by month and cannot return xmax (inserted or updated?):
        # the keys already there are read in the same statement, from before the insert
        cur.execute(
            f"WITH src AS (SELECT * FROM unnest({arrays}) AS u({', '.join(columns)})), "
            "old AS (SELECT h.client_id, h.date, h.security_code FROM clients_holding h "
            "JOIN src USING (client_id, date, security_code)), "
            f"up AS (INSERT INTO clients_holding ({', '.join(columns)}) SELECT * FROM src "
            f"ON CONFLICT (client_id, date, security_code) DO UPDATE SET {updates} "
            f"WHERE ({old_cols}) IS DISTINCT FROM ({new_cols}) "
            "RETURNING client_id, date, security_code) "
            "SELECT old.client_id IS NULL FROM up LEFT JOIN old "
            "USING (client_id, date, security_code)",
            [[v[c] for v in good] for c in columns],
        )
        written = [inserted for (inserted,) in cur.fetchall()]
        # positions of those days that the call no longer lists
        cur.execute(
            "DELETE FROM clients_holding h USING unnest(%s::bigint[], %s::date[]) "
            "AS k(client_id, date) WHERE h.client_id = k.client_id AND h.date = k.date "
            "AND NOT EXISTS (SELECT 1 FROM unnest(%s::bigint[], %s::date[], %s::text[]) "
            "AS s(client_id, date, code) WHERE s.client_id = h.client_id "
            "AND s.date = h.date AND s.code = h.security_code)",
            [[k[0] for k in keys], [k[1] for k in keys], [v["client_id"] for v in good],
             [v["date"] for v in good], [v["security_code"] for v in good]],
        )  # fmt: skip
        removed = cur.rowcount
    result.stored = len(good)
    result.created = sum(1 for w in written if w)
    result.updated = len(written) - result.created
    result.unchanged = len(good) - len(written)
    result.removed = removed
    return result


__all__ = ["CLIENT_ROW_KEYS", "HOLDING_ROW_KEYS", "clients_upsert", "holdings_upsert"]
