"""The catalogue's writes: one product by form or API, many by the bulk API and the file
import (the same row rules), a document link. HQ only; everyone else reads.

Row keys (a product form, `POST products/`, `products/bulk/` and the import file):

    code          required; at most 20 characters; the key of the upsert
    name          required; at most 100 characters
    product_type  stock, fund, wealth, bond, structured, options, private_fund, other
                  (or its Chinese name: 股票, 基金, 理财产品…)
    issuer        at most 100 characters
    risk_level    required; R1..R5
    status        on_sale (default) or closed (or 在售 / 已结束)
    starts_on, ends_on   YYYY-MM-DD or empty; the end not before the start
    description   text

A key left out keeps the stored value of an existing product. A change of the risk level
sends `product_level_changed`: the open advice naming the product is checked again."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from clients.services import BulkResult
from clients.services.profiles import name_initials
from crm.bounds import year_in_range
from crm.models import Role, staff_of

from .models import Product, ProductDocument, ProductStatus, ProductType, RiskLevel
from .signals import product_level_changed

ROW_KEYS = ("code", "name", "product_type", "issuer", "risk_level", "status", "starts_on",
            "ends_on", "description")  # fmt: skip
COMPARED = ("name", "product_type", "issuer", "risk_level", "status", "starts_on", "ends_on",
            "description")  # fmt: skip
TEXT_LIMITS = {"code": 20, "name": 100, "issuer": 100, "description": 4000}
MAINTAINERS = frozenset({Role.HQ})


def can_maintain(user) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role in MAINTAINERS and not staff.is_read_only


def _check_maintainer(user) -> None:
    if not can_maintain(user):
        raise PermissionDenied(_("Only headquarters maintains the product catalogue."))


def can_load(user) -> bool:
    """HQ, or a headquarters system (an integration token at HQ: the product system)."""
    staff = staff_of(user)
    return can_maintain(user) or (
        staff is not None and staff.role == Role.INTEGRATION and staff.sees_all_branches
    )


def _choice_names(choices) -> dict[str, str]:
    """Every way a file may name a choice: its value, its Chinese and English label."""
    names = {}
    for value, label in choices.choices:
        names[value.lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names[str(label).strip().lower()] = value
    return names


def _choice(row, key, choices, errors, default=None):
    raw = str(row.get(key) or "").strip()
    if not raw:
        if default is None:
            errors[key] = [_("This field is required.")]
        return default
    value = _choice_names(choices).get(raw.lower())
    if value is None:
        errors[key] = [_("Choose one of: %(values)s.") % {
            "values": "、".join(str(label) for _v, label in choices.choices)}]  # fmt: skip
    return value


def _date(row, key, errors) -> date | None:
    raw = row.get(key)
    if raw in (None, ""):
        return None
    try:
        day = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip()[:10])
    except (TypeError, ValueError):
        errors[key] = [_("Enter a date as YYYY-MM-DD.")]
        return None
    if not year_in_range(day.year):
        errors[key] = [_("Enter a date as YYYY-MM-DD.")]
        return None
    return day


def parse_row(row: dict, old: dict | None = None) -> tuple[dict, dict]:
    """The values of one product row (the stored ones for keys left out of an existing
    product's row) and its errors by key, every error at once; no query."""
    errors: dict[str, list] = {}
    if not isinstance(row, dict):
        return {}, {"non_field_errors": [_("Each row must be an object.")]}
    given = {k for k in ROW_KEYS if k in row}
    values: dict = {}
    for key, limit in TEXT_LIMITS.items():
        if key in given:
            text = str(row.get(key) or "").strip()
            if len(text) > limit:
                errors[key] = [_("At most %(n)d characters.") % {"n": limit}]
            values[key] = text
    if not values.get("code"):
        errors["code"] = [_("This field is required.")]
    if (old is None or "name" in given) and not values.get("name"):
        errors["name"] = [_("This field is required.")]
    if old is None or "product_type" in given:
        values["product_type"] = _choice(row, "product_type", ProductType, errors)
    if old is None or "risk_level" in given:
        values["risk_level"] = _choice(row, "risk_level", RiskLevel, errors)
    if old is None or "status" in given:
        values["status"] = _choice(row, "status", ProductStatus, errors, ProductStatus.ON_SALE)
    for key in ("starts_on", "ends_on"):
        if old is None or key in given:
            values[key] = _date(row, key, errors)
    merged = {**dict.fromkeys(("issuer", "description"), ""), **(old or {}), **values}
    starts, ends = merged.get("starts_on"), merged.get("ends_on")
    if starts and ends and ends < starts and "ends_on" not in errors:
        errors["ends_on"] = [_("The end of sale cannot be before its start.")]
    return merged, errors


def _stored(product: Product) -> dict:
    return {k: getattr(product, k) for k in ("code", *COMPARED)}


def _announce(user, changes: list[tuple[int, str, str]]) -> None:
    if changes:
        product_level_changed.send(sender=Product, changes=changes, user=user)


@transaction.atomic
def product_create(*, user, data: dict) -> Product:
    _check_maintainer(user)
    values, errors = parse_row(data)
    if not errors and Product.objects.filter(code=values["code"]).exists():
        errors["code"] = [_("A product with this code already exists.")]
    if errors:
        raise ValidationError(errors)
    product = Product(**values, name_initials=name_initials(values["name"]), updated_by=user)
    setattr(product, "_history_user", user)  # noqa: B010  (simple_history reads it)
    product.save()
    return product


@transaction.atomic
def product_update(*, user, product: Product, data: dict) -> Product:
    """Change a product (the code stays); a new risk level re-checks the open advice."""
    _check_maintainer(user)
    product = Product.objects.select_for_update().get(pk=product.pk)
    old = _stored(product)
    values, errors = parse_row({**data, "code": product.code}, old)
    if errors:
        raise ValidationError(errors)
    if all(values[k] == old[k] for k in COMPARED):
        return product
    for key in COMPARED:
        setattr(product, key, values[key])
    product.name_initials = name_initials(product.name)
    product.updated_by = user
    setattr(product, "_history_user", user)  # noqa: B010  (simple_history reads it)
    product.save()
    if values["risk_level"] != old["risk_level"]:
        _announce(user, [(product.pk, old["risk_level"], values["risk_level"])])
    return product


def document_add(*, user, product: Product, title: str, url: str) -> ProductDocument:
    _check_maintainer(user)
    errors = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the document a title.")]
    if not (url or "").strip().lower().startswith(("https://", "http://")):
        errors["url"] = [_("Enter a link starting with https://.")]
    if errors:
        raise ValidationError(errors)
    return ProductDocument.objects.create(product=product, title=title.strip()[:200],
                                          url=url.strip()[:500], added_by=user)  # fmt: skip


def products_upsert(*, user, rows: list) -> BulkResult:
    """Upsert products by code, set-based: one query reads the stored products, one
    statement (and one of history) creates, one updates, whatever the number of rows. A
    bad row comes back with its index and is not stored; a row equal to what is stored
    writes nothing (`unchanged`). A dry run (the import) runs this in a savepoint. HQ, or
    the headquarters product system (bulk API)."""
    if not can_load(user):
        raise PermissionDenied(_("Only headquarters maintains the product catalogue."))
    result = BulkResult(received=len(rows))
    codes = [str(r.get("code") or "").strip() for r in rows if isinstance(r, dict)]
    existing = {p.code: p for p in Product.objects.filter(code__in=[c for c in codes if c])}
    seen: dict[str, int] = {}
    to_create: list[Product] = []
    to_update: list[Product] = []
    changes: list[tuple[int, str, str]] = []
    now = timezone.now()
    for index, row in enumerate(rows):
        code = str(row.get("code") or "").strip() if isinstance(row, dict) else ""
        current = existing.get(code)
        values, errors = parse_row(row, _stored(current) if current else None)
        if code and code in seen and not errors:
            errors["code"] = [_("This code is already in row %(n)d of this call.")
                              % {"n": seen[code] + 1}]  # fmt: skip
        if errors:
            result.errors.append({"index": index, "code": code[:50], "errors": errors})
            continue
        seen[code] = index
        result.stored += 1
        if current is None:
            to_create.append(Product(**values, name_initials=name_initials(values["name"]),
                                     updated_by=user, created_at=now, updated_at=now))  # fmt: skip
            result.created += 1
            continue
        old = _stored(current)
        if all(values[k] == old[k] for k in COMPARED):
            result.unchanged += 1
            continue
        for key in COMPARED:
            setattr(current, key, values[key])
        current.name_initials, current.updated_by, current.updated_at = (
            name_initials(current.name), user, now)  # fmt: skip
        to_update.append(current)
        result.updated += 1
        if values["risk_level"] != old["risk_level"]:
            changes.append((current.pk, old["risk_level"], values["risk_level"]))
    with transaction.atomic():
        if to_create:
            bulk_create_with_history(to_create, Product, batch_size=1000, default_user=user)
        if to_update:
            bulk_update_with_history(
                to_update, Product, [*COMPARED, "name_initials", "updated_by", "updated_at"],
                batch_size=1000, default_user=user,
            )  # fmt: skip
        _announce(user, changes)
    return result
