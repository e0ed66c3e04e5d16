"""Table exports (CSV streamed, Excel built in memory) and the access log as a table."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import person_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


class _Echo:
    def write(self, value):
        return value


def table_response(filename: str, headers: list, rows: Iterable, fmt: str):
    """`filename` without extension; rows are consumed lazily for CSV."""
    if fmt == "xlsx":
        import tablib

        data = tablib.Dataset(*rows, headers=headers, title=filename[:31])
        response = HttpResponse(data.export("xlsx"), content_type=XLSX)
    else:
        writer = csv.writer(_Echo())

        def stream():
            yield "\ufeff" + writer.writerow(headers)
            for row in rows:
                yield writer.writerow(row)

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


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
                e.object_id or "", e.object_repr, e.field, e.ip_address or "", e.path,
            ]  # fmt: skip

    return headers, rows()
