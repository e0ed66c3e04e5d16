"""File imports behind the UI, of several kinds: CSV or Excel, atomic per batch of rows.

A kind of import is declared once, as an `ImportKind` given to `register_kind`: its
columns (with the required ones), each column's Chinese header, an example row for the
template, the upsert that stores a list of rows and returns a `BulkResult` (the same
service as the kind's bulk API), and the roles that may use it. The import page, its
template download, the header matching, the error report and the task all read it, so
adding a kind is ONE declaration in the "Kinds" section below; e.g. the client master,
once `clients.services.clients_upsert` exists::

    register_kind(ImportKind(
        key="clients", label=gettext_lazy("Clients"),
        columns=("client_no", "name", "phone"), required=("client_no", "name"),
        labels={"client_no": gettext_lazy("Client number"), "name": gettext_lazy("Name"),
                "phone": gettext_lazy("Mobile phone")},
        example=("1100000001", "张三", "13800000000"),
        upsert="clients.services.clients_upsert",
    ))

Holdings alike (`clients.services.holdings_upsert`); staff with
`upsert="crm.services.staff_upsert"`, `id_column="username"`, `date_columns=()` and
`roles=frozenset({Role.HQ})`. The upsert is a dotted path (or a callable), looked up when
a batch runs. A kind's msgids get their Chinese in locale/zh_Hans.

Each batch goes through the kind's upsert in one transaction with the job's progress
(rows processed, stored, with errors, and the error report so far): a batch and the
count of it are stored together or not at all. An import interrupted halfway (a worker
killed, the database gone, a bug) therefore leaves whole batches only, the job says how
many rows were stored, and running it again (the task's retry, a redelivered message,
the stalled-import sweep) resumes after the last stored batch. Each batch locks the job
row, so two runs of one job never import the same batch twice; the upsert is
idempotent anyway.

A dry run (`ImportJob.dry_run`) runs the same batches through the same upsert, each in a
savepoint that is rolled back: the job counts what the import would store and the rows
it would refuse, keeps the real error report, and nothing else is kept (the upsert's
after-commit callbacks go with the savepoint). `import_job_from_dry_run` then queues the
real import of the same stored file, without a second upload.

The file is streamed (crm.spreadsheets), never held in memory: a first pass counts the
rows (and refuses a file over `CRM_IMPORT_MAX_ROWS` before anything is stored), the
second imports them batch by batch, and each batch's lines of the error report are
appended in the database. The size limits are checked on upload and again here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import spreadsheets
from crm.jobs import enqueue_on_commit
from crm.models import Role, staff_of
from crm.services import staff as org
from crm.spreadsheets import FileRefused, Line

from .models import ImportJob
from .services import BulkResult

logger = logging.getLogger(__name__)

BATCH = 1000
STALLED_AFTER_MINUTES = 10  # queued this long: the sweep enqueues the job again
MANAGERS = frozenset({Role.BRANCH_MANAGER, Role.HQ})


def _normal(header) -> str:
    """A header as compared: trimmed, lower case, without a unit in brackets or spaces
    (总资产（元） and "Total assets" read as 总资产 and totalassets)."""
    text = str(header or "").strip().lower()
    for bracket in ("（", "("):
        text = text.split(bracket, 1)[0]
    return "".join(text.split()).replace("_", "")


@dataclass(frozen=True, eq=False)
class ImportKind:
    """One kind of file import (see the module's docstring)."""

    key: str
    label: Any  # lazy: the kind's name on the page and in the template's file name
    columns: tuple[str, ...]
    required: tuple[str, ...]
    labels: Mapping[str, Any]  # column -> its header in the template (lazy)
    example: tuple[str, ...]  # the template's example row, one value per column
    upsert: str | Callable[..., BulkResult]  # (*, user, rows) -> BulkResult
    roles: frozenset[str] = MANAGERS  # who may import this kind
    id_column: str = "client_no"  # the column naming a row in the error report
    date_columns: tuple[str, ...] = ("date",)  # Excel date cells read as dates
    template_name: Any = None  # the template's file name; None: "<label> import template"
    # rows that belong together (one client's holdings of a day): never split between batches
    group_by: tuple[str, ...] = ()
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # other headers
    batch: int = 0  # rows a batch; 0: BATCH
    _headers: dict = field(default_factory=dict, repr=False)  # (language, header) -> key

    def allows(self, user) -> bool:
        staff = staff_of(user)
        return staff is not None and staff.role in self.roles

    def store(self, *, user, rows: list) -> BulkResult:
        upsert = import_string(self.upsert) if isinstance(self.upsert, str) else self.upsert
        return upsert(user=user, rows=rows)

    def column_label(self, key: str) -> str:
        if key == "non_field_errors":
            return _("row")
        return str(self.labels.get(key, key))

    def column_key(self, header) -> str:
        """The column a file's header names: its key, its Chinese or its English header."""
        if not self._headers:
            for key in self.columns:
                self._headers[_normal(key)] = key
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    for key, label in self.labels.items():
                        self._headers.setdefault(_normal(str(label)), key)
            for key, names in self.aliases.items():
                for name in names:
                    self._headers.setdefault(_normal(name), key)
        return self._headers.get(_normal(header), str(header or "").strip().lower())

    def error_words(self, errors: dict) -> str:
        """A row's errors by column in words: "日期：日期不能晚于今天。；总资产：请输入数字。"."""
        return "；".join(
            f"{self.column_label(k)}：{' '.join(map(str, v))}" for k, v in errors.items()
        )

    def template_filename(self) -> str:
        if self.template_name is not None:
            return str(self.template_name)
        return _("%(kind)s import template") % {"kind": self.label}

    def template_rows(self) -> tuple[list[str], list[list[str]]]:
        """The downloadable template: the Chinese headers and one example row."""
        return [self.column_label(key) for key in self.columns], [list(self.example)]


KINDS: dict[str, ImportKind] = {}


def register_kind(kind: ImportKind) -> ImportKind:
    assert set(kind.required) <= set(kind.columns), kind.key
    assert len(kind.example) == len(kind.columns), kind.key
    KINDS[kind.key] = kind
    return kind


def kinds_for(user) -> list[ImportKind]:
    """The kinds the user may import, in the order declared."""
    return [kind for kind in KINDS.values() if kind.allows(user)]


def importer_roles() -> frozenset[str]:
    """The roles that may import some kind (the import pages' roles)."""
    return frozenset().union(*(kind.roles for kind in KINDS.values()))


# --- Kinds ------------------------------------------------------------------------------
SNAPSHOTS = register_kind(ImportKind(
    key="snapshots", label=gettext_lazy("Account snapshots"),
    columns=("client_no", "date", "total_assets", "cash", "market_value", "net_inflow",
             "trading_volume", "trade_count", "commission"),
    required=("client_no", "date", "total_assets"),
    labels={
        "client_no": gettext_lazy("Client number"), "date": gettext_lazy("Date"),
        "total_assets": gettext_lazy("Total assets"), "cash": gettext_lazy("Cash"),
        "market_value": gettext_lazy("Market value"), "net_inflow": gettext_lazy("Net inflow"),
        "trading_volume": gettext_lazy("Trading volume"),
        "trade_count": gettext_lazy("Trade count"), "commission": gettext_lazy("Commission"),
    },
    example=("1100000001", "2026-11-30", "1250000.00", "250000.00", "1000000.00",
             "50000.00", "320000.00", "12", "96.00"),
    upsert="clients.services.snapshots_upsert",
    template_name=gettext_lazy("Account snapshot import template"),
    # daily facts for every client: COPY and one upsert a batch, so large batches
    # (10,000 rows, as the bulk endpoint's calls) are what makes it fast
    batch=10_000,
))  # fmt: skip
CLIENTS = register_kind(ImportKind(
    key="clients", label=gettext_lazy("Client master"),
    columns=("client_no", "name", "branch", "owner", "client_type", "id_type", "id_number",
             "credit_code", "phone", "phone_alt", "opened_on", "account_status",
             "investor_class", "risk_level", "risk_assessed_on"),
    required=("client_no", "name", "branch", "owner"),
    labels={
        "client_no": gettext_lazy("Client number"), "name": gettext_lazy("Name"),
        "branch": gettext_lazy("Branch code"),
        "owner": gettext_lazy("Account manager (staff number or username)"),
        "client_type": gettext_lazy("Client type"), "id_type": gettext_lazy("ID type"),
        "id_number": gettext_lazy("ID number"), "credit_code": gettext_lazy("Credit code"),
        "phone": gettext_lazy("Mobile phone"), "phone_alt": gettext_lazy("Second phone"),
        "opened_on": gettext_lazy("Opened on"), "account_status": gettext_lazy("Account status"),
        "investor_class": gettext_lazy("Investor class"),
        "risk_level": gettext_lazy("Risk level"),
        "risk_assessed_on": gettext_lazy("Risk assessed on"),
    },
    example=("1100012345", "张三", "BJ01", "E1001", "individual", "id_card",
             "11010519491231002X", "", "13800138000", "", "2024-03-01", "normal", "ordinary",
             "C3", "2025-06-30"),
    upsert="clients.services.clients_upsert",
    date_columns=("opened_on", "risk_assessed_on"),
    aliases={"name": ("姓名", "客户名称", "客户姓名"), "client_no": ("资金账号", "客户编号"),
             "owner": ("经纪人", "服务人员"), "phone": ("手机", "联系电话")},
))  # fmt: skip
HOLDINGS = register_kind(ImportKind(
    key="holdings", label=gettext_lazy("Holdings"),
    columns=("client_no", "date", "security_code", "security_name", "quantity", "cost",
             "price"),
    required=("client_no", "date", "security_code", "quantity"),
    labels={
        "client_no": gettext_lazy("Client number"), "date": gettext_lazy("Date"),
        "security_code": gettext_lazy("Security code"),
        "security_name": gettext_lazy("Security name"), "quantity": gettext_lazy("Quantity"),
        "cost": gettext_lazy("Cost"), "price": gettext_lazy("Price"),
    },
    example=("1100000001", "2026-11-30", "600519", "贵州茅台", "100", "1450.00", "1500.00"),
    upsert="clients.services.holdings_upsert",
    group_by=("client_no", "date"),
))  # fmt: skip
BRANCHES = register_kind(ImportKind(
    key="branches", label=gettext_lazy("Branches"),
    columns=org.BRANCH_COLUMNS, required=("code", "name"),
    labels=org.BRANCH_COLUMN_LABELS,
    example=("SZ01", "深圳福田营业部", "营业部", "是"),
    upsert="crm.services.branches_upsert", roles=frozenset({Role.HQ}),
    id_column="code", date_columns=(),
))  # fmt: skip
STAFF = register_kind(ImportKind(
    key="staff", label=gettext_lazy("Staff"),
    columns=("staff_no", "username", "name", "role", "branch_code", "team", "email", "phone",
             "active"),
    required=("staff_no", "name", "role", "branch_code"),
    labels=org.COLUMN_LABELS,
    example=("E2001", "", "张伟", "客户经理", "BJ01", "财富一组", "zhangwei@example.com",
             "010-65000000", "是"),
    upsert="crm.services.staff_upsert", roles=frozenset({Role.HQ}),
    id_column="staff_no", date_columns=(),
))  # fmt: skip
# ---------------------------------------------------------------------------------------

# The snapshot kind's names from before kinds (kept for their callers).
COLUMNS, REQUIRED = SNAPSHOTS.columns, SNAPSHOTS.required


def column_label(key: str, kind: ImportKind = SNAPSHOTS) -> str:
    return kind.column_label(key)


def column_key(header, kind: ImportKind = SNAPSHOTS) -> str:
    return kind.column_key(header)


def error_words(errors: dict, kind: ImportKind = SNAPSHOTS) -> str:
    return kind.error_words(errors)


def template_rows(kind: ImportKind = SNAPSHOTS) -> tuple[list[str], list[list[str]]]:
    return kind.template_rows()


def limits() -> spreadsheets.Limits:
    return spreadsheets.Limits(
        max_bytes=settings.CRM_IMPORT_MAX_BYTES,
        max_unpacked_bytes=settings.CRM_IMPORT_MAX_UNPACKED_BYTES,
        max_ratio=settings.CRM_IMPORT_MAX_XLSX_RATIO,
    )


def check_file(file, name: str) -> None:
    """Raise FileRefused for a file over the limits (the upload form and the task)."""
    spreadsheets.check_file(file, name, limits())


def _allowed_kind(user, key: str) -> ImportKind:
    """The kind `key` if the user may import it: ValidationError for an unknown kind,
    PermissionDenied for one their role may not import."""
    if key not in KINDS:
        raise ValidationError({"kind": [_("Choose a kind of import from the list.")]})
    kind = KINDS[key]
    if not kind.allows(user):
        raise PermissionDenied(_("Your role may not do this."))
    return kind


def import_job_create(*, user, upload, kind: str = "snapshots", dry_run: bool = False):
    """Queue the import (or the dry run) of an uploaded file of `kind` into the user's
    branch: the job, and its task once the job is committed. A file over the limits is
    refused (`file`), a kind the user may not import too."""
    staff = staff_of(user)
    if staff is None:
        raise PermissionDenied(_("Your role may not do this."))
    _allowed_kind(user, kind)
    try:
        check_file(upload.file, upload.name.lower())
    except FileRefused as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    job = ImportJob.objects.create(
        branch_id=staff.branch_id, file=upload, original_name=upload.name[:200],
        created_by=user, kind=kind, dry_run=bool(dry_run),
    )  # fmt: skip
    enqueue_on_commit("clients.tasks.import_snapshots_file", job.pk)  # tasks import this
    return job


def import_job_from_dry_run(*, user, job: ImportJob) -> ImportJob:
    """Queue the real import of a finished dry run's file: a new job on the same stored
    file (no second upload), in the dry run's branch. `job` is one the user can see."""
    _allowed_kind(user, job.kind)
    if not job.dry_run or job.status != ImportJob.Status.DONE:
        raise ValidationError(_("Only a finished dry run can be imported from."))
    if not job.file:
        raise ValidationError(_("The file of this dry run is no longer kept; upload it again."))
    new = ImportJob.objects.create(
        branch_id=job.branch_id, file=job.file.name, original_name=job.original_name,
        created_by=user, kind=job.kind, dry_run=False,
    )  # fmt: skip
    enqueue_on_commit("clients.tasks.import_snapshots_file", new.pk)
    return new


@contextmanager
def open_lines(job: ImportJob, kind: ImportKind):
    """(column names, the data lines streamed) of the job's file, after its checks."""
    job.file.open("rb")
    try:
        file = job.file.file
        check_file(file, job.original_name)
        lines = spreadsheets.read_lines(file, job.original_name)
        header = next(lines, None)
        headers = [kind.column_key(h) for h in (header.values if header else [])]
        missing = [kind.column_label(c) for c in kind.required if c not in headers]
        if missing:
            raise FileRefused(_("Missing columns: %(cols)s") % {"cols": "、".join(missing)})
        yield headers, lines
    finally:
        job.file.close()


def count_rows(job: ImportJob, kind: ImportKind) -> int:
    """The number of data rows, read through once; FileRefused beyond the row limit."""
    with open_lines(job, kind) as (_headers, lines):
        total = sum(1 for _line in lines)
    if total > settings.CRM_IMPORT_MAX_ROWS:
        raise FileRefused(
            _("The file has %(rows)d rows; at most %(max)d can be imported at once. Split it "
              "into smaller files.") % {"rows": total, "max": settings.CRM_IMPORT_MAX_ROWS}
        )  # fmt: skip
    return total


def as_row(headers: list[str], values: list, kind: ImportKind = SNAPSHOTS) -> dict:
    row = {h: ("" if v is None else v) for h, v in zip(headers, values, strict=False)}
    for column in kind.date_columns:
        if isinstance(row.get(column), datetime):
            row[column] = row[column].date()
    return row


def _fail(job: ImportJob, message: str) -> None:
    job.status, job.finished_at = ImportJob.Status.FAILED, timezone.now()
    job.message = str(spreadsheets.safe_cell(message))[:300]
    job.save(update_fields=["status", "finished_at", "message"])


def run_import(job_id: int) -> int:
    """Import (or dry-run) the job's file from where it stopped; return the number of
    rows stored (for a dry run: that would be stored)."""
    job = ImportJob.objects.defer("error_report").get(pk=job_id)
    if job.status == ImportJob.Status.DONE:
        return job.stored_rows
    if job.kind not in KINDS:  # a kind no longer declared
        _fail(job, _("This kind of import is no longer available."))
        return 0
    kind = KINDS[job.kind]
    try:
        total = count_rows(job, kind)
    except Exception as exc:  # a file refused, unreadable or damaged: no retry helps
        _fail(job, str(exc) if isinstance(exc, FileRefused) else (
            _("The file could not be read: %(error)s") % {"error": exc}))  # fmt: skip
        return 0
    ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.DONE).update(
        status=ImportJob.Status.RUNNING, total_rows=total, message="",
        started_at=Coalesce("started_at", Value(timezone.now())), finished_at=None,
    )  # fmt: skip
    try:
        with open_lines(job, kind) as (headers, file_lines):
            lines, position = Lookahead(file_lines), 0
            while (position := _import_next_batch(job_id, kind, headers, lines, position)) is not None:  # noqa: E501  # fmt: skip
                pass
    except Exception:
        _record_interruption(job_id)
        raise
    return _finish(job_id)


def _store(kind: ImportKind, job: ImportJob, rows: list) -> BulkResult:
    """The batch through the kind's upsert; for a dry run in a savepoint rolled back."""
    if not rows:
        return BulkResult()
    with transaction.atomic():
        result = kind.store(user=job.created_by, rows=rows)
        if job.dry_run:
            transaction.set_rollback(True)
    return result


def _counted(name: str, result: BulkResult) -> dict:
    """The job's count `name` plus the result's, when the upsert tells it (created,
    updated, unchanged)."""
    value = getattr(result, name, None)
    if value is None:
        return {}
    return {f"{name}_rows": Coalesce(F(f"{name}_rows"), 0) + value}


class Lookahead:
    """An iterator of lines that can look at its next line without taking it."""

    _EMPTY = object()

    def __init__(self, lines: Iterator[Line]) -> None:
        self._lines, self._next = iter(lines), self._EMPTY

    def __iter__(self):
        return self

    def __next__(self) -> Line:
        if self._next is not self._EMPTY:
            line, self._next = self._next, self._EMPTY
            if line is None:  # peek found the end
                raise StopIteration
            return line  # type: ignore[return-value]
        return next(self._lines)

    def peek(self) -> Line | None:
        if self._next is self._EMPTY:
            self._next = next(self._lines, None)
        return self._next  # type: ignore[return-value]


def take_batch(lines: Lookahead, kind: ImportKind, headers: list[str]) -> list[Line]:
    """The next BATCH lines, and the lines after them of the same group (kind.group_by)
    when the kind has groups: a client's holdings of a day replace that day's positions,
    so they must reach the upsert together."""
    batch = list(islice(lines, kind.batch or BATCH))
    if not (kind.group_by and batch):
        return batch

    def group(line: Line) -> tuple:
        row = as_row(headers, line.values, kind)
        return tuple(str(row.get(column, "")).strip() for column in kind.group_by)

    last = group(batch[-1])
    while (line := lines.peek()) is not None and not line.error and group(line) == last:
        batch.append(next(lines))
    return batch


def _import_next_batch(job_id: int, kind: ImportKind, headers: list[str],
                       lines: Lookahead, position: int):  # fmt: skip
    """Store the batch after the last stored one with the job's progress and its lines
    of the error report, in one transaction; return the position in the file after it,
    or None when there is nothing left. `lines` is at `position` (rows read so far)."""
    with transaction.atomic():
        job = (ImportJob.objects.select_for_update().select_related("created_by")
               .defer("error_report").get(pk=job_id))  # fmt: skip
        if job.status == ImportJob.Status.DONE:
            return None
        # another run of this job may have stored batches meanwhile: skip them
        for _line in islice(lines, max(job.processed_rows - position, 0)):
            pass
        start = job.processed_rows
        batch = take_batch(lines, kind, headers)
        if not batch:
            return None
        rows = [as_row(headers, line.values, kind) for line in batch if not line.error]
        numbers = [line.number for line in batch if not line.error]
        result = _store(kind, job, rows)
        errors = [(line.number, "", line.error) for line in batch if line.error]
        errors += [
            (numbers[e["index"]],
             str(e.get(kind.id_column) or rows[e["index"]].get(kind.id_column) or "")[:50],
             kind.error_words(e["errors"]))
            for e in result.errors
        ]  # fmt: skip
        report = ""
        if errors:
            head = (
                [[_("row"), kind.column_label(kind.id_column), _("errors")]]
                if not job.error_rows
                else []
            )
            report = "".join(spreadsheets.csv_lines(head + sorted(errors)))
        # the report is appended in the database, never read into the worker
        ImportJob.objects.filter(pk=job_id).update(
            processed_rows=start + len(batch),
            stored_rows=F("stored_rows") + result.stored,
            error_rows=F("error_rows") + len(errors),
            error_report=Concat("error_report", Value(report), output_field=TextField()),
            **_counted("created", result), **_counted("updated", result),
            **_counted("unchanged", result),
        )  # fmt: skip
    return start + len(batch)


def _finish(job_id: int) -> int:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("error_report").get(pk=job_id)
        if job.status != ImportJob.Status.DONE:
            job.status, job.finished_at = ImportJob.Status.DONE, timezone.now()
            counts = {"stored": job.stored_rows, "errors": job.error_rows}
            if job.dry_run:
                job.message = (
                    _(
                        "Dry run: %(stored)d rows would be stored, %(errors)d rows have errors. "
                        "Nothing was stored."
                    )
                    % counts
                )
            else:
                job.message = _("%(stored)d rows stored, %(errors)d rows with errors.") % counts
            job.save(update_fields=["status", "finished_at", "message"])
    return job.stored_rows


def _record_interruption(job_id: int) -> None:
    """Say on the job what was stored before the failure; the batch in progress was
    rolled back. If the database itself is gone this fails too, and the job keeps the
    progress of its last stored batch, which is what a new run resumes from."""
    try:
        killed = connection.connection is not None and connection.errors_occurred
        if killed and not connection.is_usable():
            connection.close()  # the failure took the connection: open a new one
        job = ImportJob.objects.defer("error_report").get(pk=job_id)
        job.status, job.finished_at = ImportJob.Status.FAILED, timezone.now()
        job.message = _(
            "Interrupted after %(processed)d of %(total)d rows: %(stored)d rows stored, "
            "%(errors)d rows with errors; the batch in progress was not stored. The import "
            "resumes from there when it runs again."
        ) % {"processed": job.processed_rows, "total": job.total_rows,
             "stored": job.stored_rows, "errors": job.error_rows}  # fmt: skip
        job.save(update_fields=["status", "finished_at", "message"])
    except Exception:
        logger.exception("could not record the interruption of import job %s", job_id)


def purge_import_files(now: datetime, dry_run: bool = False) -> int:
    """Delete the uploaded files of imports finished `CRM_RETENTION_IMPORT_FILE_DAYS` ago
    (the job, its figures and its error report stay); idempotent."""
    from datetime import timedelta

    from django.conf import settings

    cutoff = now - timedelta(days=settings.CRM_RETENTION_IMPORT_FILE_DAYS)
    finished = (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    qs = ImportJob.objects.filter(status__in=finished, finished_at__lt=cutoff).exclude(file="")
    if dry_run:
        return qs.count()
    purged = 0
    while batch := list(qs.order_by("pk").only("pk", "file")[:500]):
        # a dry run and the import made from it share one file: kept while a job
        # outside this batch still holds it
        names = {job.file.name for job in batch}
        held = set(ImportJob.objects.filter(file__in=names).exclude(pk__in=[j.pk for j in batch])
                   .values_list("file", flat=True))  # fmt: skip
        for job in batch:
            if job.file.name not in held:
                job.file.storage.delete(job.file.name)  # a file already gone is no error
        purged += ImportJob.objects.filter(pk__in=[j.pk for j in batch]).update(file="")
    return purged
