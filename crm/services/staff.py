"""Members of staff: their branch, role and team; the organisation import; leavers.

The staff import (`staff_upsert`) and the branch import (`branches_upsert`) take rows as
dicts, from the API (`POST /api/v1/staff/bulk/`, `/api/v1/branches/bulk/`) or from a
file whose columns are headed as in COLUMN_LABELS / BRANCH_COLUMN_LABELS:

    staff_no      工号       the key: a row with a known staff number updates that person
    username      登录名     optional; a new person's login is this or their staff number
    name          姓名       full name; the first character is the family name (two for
                             欧阳, 司马, ...), unless family_name / given_name are given
    role          角色       a role key (account_manager) or its name (客户经理, 经纪人, ...)
    branch_code   营业部代码  the code of an existing branch
    team          团队       free text (财富一组); an empty cell clears it
    email         电子邮箱    an empty cell clears it
    phone         电话       office phone; an empty cell clears it
    active        在职       是/否, 在职/离职, true/false, 1/0; empty keeps it as it is

Only headquarters staff and headquarters systems import the organisation: the branches
and who works where are the personnel department's, at HQ; a branch manager sees and
reassigns their branch's people but does not hire them.

A person who leaves is deactivated, never deleted (`staff_deactivate`, or `在职 = 否` in an
import): they can no longer sign in, their records keep their name, and their open work
stays where it is but is listed for the branch manager, who is notified ("王五 已离职，名下
3 位客户待重新分配"). The kernel does not know what work an app gives a person: apps
register a `LeaverWork` counter (`register_leaver_work`), the clients app its clients.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..bulk import BulkResult
from ..models import Branch, Role, StaffProfile, Todo, person_name, staff_of
from ..notifications import notify

# --- The import's columns ---------------------------------------------------------------
COLUMNS = ("staff_no", "name", "role", "branch_code", "team", "email", "phone", "active")
COLUMN_LABELS = {
    "staff_no": "工号",
    "username": "登录名",
    "name": "姓名",
    "family_name": "姓",
    "given_name": "名",
    "role": "角色",
    "branch_code": "营业部代码",
    "team": "团队",
    "email": "电子邮箱",
    "phone": "电话",
    "active": "在职",
}
BRANCH_COLUMNS = ("code", "name", "kind", "active")
BRANCH_COLUMN_LABELS = {
    "code": "营业部代码",
    "name": "营业部名称",
    "kind": "类型",
    "active": "启用",
}
# The most rows one call takes (a headquarters of a few thousand staff fits in one).
STAFF_BULK_MAX_ROWS = 5000

# Names the personnel files use for the roles, besides the keys and the roles' own names.
ROLE_ALIASES = {
    "经纪人": Role.ACCOUNT_MANAGER,
    "投顾": Role.ADVISOR,
    "回访专员": Role.SERVICE_AGENT,
    "客服": Role.SERVICE_AGENT,
    "营业部总经理": Role.BRANCH_MANAGER,
    "负责人": Role.BRANCH_MANAGER,
    "合规": Role.COMPLIANCE,
    "总部": Role.HQ,
}
KIND_ALIASES = {"总部": Branch.Kind.HEADQUARTERS, "营业部": Branch.Kind.BRANCH}
TRUE_WORDS = {"1", "true", "yes", "y", "是", "在职", "启用", "有效"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "离职", "停用", "无效"}
COMPOUND_SURNAMES = frozenset(
    ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
     "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "申屠",
     "太史", "闻人", "万俟", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于")
)  # fmt: skip
STAFF_NO = re.compile(r"[0-9A-Za-z_-]{1,32}")
BRANCH_CODE = re.compile(r"[0-9A-Za-z_-]{1,16}")
PHONE = re.compile(r"[0-9+\-() ]{0,20}")
MISSING = object()  # a column the row does not have: the stored value stays

# --- Leavers' open work ------------------------------------------------------------------


@dataclass(frozen=True)
class LeaverWork:
    """Open work an app gives a person, counted for many people in one query."""

    counts: Callable[[list[int]], dict[int, int]]  # user ids -> {user id: open items}
    describe: Callable[[int], str]  # n -> "名下 3 位客户待重新分配"
    url: Callable[[], str] | str = ""  # the list where it is handed on
    order: int = 50  # where it comes in the notification (the clients first)


_leaver_work: dict[str, LeaverWork] = {}


def register_leaver_work(key: str, work: LeaverWork) -> None:
    _leaver_work[key] = work


def _open_todos(user_ids: list[int]) -> dict[int, int]:
    rows = (
        Todo.objects.filter(assignee_id__in=user_ids, status=Todo.Status.OPEN)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return {r["assignee_id"]: r["n"] for r in rows}


register_leaver_work(
    "todos",
    LeaverWork(
        counts=_open_todos,
        describe=lambda n: _("%(n)d open to-dos") % {"n": n},
        order=90,
    ),
)


# --- Helpers ------------------------------------------------------------------------------
def _require_hq(user) -> None:
    staff = staff_of(user)
    allowed = staff is not None and (
        staff.role == Role.HQ or (staff.role == Role.INTEGRATION and staff.sees_all_branches)
    )
    if not allowed:
        raise PermissionDenied(_("Only headquarters may import or change the organisation."))


def _text(row: dict, key: str, limit: int, errors: dict, *, required=False):
    """The stripped text of a column, MISSING when the row has no such column."""
    if key not in row:
        if required:
            errors[key] = [_("This field is required.")]
        return MISSING
    raw = row.get(key)
    value = "" if raw is None else str(raw).strip()
    if isinstance(raw, (dict, list)):
        errors[key] = [_("Enter a text.")]
        return ""
    if "\x00" in value:
        errors[key] = [_("Remove the NUL character.")]
        return ""
    if required and not value:
        errors[key] = [_("This field is required.")]
    elif len(value) > limit:
        errors[key] = [_("At most %(n)d characters.") % {"n": limit}]
    return value


def _given(value) -> str:
    return "" if value is MISSING else value


def _flag(row: dict, key: str, errors: dict) -> bool | None:
    raw = row.get(key)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    if word:
        errors[key] = [_("Write 是 or 否.")]
    return None


def role_of(value: str) -> str | None:
    """A role from its key, its English or Chinese name, or a personnel file's word."""
    value = value.strip()
    if value in Role.values:
        return value
    if value in ROLE_ALIASES:
        return ROLE_ALIASES[value]
    with translation.override("en"):
        for key, label in Role.choices:
            if value.lower() == str(label).lower():
                return key
    with translation.override("zh-hans"):
        for key, label in Role.choices:
            if value == str(label):
                return key
    return None


def split_name(name: str) -> tuple[str, str]:
    """(family name, given name): 王建国 -> (王, 建国), 欧阳娜娜 -> (欧阳, 娜娜),
    Anna Smith -> (Smith, Anna)."""
    name = name.strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in name):
        name = name.replace(" ", "")
        if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
            return name[:2], name[2:]
        return name[:1], name[1:]
    if " " in name:
        given, family = name.rsplit(" ", 1)
        return family, given
    return "", name


def _row_key(row, key: str) -> str:
    return str(row.get(key) or "")[:32] if isinstance(row, dict) else ""


# --- Branches ----------------------------------------------------------------------------
def _parse_branch_row(row) -> tuple[dict | None, dict]:
    if not isinstance(row, dict):
        return None, {"non_field_errors": [_("Each row must be an object.")]}
    errors: dict[str, list] = {}
    code = _text(row, "code", 16, errors, required=True)
    if "code" not in errors and not BRANCH_CODE.fullmatch(code):
        errors["code"] = [_("Letters, digits, - and _ only.")]
    name = _text(row, "name", 100, errors, required=True)
    kind = _text(row, "kind", 20, errors)
    if kind is not MISSING and kind:
        kind = KIND_ALIASES.get(kind, kind.lower())
        if kind not in Branch.Kind.values:
            errors["kind"] = [_("Write 总部 or 营业部.")]
    active = _flag(row, "active", errors)
    if errors:
        return None, errors
    kind = _given(kind) or MISSING
    return {"code": code, "name": name, "kind": kind, "active": active}, errors


def branches_upsert(*, user, rows: list) -> BulkResult:
    """Create or update branches by code, in a fixed number of queries. A branch is
    never deleted: `active = 否` closes it. Identical rows write nothing."""
    _require_hq(user)
    result = BulkResult(received=len(rows))
    parsed: dict[str, tuple[int, dict]] = {}
    for index, row in enumerate(rows):
        values, errors = _parse_branch_row(row)
        if values is not None and values["code"] in parsed:
            errors = {"code": [_("This code is already in an earlier row of this call.")]}
        if errors or values is None:
            result.errors.append({"index": index, "code": _row_key(row, "code"), "errors": errors})
            continue
        parsed[values["code"]] = (index, values)
    if not parsed:
        return result
    existing = {b.code: b for b in Branch.objects.filter(code__in=list(parsed))}
    hq_id = Branch.objects.filter(kind=Branch.Kind.HEADQUARTERS).values_list("pk", flat=True)
    hq = next(iter(hq_id), None)
    new: list[Branch] = []
    changed: list[Branch] = []
    fields: set[str] = set()
    for code, (index, values) in parsed.items():
        branch = existing.get(code) or Branch(code=code, kind=Branch.Kind.BRANCH)
        wanted = {"name": values["name"]}
        if values["kind"] is not MISSING:
            wanted["kind"] = values["kind"]
        if values["active"] is not None:
            wanted["is_active"] = values["active"]
        if wanted.get("kind") == Branch.Kind.HEADQUARTERS and hq not in (None, branch.pk):
            result.errors.append({"index": index, "code": code, "errors": {
                "kind": [_("There is one headquarters already.")]}})  # fmt: skip
            continue
        diff = {k: v for k, v in wanted.items() if getattr(branch, k) != v}
        for key, value in diff.items():
            setattr(branch, key, value)
        if branch.pk is None:
            if branch.kind == Branch.Kind.HEADQUARTERS:
                hq = -1  # one headquarters per call too
            new.append(branch)
            result.created += 1
        elif diff:
            changed.append(branch)
            fields.update(diff)
            result.updated += 1
        else:
            result.unchanged += 1
    result.errors.sort(key=lambda e: e["index"])
    try:
        with transaction.atomic():
            Branch.objects.bulk_create(new)
            if changed:
                Branch.objects.bulk_update(changed, sorted(fields))
    except IntegrityError as exc:
        raise ValidationError(_("Another import changed the same rows; send them again.")) from exc
    result.stored = result.created + result.updated + result.unchanged
    return result


# --- Staff -------------------------------------------------------------------------------
def _parse_staff_row(row) -> tuple[dict | None, dict]:
    if not isinstance(row, dict):
        return None, {"non_field_errors": [_("Each row must be an object.")]}
    errors: dict[str, list] = {}
    values: dict = {}
    staff_no = _text(row, "staff_no", 32, errors, required=True)
    if "staff_no" not in errors and not STAFF_NO.fullmatch(staff_no):
        errors["staff_no"] = [_("Letters, digits, - and _ only.")]
    values["staff_no"] = staff_no
    username = _text(row, "username", 150, errors)
    if username is not MISSING and username:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError as exc:
            errors["username"] = list(exc.messages)
    values["username"] = username if username is not MISSING and username else staff_no
    family = _given(_text(row, "family_name", 50, errors))
    given = _given(_text(row, "given_name", 50, errors))
    if family or given:
        values["last_name"], values["first_name"] = family, given
    else:
        name = _text(row, "name", 50, errors, required=True)
        if isinstance(name, str):
            values["last_name"], values["first_name"] = split_name(name)
    role = _text(row, "role", 40, errors, required=True)
    if "role" not in errors:
        values["role"] = role_of(role)
        if values["role"] is None:
            errors["role"] = [_("Unknown role.")]
    values["branch_code"] = _text(row, "branch_code", 16, errors, required=True)
    values["team"] = _text(row, "team", 50, errors)
    email = _text(row, "email", 254, errors)
    if email is not MISSING and email and "email" not in errors:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    values["email"] = email
    phone = _text(row, "phone", 20, errors)
    if phone is not MISSING and "phone" not in errors and not PHONE.fullmatch(phone):
        errors["phone"] = [_("Digits, spaces, +, - and brackets only.")]
    values["phone"] = phone
    values["active"] = _flag(row, "active", errors)
    return (None if errors else values), errors


def _role_groups() -> dict[str, Group]:
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    missing = [Group(name=role) for role in Role.values if role not in groups]
    if missing:  # only before the first migrate's post_migrate made them
        Group.objects.bulk_create(missing, ignore_conflicts=True)
        groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    return groups


def _set_role_groups(roles_by_user: dict[int, str]) -> None:
    """Each user's role group and no other role group, in three queries."""
    if not roles_by_user:
        return
    groups = _role_groups()
    through = get_user_model().groups.through
    through.objects.filter(
        user_id__in=list(roles_by_user), group_id__in=[g.pk for g in groups.values()]
    ).delete()
    through.objects.bulk_create(
        [through(user_id=uid, group_id=groups[role].pk) for uid, role in roles_by_user.items()]
    )


def staff_assign(*, user, branch: Branch, role: str, team: str = "") -> StaffProfile:
    """Give a user a branch and a role; the Django group of the role follows."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    with transaction.atomic():
        profile, _created = StaffProfile.objects.update_or_create(
            user=user, defaults={"branch": branch, "role": role, "team": team}
        )
        _set_role_groups({user.pk: role})
    return profile


def staff_upsert(*, user, rows: list) -> BulkResult:
    """Create or update staff by staff number, in a fixed number of queries per call.

    A row whose staff number is unknown may take over the profile of an existing login of
    that username that has no staff number yet (staff made before the first import); else
    it creates the user, with an unusable password (they sign in through the directory or
    once an administrator sets one). Identical rows write nothing. `active = 否` deactivates
    (see `staff_deactivate`); `active = 是` takes a person back.
    """
    _require_hq(user)
    user_model = get_user_model()
    result = BulkResult(received=len(rows))
    parsed: list[tuple[int, dict]] = []
    numbers: set[str] = set()
    for index, row in enumerate(rows):
        values, errors = _parse_staff_row(row)
        if values is not None and values["staff_no"] in numbers:
            values, errors = (
                None,
                {"staff_no": [_("This staff number is already in an earlier row of this call.")]},
            )
        if values is None:
            result.errors.append(
                {"index": index, "staff_no": _row_key(row, "staff_no"), "errors": errors}
            )
            continue
        numbers.add(values["staff_no"])
        parsed.append((index, values))

    def refuse(index, values, field, message):
        result.errors.append(
            {"index": index, "staff_no": values["staff_no"], "errors": {field: [message]}}
        )

    codes = {v["branch_code"] for _i, v in parsed}
    branches = {b.code: b for b in Branch.objects.filter(code__in=codes)} if codes else {}
    profiles = {
        p.staff_no: p
        for p in StaffProfile.objects.select_related("user").filter(staff_no__in=numbers)
    } if numbers else {}  # fmt: skip
    wanted_logins = {v["username"] for _i, v in parsed if v["staff_no"] not in profiles}
    logins = {
        u.username: u
        for u in user_model.objects.select_related("staff").filter(username__in=wanted_logins)
    } if wanted_logins else {}  # fmt: skip

    today = timezone.localdate()
    new_users: list[Any] = []
    new_profiles: list[tuple[Any, StaffProfile]] = []
    changed_users: dict[int, Any] = {}
    changed_profiles: dict[int, StaffProfile] = {}
    user_fields: set[str] = set()
    profile_fields: set[str] = set()
    roles_by_user: dict[int, str] = {}
    leavers: list[StaffProfile] = []
    taken_logins: set[str] = set()
    for index, values in parsed:
        branch = branches.get(values["branch_code"])
        if branch is None:
            refuse(index, values, "branch_code", _("No branch has this code."))
            continue
        profile = profiles.get(values["staff_no"])
        person = profile.user if profile is not None else logins.get(values["username"])
        if profile is None and person is not None:
            existing = getattr(person, "staff", None)
            if existing is not None and existing.staff_no:
                message = _("This login belongs to staff number %(no)s.")
                refuse(index, values, "username", message % {"no": existing.staff_no})
                continue
            profile = existing
        if profile is None and values["username"] in taken_logins:
            refuse(index, values, "username", _("This login is already in an earlier row."))
            continue
        taken_logins.add(values["username"])
        wanted_user = {"first_name": values["first_name"], "last_name": values["last_name"]}
        if values["email"] is not MISSING:
            wanted_user["email"] = values["email"]
        if values["active"] is not None:
            wanted_user["is_active"] = values["active"]
        wanted_profile = {"branch_id": branch.pk, "role": values["role"],
                          "staff_no": values["staff_no"]}  # fmt: skip
        for key in ("team", "phone"):
            if values[key] is not MISSING:
                wanted_profile[key] = values[key]
        if values["active"] is False and (person is None or person.is_active):
            wanted_profile["left_on"] = today
        elif values["active"] is True:
            wanted_profile["left_on"] = None
        if person is None:  # a new login
            person = user_model(username=values["username"], **wanted_user)
            person.set_unusable_password()
            new_users.append(person)
            new_profiles.append((person, StaffProfile(**wanted_profile)))
            result.created += 1
            continue
        diff_user = {k: v for k, v in wanted_user.items() if getattr(person, k) != v}
        for key, value in diff_user.items():
            setattr(person, key, value)
        if diff_user:
            changed_users[person.pk] = person
            user_fields.update(diff_user)
        if profile is None:  # a login without a profile: it gets one
            profile = StaffProfile(user=person, **wanted_profile)
            new_profiles.append((person, profile))
            roles_by_user[person.pk] = values["role"]
            result.updated += 1
            continue
        diff_profile = {k: v for k, v in wanted_profile.items() if getattr(profile, k) != v}
        for key, value in diff_profile.items():
            setattr(profile, key, value)
        if diff_profile:
            changed_profiles[profile.pk] = profile
            profile_fields.update(diff_profile)
        if "role" in diff_profile:
            roles_by_user[person.pk] = values["role"]
        if diff_user.get("is_active") is False:
            profile.user = person
            leavers.append(profile)
        if diff_user or diff_profile:
            result.updated += 1
        else:
            result.unchanged += 1
    result.errors.sort(key=lambda e: e["index"])
    if not (new_users or new_profiles or changed_users or changed_profiles):
        result.stored = result.unchanged
        return result
    try:
        with transaction.atomic():
            if new_users:
                user_model.objects.bulk_create(new_users)
            if changed_users:
                user_model.objects.bulk_update(list(changed_users.values()), sorted(user_fields))
            for person, profile in new_profiles:
                profile.user = person
                roles_by_user[person.pk] = profile.role
            if new_profiles:
                StaffProfile.objects.bulk_create([p for _u, p in new_profiles])
            if changed_profiles:
                StaffProfile.objects.bulk_update(
                    list(changed_profiles.values()), sorted(profile_fields)
                )
            _set_role_groups(roles_by_user)
            if leavers:
                _notify_leavers(leavers, by=user)
    except IntegrityError as exc:
        raise ValidationError(_("Another import changed the same rows; send them again.")) from exc
    result.stored = result.created + result.updated + result.unchanged
    return result


# --- Leavers -----------------------------------------------------------------------------
def leaver_work(user_ids: list[int]) -> dict[int, list[tuple[str, int, str]]]:
    """Per leaver, their open work: [(key, count, url)] for what they still have."""
    found: dict[int, list[tuple[str, int, str]]] = {uid: [] for uid in user_ids}
    for key, work in sorted(_leaver_work.items(), key=lambda kv: kv[1].order):
        url = work.url() if callable(work.url) else work.url
        for uid, n in work.counts(user_ids).items():
            if n:
                found.setdefault(uid, []).append((key, n, url))
    return found


def _notify_leavers(profiles: list[StaffProfile], *, by, reason: str = "") -> None:
    """Tell each leaver's branch managers what the leaver leaves behind, one notification
    per leaver and manager, in a fixed number of queries."""
    work = leaver_work([p.user_id for p in profiles])
    managers: dict[int, list] = {}
    for manager in (
        get_user_model()
        .objects.filter(
            is_active=True,
            staff__role=Role.BRANCH_MANAGER,
            staff__branch_id__in={p.branch_id for p in profiles},
        )
        .select_related("staff")
    ):
        managers.setdefault(manager.staff.branch_id, []).append(manager)
    for profile in profiles:
        recipients = [m for m in managers.get(profile.branch_id, []) if m.pk != profile.user_id]
        if not recipients:
            continue
        items = work.get(profile.user_id, [])
        parts = [_leaver_work[key].describe(n) for key, n, _url in items]
        name = person_name(profile.user)
        if parts:
            title = _("%(name)s has left; %(work)s") % {"name": name, "work": "；".join(parts)}
        else:
            title = _("%(name)s has left.") % {"name": name}
        url = next((u for _k, _n, u in items if u), "")
        notify(users=recipients, title=title, body=reason, url=url, kind="staff.left")


def staff_deactivate(*, user, staff: StaffProfile, on: date | None = None, reason: str = ""):
    """A member of staff left: they can no longer sign in (sessions and tokens end with
    it), nothing of theirs is deleted, and their branch managers are told what they
    leave. Doing it again changes nothing."""
    _require_hq(user)
    if staff.user_id == user.pk:
        raise ValidationError(_("You cannot deactivate yourself."))
    left_on = on or timezone.localdate()
    if left_on > timezone.localdate():
        raise ValidationError({"on": [_("The date cannot be in the future.")]})
    if len(reason) > 200 or "\x00" in reason:
        raise ValidationError({"reason": [_("At most %(n)d characters.") % {"n": 200}]})
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().select_related("user").get(pk=staff.pk)
        person = profile.user
        if not person.is_active:
            return profile
        person.is_active = False
        person.save(update_fields=["is_active"])
        profile.left_on = left_on
        profile.save(update_fields=["left_on"])
        _notify_leavers([profile], by=user, reason=reason.strip())
    return profile
