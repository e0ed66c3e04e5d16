"""The client file: who may change it, how its values are checked, and every write to it
(create, update, open the account, reassign, suitability and data duties, reveal)."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from crm.models import AccessLog, Role, StaffProfile, staff_of
from crm.references import check_branch
from crm.services.access_log import access_log_record
from crm.services.errors import TransitionNotAllowed, check_version
from crm.sla import compute_deadline, get_policy

from ..crypto import encrypt, lookup_hash
from ..models import AccountStatus, Client, ClientType, IdType, RiskAssessment, RiskLevel, Stage
from ..regions import region_code, region_from_address
from ..signals import suitability_changed
from ..validators import IdCardInfo, credit_code_is_valid, normalize_mobile, parse_id_card

PROFILE_POLICY = "client.profile_completion"
REVIEW_POLICY = "client.review"
IDENTITY_POLICY = "client.identity_change"


IDENTITY_FIELDS = ("name", "id_type", "id_number", "birth_date", "gender", "credit_code")
# not the investor class: it changes only when a professional-investor classification is
# approved by a second person (suitability.services)
EDITABLE_FIELDS = (
    "client_type", "name", "id_type", "id_number", "birth_date", "gender", "phone", "phone_alt",
    "email", "address", "occupation", "credit_code", "credit_code_override_reason",
    "legal_representative", "contact_person", "advisor",
    "investment_direction", "expected_return", "risk_control", "risk_preference", "horizon",
    "products_of_interest", "tags", "source", "consent_sms", "consent_email", "grade", "seeks",
    "next_contact_on", "preferred_channel",
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


# --- The rules of one client's values, shared with the bulk load (services.bulk) -----
def identity_number(id_type: str, raw) -> tuple[str, IdCardInfo | None]:
    """The ID number as stored (trimmed, upper case) and, for an ID card, what its digits
    say (birth date, gender). ValidationError ({field: [message]}) for a number without a
    document type or an ID card number whose format, check digit or birth date is wrong."""
    number = str(raw or "").strip().upper()
    if not number:
        return "", None
    if not id_type:
        raise ValidationError({"id_type": [_("Choose the type of the ID document.")]})
    if id_type != IdType.ID_CARD:
        return number, None
    try:
        info = parse_id_card(number)
    except ValidationError as exc:
        raise ValidationError({"id_number": [exc.messages[0]]}) from exc
    return info.number, info


def id_number_hash(id_type: str, number: str) -> str | None:
    """The keyed look-up hash of an ID number (one client per ID: unique)."""
    return lookup_hash(f"{id_type}:{number}") if number else None


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
    given_number: str | None = None
    if "id_number" in values:
        raw = values.pop("id_number")
        try:
            number, info = identity_number(id_type, raw)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                err(name, messages[0])
            number, info = (raw or "").strip().upper(), None
        if info is not None:
            # Birth date and gender come from the ID card, never typed twice.
            values["birth_date"], values["gender"] = info.birth_date, info.gender
        values["id_number_encrypted"] = encrypt(number)
        values["id_number_hash"] = id_number_hash(id_type, number)
        given_number = number
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
    if given_number is not None or "address" in values:
        values["region_code"] = _region(client, id_type, given_number, values)
    return values


def _region(client: Client, id_type: str, number: str | None, values: dict) -> str:
    """The client's region (clients.regions): a new ID card number's area; the number
    unchanged, the area it gave before; else the province of the address."""
    address = values.get("address", client.address)
    if number is not None:
        return region_code(id_type, number, address)
    if id_type == IdType.ID_CARD and len(client.region_code) == 6:
        return client.region_code
    return region_from_address(address)


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
