"""Every write to the client file, with its rules, shared by web views, API and tasks."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from crm.bounds import OUT_OF_RANGE, year_in_range
from crm.models import AccessLog, Role, StaffProfile, staff_of
from crm.references import check_branch
from crm.services import (  # noqa: F401  (ConcurrentUpdate: part of this module's API)
    ConcurrentUpdate,
    TransitionNotAllowed,
    access_log_record,
    check_version,
)
from crm.sla import compute_deadline, get_policy

from .crypto import encrypt, lookup_hash
from .models import (
    AccountStatus,
    Client,
    ClientType,
    Holding,
    IdType,
    RiskAssessment,
    RiskLevel,
    Stage,
)
from .validators import credit_code_is_valid, normalize_mobile, parse_id_card

PROFILE_POLICY = "client.profile_completion"
REVIEW_POLICY = "client.review"
IDENTITY_POLICY = "client.identity_change"


IDENTITY_FIELDS = ("name", "id_type", "id_number", "birth_date", "gender", "credit_code")
EDITABLE_FIELDS = (
    "client_type", "name", "id_type", "id_number", "birth_date", "gender", "phone", "phone_alt",
    "email", "address", "occupation", "credit_code", "credit_code_override_reason",
    "legal_representative", "contact_person", "advisor", "investor_class",
    "investment_direction", "expected_return", "risk_control", "risk_preference", "horizon",
    "products_of_interest", "tags", "source", "consent_sms", "consent_email", "grade", "seeks",
    "next_contact_on",
)  # fmt: skip
COMPLETE_INDIVIDUAL = (
    "name", "id_number_encrypted", "phone", "address", "occupation", "risk_level",
    "investment_direction", "expected_return", "risk_preference", "horizon",
)  # fmt: skip
COMPLETE_INSTITUTION = (
    "name", "credit_code", "legal_representative", "contact_person", "phone", "address",
    "risk_level", "investment_direction", "risk_preference", "horizon",
)  # fmt: skip
# Who may own clients (and be named their owner).
OWNER_ROLES = (Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER)
# Roles that may see sensitive values in full, each view written to the access log.
REVEAL_ROLES = {Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ}
SENSITIVE_FIELDS = ("id_number", "phone", "phone_alt", "name")


# --- Permissions --------------------------------------------------------------------
def can_edit(user, client: Client | None = None) -> bool:
    staff = staff_of(user)
    if staff is None or staff.role not in (Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER, Role.HQ):
        return False
    return client is None or staff.role != Role.ACCOUNT_MANAGER or client.owner_id == user.pk


def can_reveal(user, client: Client) -> bool:
    staff = staff_of(user)
    if staff is None or staff.role not in REVEAL_ROLES:
        return False
    return staff.role != Role.ACCOUNT_MANAGER or client.owner_id == user.pk


def _require_edit(user, client: Client | None = None) -> StaffProfile:
    """The editor's staff profile; PermissionDenied for a role that may not edit."""
    staff = staff_of(user)
    if staff is None or not can_edit(user, client):
        raise PermissionDenied(_("Your role may not change client profiles."))
    return staff


# --- Validation -------------------------------------------------------------------
def name_initials(name: str) -> str:
    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p).lower()[:30]


def completeness(client: Client) -> int:
    fields = (
        COMPLETE_INSTITUTION
        if client.client_type == ClientType.INSTITUTION
        else (COMPLETE_INDIVIDUAL)
    )
    filled = sum(1 for f in fields if getattr(client, f))
    return round(filled * 100 / len(fields))


def _clean(client: Client, data: dict, user) -> dict:
    """Normalise and validate incoming values; return what to set on the client."""
    errors: dict[str, list[str]] = {}
    values = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}

    def err(name: str, message) -> None:
        errors.setdefault(name, []).append(str(message))

    for key in ("name", "address", "occupation", "legal_representative", "contact_person"):
        if key in values and isinstance(values[key], str):
            values[key] = values[key].strip()
    if "name" in values and not values["name"]:
        err("name", _("Enter the client's name."))
    for key in ("phone", "phone_alt"):
        if key in values:
            try:
                values[key] = normalize_mobile(values[key] or "")
            except ValidationError as exc:
                err(key, exc.messages[0])
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError:
            err("email", _("Enter a valid e-mail address."))

    client_type = values.get("client_type", client.client_type)
    id_type = values.get("id_type", client.id_type)
    if "id_number" in values:
        number = (values.pop("id_number") or "").strip().upper()
        if number and not id_type:
            err("id_type", _("Choose the type of the ID document."))
        if number and id_type == IdType.ID_CARD:
            try:
                info = parse_id_card(number)
            except ValidationError as exc:
                err("id_number", exc.messages[0])
            else:
                number = info.number
                # Birth date and gender come from the ID card, never typed twice.
                values["birth_date"], values["gender"] = info.birth_date, info.gender
        values["id_number_encrypted"] = encrypt(number)
        values["id_number_hash"] = lookup_hash(f"{id_type}:{number}") if number else None
        if number and values["id_number_hash"]:
            clash = Client.objects.filter(id_number_hash=values["id_number_hash"]).exclude(
                pk=client.pk
            )
            if clash.exists():
                err("id_number", _("Another client already has this ID number."))
    elif "id_type" in values and values["id_type"] != client.id_type and client.id_number_hash:
        err("id_number", _("Enter the ID number again when you change its type."))
    elif id_type == IdType.ID_CARD and client.id_number_hash:
        # Birth date and gender of an ID card holder come from the number, never typed.
        values.pop("birth_date", None)
        values.pop("gender", None)

    if client_type == ClientType.INSTITUTION and "credit_code" in values:
        code = (values["credit_code"] or "").strip().upper()
        values["credit_code"] = code
        override = (values.get("credit_code_override_reason") or "").strip()
        if code and not credit_code_is_valid(code):
            staff = staff_of(user)
            if not override:
                err(
                    "credit_code",
                    _(
                        "The check character of this credit code is wrong. "
                        "A branch manager may accept it with a reason."
                    ),
                )
            elif staff is None or staff.role not in (Role.BRANCH_MANAGER, Role.HQ):
                err(
                    "credit_code_override_reason",
                    _("Only a branch manager may accept a failing credit code."),
                )
        elif code:
            values["credit_code_override_reason"] = ""
    if values.get("advisor") is not None:
        advisor = staff_of(values["advisor"])
        if advisor is None or advisor.role != Role.ADVISOR:
            err("advisor", _("Choose an investment advisor."))
        else:
            try:
                check_branch(client.branch_id, advisor=values["advisor"])
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if "tags" in values:
        values["tags"] = [t.strip()[:30] for t in values["tags"] or [] if t and t.strip()][:20]
    if errors:
        raise ValidationError(errors)
    return values


def _apply(client: Client, values: dict) -> list[str]:
    changed = []
    for key, value in values.items():
        if getattr(client, key) != value:
            setattr(client, key, value)
            changed.append(key)
    if "name" in changed or not client.name_initials:
        client.name_initials = name_initials(client.name)
    client.completeness = completeness(client)
    if client.completeness >= 100:
        client.profile_due_on = None
    return changed


def _save(client: Client, user, reason: str) -> None:
    client._history_user = user  # type: ignore[attr-defined]  # read by simple_history
    client._change_reason = reason[:100]  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError as exc:
        if "client_no" in str(exc):
            raise ValidationError({"client_no": [_("This client number is taken.")]}) from exc
        if "id_number_hash" in str(exc):
            raise ValidationError(
                {"id_number": [_("Another client already has this ID number.")]}
            ) from exc
        raise


# --- Create, update, open ---------------------------------------------------------
def client_create(*, user, data: dict, reason: str = "") -> Client:
    """Create a potential client (no client number) or an opened account."""
    staff = _require_edit(user)
    owner = data.get("owner") or user
    owner_staff = staff_of(owner)
    if owner_staff is None or owner_staff.role not in OWNER_ROLES:
        raise ValidationError({"owner": [_("The owner must be an account manager.")]})
    if not staff.sees_all_branches and owner_staff.branch_id != staff.branch_id:
        raise ValidationError({"owner": [_("The owner must work in your branch.")]})
    if staff.role == Role.ACCOUNT_MANAGER and owner != user:
        raise PermissionDenied(_("Account managers create clients for themselves."))
    client = Client(branch_id=owner_staff.branch_id, owner=owner)
    values = _clean(client, data, user)
    if not values.get("name"):
        raise ValidationError({"name": [_("Enter the client's name.")]})
    _apply(client, values)
    client_no = (data.get("client_no") or "").strip()
    if client_no:
        _open(client, client_no, data.get("opened_on") or timezone.localdate())
    else:
        client.stage = Stage.POTENTIAL
    _save(client, user, reason or _("Profile created"))
    return client


def _open(client: Client, client_no: str, opened_on: date) -> None:
    if opened_on > timezone.localdate():
        raise ValidationError({"opened_on": [_("The opening date cannot be in the future.")]})
    client.client_no = client_no
    client.opened_on = opened_on
    client.stage = Stage.NEW
    client.account_status = AccountStatus.NORMAL
    client.grade = client.seeks = ""
    client.next_contact_on = None
    if client.completeness < 100:
        client.profile_due_on = opened_on + timedelta(days=get_policy(PROFILE_POLICY).target_value)
    client.review_due_on = opened_on + timedelta(days=get_policy(REVIEW_POLICY).target_value)


def client_open_account(*, user, client: Client, client_no: str, opened_on: date) -> Client:
    """Convert a potential client: the account is opened, the history stays."""
    _require_edit(user, client)
    client_no = (client_no or "").strip()
    if not client_no:
        raise ValidationError({"client_no": [_("Enter the client number.")]})
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        if locked.stage not in (Stage.POTENTIAL, Stage.CHURNED) or (
            locked.client_no and locked.account_status != AccountStatus.CLOSED
        ):
            raise TransitionNotAllowed(_("Only potential clients can open an account."))
        _open(locked, client_no, opened_on)
        locked.version += 1
        _save(locked, user, _("Account opened"))
    return locked


def client_update(
    *, user, client: Client, data: dict, reason: str = "", version: int | None = None
) -> Client:
    """Change profile fields; identity changes need a reason; a stale version is refused."""
    _require_edit(user, client)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        check_version(
            locked, version,
            _("Someone else changed this client since you opened it. Reload and try again."),
        )  # fmt: skip
        values = _clean(locked, data, user)
        changed = _apply(locked, values)
        if not changed:
            return locked
        if any(f in changed for f in (*IDENTITY_FIELDS, "id_number_encrypted")) and not reason:
            raise ValidationError({"reason": [_("Changing identity data needs a reason.")]})
        if any(f in changed for f in (*IDENTITY_FIELDS, "id_number_encrypted")):
            locked.identity_change_reported_at = None
            locked.identity_change_due_at = None
        locked.version += 1
        _save(locked, user, reason or _("Profile updated"))
    return locked


def clients_reassign(*, user, clients, owner, reason: str) -> int:
    """Give one or many clients to another account manager of the same branch."""
    staff = staff_of(user)
    if staff is None or staff.role not in (Role.BRANCH_MANAGER, Role.HQ):
        raise PermissionDenied(_("Only a branch manager may reassign clients."))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give a reason for the reassignment.")]})
    owner_staff = staff_of(owner)
    if owner_staff is None or owner_staff.role != Role.ACCOUNT_MANAGER:
        raise ValidationError({"owner": [_("The new owner must be an account manager.")]})
    count = 0
    with transaction.atomic():
        for client in (
            Client.objects.visible_to(user)
            .select_for_update()
            .filter(pk__in=[c.pk for c in clients])
        ):
            if client.branch_id != owner_staff.branch_id:
                raise ValidationError(
                    {"owner": [_("The new owner must work in the client's branch.")]}
                )
            if client.owner_id == owner.pk:
                continue
            client.owner = owner
            client.version += 1
            _save(client, user, reason.strip())
            count += 1
    return count


# --- Suitability and data duties --------------------------------------------------
def risk_assessment_record(
    *,
    user,
    client: Client,
    assessed_on: date,
    score: int,
    risk_level: str,
    lowest_category: bool = False,
    questionnaire: str = "",
) -> RiskAssessment:
    """Keep the questionnaire result; the client shows the newest one and its expiry."""
    _require_edit(user, client)
    errors = {}
    if risk_level not in RiskLevel.values:
        errors["risk_level"] = [_("Choose C1 to C5.")]
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = [_("The assessment date cannot be in the future.")]
    if not 0 <= int(score) <= 1000:
        errors["score"] = [_("The score must be between 0 and 1000.")]
    if errors:
        raise ValidationError(errors)
    valid_until = assessed_on + relativedelta(years=settings.CRM_RISK_ASSESSMENT_VALID_YEARS)
    with transaction.atomic():
        assessment = RiskAssessment.objects.create(
            client=client, assessed_on=assessed_on, score=score, risk_level=risk_level,
            lowest_category=lowest_category, valid_until=valid_until,
            questionnaire=questionnaire, recorded_by=user,
        )  # fmt: skip
        locked = Client.objects.select_for_update().get(pk=client.pk)
        if locked.risk_assessed_on is None or assessed_on >= locked.risk_assessed_on:
            if locked.risk_level and (locked.risk_level, locked.lowest_category) != (
                risk_level,
                lowest_category,
            ):
                from .signals import suitability_changed

                transaction.on_commit(
                    lambda: suitability_changed.send(sender=Client, client=locked)
                )
            locked.risk_level = risk_level
            locked.lowest_category = lowest_category
            locked.risk_assessed_on = assessed_on
            locked.risk_expires_on = valid_until
            locked.completeness = completeness(locked)
            if locked.completeness >= 100:
                locked.profile_due_on = None
            locked.version += 1
            _save(locked, user, _("Risk assessment recorded"))
    return assessment


def client_mark_reviewed(*, user, client: Client, on: date | None = None) -> Client:
    _require_edit(user, client)
    on = on or timezone.localdate()
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        locked.reviewed_on = on
        locked.review_due_on = on + timedelta(days=get_policy(REVIEW_POLICY).target_value)
        locked.version += 1
        _save(locked, user, _("Yearly profile review"))
    return locked


def client_report_identity_change(*, user, client: Client, note: str) -> Client:
    """The client reported new identity data: it must be recorded within the time limit."""
    _require_edit(user, client)
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say what changed.")]})
    now = timezone.now()
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        locked.identity_change_reported_at = now
        locked.identity_change_due_at = compute_deadline(get_policy(IDENTITY_POLICY), now)
        locked.version += 1
        _save(locked, user, _("Identity change reported: %(note)s") % {"note": note.strip()})
    return locked


def client_reveal(*, user, client: Client, field: str, request=None) -> str:
    """The full value of a masked field, written to the access log."""
    if field not in SENSITIVE_FIELDS:
        raise ValidationError({"field": [_("This field cannot be revealed.")]})
    if not can_reveal(user, client):
        raise PermissionDenied(_("Your role may not see this value in full."))
    value = client.id_number if field == "id_number" else getattr(client, field)
    access_log_record(
        user=user, obj=client, field=field, request=request, action=AccessLog.Action.REVEAL
    )
    return value


# --- Account facts from the trading system -----------------------------------------
SNAPSHOT_NUMBERS = ("total_assets", "cash", "market_value", "net_inflow", "trading_volume",
                    "commission")  # fmt: skip


@dataclass
class BulkResult:
    received: int = 0
    stored: int = 0
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"received": self.received, "stored": self.stored, "errors": self.errors}


def _decimal(value, name, errors, *, required=False, minimum=None):
    if value in (None, ""):
        if required:
            errors[name] = [_("This field is required.")]
        return Decimal(0)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[name] = [_("Enter a number.")]
        return Decimal(0)
    if not number.is_finite() or abs(number) >= Decimal("1e16"):
        errors[name] = [_("This number is out of range.")]
        return Decimal(0)
    if minimum is not None and number < minimum:
        errors[name] = [_("This number cannot be negative.")]
    return number.quantize(Decimal("0.01"))


def _parse_snapshot_row(row, today: date) -> tuple[dict | None, dict]:
    errors: dict[str, list] = {}
    if not isinstance(row, dict):
        return None, {"non_field_errors": [_("Each row must be an object.")]}
    client_no = str(row.get("client_no") or "").strip()
    if not client_no:
        errors["client_no"] = [_("This field is required.")]
    elif "\x00" in client_no:  # PostgreSQL refuses NUL in text (found by fuzzing)
        errors["client_no"] = [_("Remove the NUL character.")]
    raw_date = row.get("date")
    try:
        day = raw_date if isinstance(raw_date, date) else date.fromisoformat(str(raw_date)[:10])
        if day > today:
            errors["date"] = [_("The date cannot be in the future.")]
        elif not year_in_range(day.year):
            errors["date"] = [OUT_OF_RANGE]
    except (TypeError, ValueError):
        day = None
        errors["date"] = [_("Enter a date as YYYY-MM-DD.")]
    parsed: dict[str, Any] = {"client_no": client_no, "date": day}
    for name in SNAPSHOT_NUMBERS:
        parsed[name] = _decimal(
            row.get(name),
            name,
            errors,
            required=name == "total_assets",
            minimum=0 if name not in ("net_inflow",) else None,
        )
    try:
        trade_count = int(row.get("trade_count") or 0)
        if trade_count < 0 or trade_count > 2**31 - 1:
            raise ValueError
        parsed["trade_count"] = trade_count
    except (TypeError, ValueError):
        errors["trade_count"] = [_("Enter a whole number, 0 or more.")]
    holdings = row.get("holdings")
    parsed["holdings"] = None
    if holdings is not None:
        if not isinstance(holdings, list):
            errors["holdings"] = [_("Holdings must be a list.")]
        else:
            items: list[dict] = []
            parsed["holdings"] = items
            for i, h in enumerate(holdings):
                h_errors: dict = {}
                if not isinstance(h, dict) or not str(h.get("security_code") or "").strip():
                    errors[f"holdings[{i}]"] = [_("Each holding needs a security_code.")]
                    continue
                item = {
                    "security_code": str(h["security_code"]).strip()[:20],
                    "security_name": str(h.get("security_name") or "")[:50],
                    "quantity": _decimal(h.get("quantity"), "quantity", h_errors, required=True),
                    "cost": _decimal(h.get("cost"), "cost", h_errors, minimum=0),
                    "price": _decimal(h.get("price"), "price", h_errors, minimum=0),
                }
                if "\x00" in item["security_code"] + item["security_name"]:
                    h_errors["security_code"] = [_("Remove the NUL character.")]
                if h_errors:
                    errors[f"holdings[{i}]"] = [f"{k}: {v[0]}" for k, v in h_errors.items()]
                items.append(item)
            codes = [h["security_code"] for h in items]
            if len(codes) != len(set(codes)):
                errors["holdings"] = [_("A security appears twice.")]
    return (None if errors else parsed), errors


SNAPSHOT_VERSION_KEY = "clients:snapshot-version"


def snapshot_version() -> int:
    """A number that changes whenever account snapshots are stored (keys dashboard caches)."""
    from django.core.cache import cache

    return int(cache.get_or_set(SNAPSHOT_VERSION_KEY, time.time_ns, None) or 0)


def snapshots_changed() -> None:
    from django.core.cache import cache

    transaction.on_commit(lambda: cache.set(SNAPSHOT_VERSION_KEY, time.time_ns(), None))


def snapshots_upsert(*, user, rows: list) -> BulkResult:
    """Upsert snapshots by (client number, date) in a few set-based statements.

    Idempotent: the same rows twice leave one row per (client, date). Bad rows are
    reported with their index and never stored; good rows of the same call are.
    """
    result = BulkResult(received=len(rows))
    parsed: list[tuple[int, dict]] = []
    today = timezone.localdate()
    for index, row in enumerate(rows):
        values, errors = _parse_snapshot_row(row, today)
        if values is None:
            result.errors.append(
                {"index": index, "client_no": _client_no_of(row), "errors": errors}
            )
        else:
            parsed.append((index, values))
    numbers = {v["client_no"] for _i, v in parsed}
    client_ids = dict(
        Client.objects.visible_to(user).filter(client_no__in=numbers).values_list("client_no", "id")
    )
    latest: dict[tuple[int, date], tuple[int, dict]] = {}
    for index, values in parsed:
        client_id = client_ids.get(values["client_no"])
        if client_id is None:
            result.errors.append(
                {
                    "index": index,
                    "client_no": values["client_no"],
                    "errors": {"client_no": [_("No such client.")]},
                }
            )
            continue
        latest[(client_id, values["date"])] = (index, values)  # the last row of a key wins
    result.errors.sort(key=lambda e: e["index"])
    if not latest:
        return result
    now = timezone.now()
    # Rows are written in one fixed order, (client, date), whatever the order sent: two
    # calls with overlapping rows then lock them in the same order, and the second waits
    # for the first instead of deadlocking with it. The holdings of a key are only
    # written by the call holding that key's snapshot row.
    keys = sorted(latest)
    rows_in_order = [latest[key][1] for key in keys]
    with_holdings = {key: latest[key][1]["holdings"] for key in keys
                     if latest[key][1]["holdings"] is not None}  # fmt: skip
    # One INSERT ... SELECT FROM unnest(arrays) ... ON CONFLICT DO UPDATE: a single
    # statement whatever the number of rows, without per-row SQL compilation.
    columns = ", ".join(SNAPSHOT_NUMBERS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*SNAPSHOT_NUMBERS, "trade_count",
                                                          "received_at"))  # fmt: skip
    numeric_arrays = ", ".join("%s::numeric[]" for _c in SNAPSHOT_NUMBERS)
    compared = (*SNAPSHOT_NUMBERS, "trade_count")
    unchanged_old = ", ".join(f"clients_accountsnapshot.{c}" for c in compared)
    unchanged_new = ", ".join(f"EXCLUDED.{c}" for c in compared)
    sql = (
        f"INSERT INTO clients_accountsnapshot (client_id, date, {columns}, trade_count, "
        f"received_at) SELECT *, %s::timestamptz FROM unnest(%s::bigint[], %s::date[], "
        f"{numeric_arrays}, %s::integer[]) ORDER BY 1, 2 "
        f"ON CONFLICT (client_id, date) DO UPDATE SET {updates} "
        # the same row sent again writes nothing
        f"WHERE ({unchanged_old}) IS DISTINCT FROM ({unchanged_new})"
    )
    params: list[Any] = [now, [k[0] for k in keys], [k[1] for k in keys],
                         *[[v[c] for v in rows_in_order] for c in SNAPSHOT_NUMBERS],
                         [v["trade_count"] for v in rows_in_order]]  # fmt: skip
    from django.db import connection

    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(sql, params)
        if with_holdings:
            _replace_holdings(with_holdings)
        snapshots_changed()
    result.stored = len(keys)
    return result


def _replace_holdings(by_key: dict) -> None:
    from django.db import connection

    keys = list(by_key)
    with connection.cursor() as cur:
        for start in range(0, len(keys), 2000):
            chunk = keys[start : start + 2000]
            cur.execute(
                "DELETE FROM clients_holding h USING unnest(%s::bigint[], %s::date[]) "
                "AS k(client_id, date) WHERE h.client_id = k.client_id AND h.date = k.date",
                [[c for c, _d in chunk], [d for _c, d in chunk]],
            )
    Holding.objects.bulk_create(
        [Holding(client_id=cid, date=day, **h) for (cid, day), items in by_key.items()
         for h in items],
        batch_size=2000,
    )  # fmt: skip


def _client_no_of(row) -> str:
    return str(row.get("client_no") or "")[:20] if isinstance(row, dict) else ""


# --- Data key rotation --------------------------------------------------------------
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
    from cryptography.fernet import InvalidToken
    from django.db import connection

    from .crypto import encrypted_columns, is_current, rotate

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
                    if is_current(token):
                        result.current += 1
                        continue
                    try:
                        new = rotate(token)
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
