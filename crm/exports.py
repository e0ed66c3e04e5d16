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
from .models import person_name

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
    headers = [_("When"), _("User"), _("Name"), _("Branch"), _("Action"), _("Record type"),
               _("Record ID"), _("Record"), _("Field"), _("IP address"), _("Page")]  # fmt: skip
    actions = dict(queryset.model.Action.choices)

    def rows():
        for e in queryset.select_related("user", "branch", "content_type").iterator(2000):
            yield [
                timezone.localtime(e.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
                e.user.username, person_name(e.user), e.branch.code if e.branch else "",
                str(actions.get(e.action, e.action)),
                f"{e.content_type.app_label}.{e.content_type.model}" if e.content_type else "",
                e.object_id or "", e.object_repr, access_field_label(e), e.ip_address or "",
                e.path,
            ]  # fmt: skip

    return headers, rows()


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
