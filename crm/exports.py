"""Table exports (CSV streamed, Excel written row by row, both through the safe writer of
crm.spreadsheets), the access log as a table, and the registry of list exports that may
be downloaded unmasked after approval."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from . import spreadsheets
from .references import person_label

XLSX = spreadsheets.XLSX
FORMATS = ("csv", "xlsx")


def workbook_response(sheets: list[spreadsheets.Sheet], filename: str) -> HttpResponse:
    """An Excel workbook of `sheets`, written by the safe writer, as a download named
    `filename` (with its `.xlsx`). Every workbook the project serves goes through here."""
    response = HttpResponse(spreadsheets.xlsx_bytes(sheets), content_type=XLSX)
    return as_attachment(response, filename)


def as_attachment(response: HttpResponse, filename: str) -> HttpResponse:
    """Serve `response` as a download named `filename` (Chinese names encoded per RFC
    6266, with an ASCII fallback for old clients)."""
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def table_response(filename: str, headers: list, rows: Iterable, fmt: str):
    """`filename` without extension; rows are consumed lazily for CSV."""
    if fmt == "xlsx":
        return workbook_response([spreadsheets.Sheet(filename, headers, rows)], f"{filename}.xlsx")
    response = StreamingHttpResponse(
        spreadsheets.csv_stream(headers, rows), content_type="text/csv; charset=utf-8"
    )
    return as_attachment(response, f"{filename}.{fmt}")


def access_field_label(entry) -> str:
    """What an access-log line's `field` names, in words: the export (客户名单), the
    model field revealed (身份证号码), or the access log itself."""
    kind = export_kind(entry.field)
    if kind is not None:
        return str(kind.label)
    if entry.field == "access_log":
        return str(_("Access log"))
    model = entry.content_type.model_class() if entry.content_type_id else None
    if model is not None:
        labels = getattr(model, "access_field_labels", {})
        if entry.field in labels:
            return str(labels[entry.field])
        try:
            return str(model._meta.get_field(entry.field).verbose_name)
        except FieldDoesNotExist:
            pass
    return entry.field


def access_log_table(queryset) -> tuple[list, Iterable]:
    """The access log as a table: the person by name, role and branch, the record type and
    the field in words (客户 · 证件号码), never a login name or a model's code."""
    headers = [_("When"), _("User"), _("Branch"), _("Action"), _("Record type"),
               _("Record ID"), _("Record"), _("Field"), _("IP address"), _("Page")]  # fmt: skip
    actions = dict(queryset.model.Action.choices)
    related = ("user__staff__branch", "branch", "content_type")

    def rows():
        for e in queryset.select_related(*related).iterator(2000):
            yield [
                timezone.localtime(e.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
                person_label(e.user), e.branch.name if e.branch else "",
                str(actions.get(e.action, e.action)),
                str(e.content_type.name) if e.content_type else "",
                e.object_id or "", e.object_repr, access_field_label(e), e.ip_address or "",
                e.path,
            ]  # fmt: skip

    return headers, rows()


def people_by_username(usernames: Iterable) -> dict[str, str]:
    """{login name: the person by name, role and branch} in one query, for a table that
    grouped by login name (an export never shows one)."""
    from django.contrib.auth import get_user_model

    wanted = {u for u in usernames if u}
    users = get_user_model().objects.filter(username__in=wanted).select_related("staff__branch")
    return {user.username: person_label(user) for user in users} if wanted else {}


def export_filename(name, *parts) -> str:
    """A download's name without extension: its Chinese name, then the date (or the
    given parts), e.g. 客户列表-2026-12-01."""
    stamp = [str(p) for p in parts] or [timezone.localdate().isoformat()]
    return "-".join([str(name), *stamp])


# --- The filters of a list, in words -------------------------------------------------
# Query parameters that choose a page, a format or a column order, not rows.
NOT_FILTERS = frozenset({"page", "export", "kind", "ordering", "per_page", "columns", "format"})


def filter_words(filterset_class, params: dict, names: dict | None = None) -> list[tuple]:
    """The filters of `params` ({name: [values]}, a list page's query string) as
    (label, value) pairs in words: "阶段", "活跃" for stage=active, the choice's label, a
    person by name and role (names: `filter_names`), 是/否 for a yes/no filter."""
    filters = filterset_class.base_filters if filterset_class is not None else {}
    pairs = []
    for key, values in (params or {}).items():
        values = [str(v) for v in (values if isinstance(values, list) else [values])]
        values = [v for v in values if v.strip()]
        if not values or key in NOT_FILTERS:
            continue
        flt = filters.get(key)
        if flt is None:
            pairs.append((key, "、".join(values)))
            continue
        words = [_value_words(key, flt, value, names or {}) for value in values]
        pairs.append((str(flt.label or key), "、".join(words)))
    return pairs


def filters_in_words(filterset_class, params: dict, names: dict | None = None) -> str:
    """`filter_words` as one line: "阶段：活跃；风险等级：C3"."""
    return "；".join(
        f"{label}：{value}" for label, value in filter_words(filterset_class, params, names)
    )


def _value_words(key: str, flt, value: str, names: dict) -> str:
    import django_filters

    if isinstance(flt, django_filters.BooleanFilter):
        truth = {"true": _("Yes"), "1": _("Yes"), "false": _("No"), "0": _("No")}
        return str(truth.get(value.lower(), value))
    if (key, value) in names:
        return names[(key, value)]
    choices = flt.extra.get("choices")
    if choices is not None and not callable(choices):
        labels = {str(v): label for v, label in choices}
        return str(labels.get(value, value))
    return value


def filter_names(filterset_class, params_list: Iterable[dict]) -> dict:
    """{(filter, value): words} for the record filters (a branch, a person) of several
    lists' params, one query per such filter: the export page names them all at once."""
    import django_filters
    from django.contrib.auth import get_user_model

    names: dict = {}
    if filterset_class is None:
        return names
    wanted: dict[str, set[str]] = {}
    for params in params_list:
        for key, values in (params or {}).items():
            flt = filterset_class.base_filters.get(key)
            if isinstance(
                flt, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter
            ):
                values = values if isinstance(values, list) else [values]
                wanted.setdefault(key, set()).update(str(v) for v in values if str(v).strip())
    for key, values in wanted.items():
        flt = filterset_class.base_filters[key]
        queryset = flt.extra.get("queryset")
        if queryset is None or callable(queryset):
            continue
        to_field = flt.extra.get("to_field_name") or "pk"
        if queryset.model is get_user_model():
            queryset = queryset.select_related("staff__branch")
        try:
            rows = list(queryset.filter(**{f"{to_field}__in": list(values)[:100]}))
        except (ValueError, TypeError):
            continue
        for obj in rows:
            label = person_label(obj) if isinstance(obj, get_user_model()) else str(obj)
            names[(key, str(getattr(obj, to_field)))] = label
    return names


# --- Exports that can be unmasked after approval -------------------------------------
@dataclass(frozen=True)
class ExportKind:
    """A list export of personal data, masked unless an approved request says otherwise.

    `table(user, params, unmasked)` returns (headers, rows) of the list the user sees,
    filtered by `params` (the list page's query string, a QueryDict)."""

    key: str
    label: str
    roles: frozenset[str]  # who may request it unmasked
    table: Callable[..., tuple[list, Iterable]]
    list_url_name: str
    filterset: type | None = None  # the list's filter set: its filters named in words


_kinds: dict[str, ExportKind] = {}


def register_export(kind: ExportKind) -> None:
    _kinds[kind.key] = kind


def export_kind(key: str) -> ExportKind | None:
    return _kinds.get(key)


def export_kinds() -> list[ExportKind]:
    return list(_kinds.values())


def params_querydict(params: dict) -> QueryDict:
    """The stored filters ({name: [values]}) as the QueryDict the list page would get."""
    query = QueryDict(mutable=True)
    for key, values in (params or {}).items():
        query.setlist(key, [str(v) for v in (values if isinstance(values, list) else [values])])
    return query
