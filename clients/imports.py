"""The snapshot file import behind the UI: CSV or Excel, atomic per batch of rows.

Each batch goes through the same `snapshots_upsert` as the REST endpoint, in one
transaction with the job's progress (rows processed, stored, with errors, and the error
report so far): a batch and the count of it are stored together or not at all. An
import interrupted halfway (a worker killed, the database gone, a bug) therefore leaves
whole batches only, the job says how many rows were stored, and running it again (the
task's retry, a redelivered message, the stalled-import sweep) resumes after the last
stored batch. Each batch locks the job row, so two runs of one job never import the
same batch twice; the upsert is idempotent anyway.

The file is streamed (crm.spreadsheets), never held in memory: a first pass counts the
rows (and refuses a file over `CRM_IMPORT_MAX_ROWS` before anything is stored), the
second imports them batch by batch, and each batch's lines of the error report are
appended in the database. The size limits are checked on upload and again here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import islice

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import spreadsheets
from crm.jobs import enqueue_on_commit
from crm.models import Role, staff_of
from crm.spreadsheets import FileRefused, Line

from .models import ImportJob
from .services import BulkResult, snapshots_upsert

logger = logging.getLogger(__name__)

BATCH = 1000
STALLED_AFTER_MINUTES = 10  # queued this long: the sweep enqueues the job again
COLUMNS = ("client_no", "date", "total_assets", "cash", "market_value", "net_inflow",
           "trading_volume", "trade_count", "commission")  # fmt: skip
REQUIRED = ("client_no", "date", "total_assets")
# Each column's Chinese header (the template's, the error report's). A file may head a
# column with it, its English name or its key (client_no): `column_key` maps them all.
COLUMN_LABELS = {
    "client_no": gettext_lazy("Client number"), "date": gettext_lazy("Date"),
    "total_assets": gettext_lazy("Total assets"), "cash": gettext_lazy("Cash"),
    "market_value": gettext_lazy("Market value"), "net_inflow": gettext_lazy("Net inflow"),
    "trading_volume": gettext_lazy("Trading volume"), "trade_count": gettext_lazy("Trade count"),
    "commission": gettext_lazy("Commission"),
}  # fmt: skip
EXAMPLE_ROW = ["1100000001", "2026-11-30", "1250000.00", "250000.00", "1000000.00",
               "50000.00", "320000.00", "12", "96.00"]  # fmt: skip


def column_label(key: str) -> str:
    if key == "non_field_errors":
        return _("row")
    return str(COLUMN_LABELS.get(key, key))


def _header_keys() -> dict[str, str]:
    keys = {}
    for key, label in COLUMN_LABELS.items():
        keys[_normal(key)] = key
        for language in ("zh-hans", "en"):
            with translation.override(language):
                keys[_normal(str(label))] = key
    return keys


def _normal(header) -> str:
    """A header as compared: trimmed, lower case, without a unit in brackets or spaces
    (总资产（元） and "Total assets" read as 总资产 and totalassets)."""
    text = str(header or "").strip().lower()
    for bracket in ("（", "("):
        text = text.split(bracket, 1)[0]
    return "".join(text.split()).replace("_", "")


def column_key(header) -> str:
    """The column a file's header names: the key, the Chinese or the English header."""
    return _header_keys().get(_normal(header), str(header or "").strip().lower())


def error_words(errors: dict) -> str:
    """A row's errors by column in words: "日期：日期不能晚于今天。；总资产：请输入数字。"."""
    return "；".join(f"{column_label(k)}：{' '.join(map(str, v))}" for k, v in errors.items())


def template_rows() -> tuple[list[str], list[list[str]]]:
    """The downloadable template: the Chinese headers and one example row."""
    return [column_label(key) for key in COLUMNS], [EXAMPLE_ROW]


IMPORTERS = frozenset({Role.BRANCH_MANAGER, Role.HQ})


def limits() -> spreadsheets.Limits:
    return spreadsheets.Limits(
        max_bytes=settings.CRM_IMPORT_MAX_BYTES,
        max_unpacked_bytes=settings.CRM_IMPORT_MAX_UNPACKED_BYTES,
        max_ratio=settings.CRM_IMPORT_MAX_XLSX_RATIO,
    )


def check_file(file, name: str) -> None:
    """Raise FileRefused for a file over the limits (the upload form and the task)."""
    spreadsheets.check_file(file, name, limits())


def import_job_create(*, user, upload) -> ImportJob:
    """Queue the import of an uploaded snapshot file into the user's branch: the job, and
    its task once the job is committed. A file over the limits is refused (`file`)."""
    staff = staff_of(user)
    if staff is None or staff.role not in IMPORTERS:
        raise PermissionDenied(_("Your role may not do this."))
    try:
        check_file(upload.file, upload.name.lower())
    except FileRefused as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    job = ImportJob.objects.create(
        branch_id=staff.branch_id, file=upload, original_name=upload.name[:200], created_by=user
    )
    enqueue_on_commit("clients.tasks.import_snapshots_file", job.pk)  # tasks import this
    return job


@contextmanager
def open_lines(job: ImportJob):
    """(column names, the data lines streamed) of the job's file, after its checks."""
    job.file.open("rb")
    try:
        file = job.file.file
        check_file(file, job.original_name)
        lines = spreadsheets.read_lines(file, job.original_name)
        header = next(lines, None)
        headers = [column_key(h) for h in (header.values if header else [])]
        missing = [column_label(c) for c in REQUIRED if c not in headers]
        if missing:
            raise FileRefused(_("Missing columns: %(cols)s") % {"cols": "、".join(missing)})
        yield headers, lines
    finally:
        job.file.close()


def count_rows(job: ImportJob) -> int:
    """The number of data rows, read through once; FileRefused beyond the row limit."""
    with open_lines(job) as (_headers, lines):
        total = sum(1 for _line in lines)
    if total > settings.CRM_IMPORT_MAX_ROWS:
        raise FileRefused(
            _("The file has %(rows)d rows; at most %(max)d can be imported at once. Split it "
              "into smaller files.") % {"rows": total, "max": settings.CRM_IMPORT_MAX_ROWS}
        )  # fmt: skip
    return total


def as_row(headers: list[str], values: list) -> dict:
    row = {h: ("" if v is None else v) for h, v in zip(headers, values, strict=False)}
    if isinstance(row.get("date"), datetime):
        row["date"] = row["date"].date()
    return row


def run_import(job_id: int) -> int:
    """Import the job's file from where it stopped; return the number of rows stored."""
    job = ImportJob.objects.defer("error_report").get(pk=job_id)
    if job.status == ImportJob.Status.DONE:
        return job.stored_rows
    try:
        total = count_rows(job)
    except Exception as exc:  # a file refused, unreadable or damaged: no retry helps
        job.status, job.finished_at = ImportJob.Status.FAILED, timezone.now()
        message = str(exc) if isinstance(exc, FileRefused) else (
            _("The file could not be read: %(error)s") % {"error": exc})  # fmt: skip
        job.message = str(spreadsheets.safe_cell(message))[:300]
        job.save(update_fields=["status", "finished_at", "message"])
        return 0
    ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.DONE).update(
        status=ImportJob.Status.RUNNING, total_rows=total, message="",
        started_at=Coalesce("started_at", Value(timezone.now())), finished_at=None,
    )  # fmt: skip
    try:
        with open_lines(job) as (headers, lines):
            position = 0
            while (position := _import_next_batch(job_id, headers, lines, position)) is not None:
                pass
    except Exception:
        _record_interruption(job_id)
        raise
    return _finish(job_id)


def _import_next_batch(job_id: int, headers: list[str], lines: Iterator[Line], position: int):
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
        batch = list(islice(lines, BATCH))
        if not batch:
            return None
        rows = [as_row(headers, line.values) for line in batch if not line.error]
        numbers = [line.number for line in batch if not line.error]
        result = snapshots_upsert(user=job.created_by, rows=rows) if rows else BulkResult()
        errors = [(line.number, "", line.error) for line in batch if line.error]
        errors += [
            (numbers[e["index"]], e["client_no"],
             error_words(e["errors"]))
            for e in result.errors
        ]  # fmt: skip
        report = ""
        if errors:
            head = (
                [[_("row"), column_label("client_no"), _("errors")]] if not job.error_rows else []
            )
            report = "".join(spreadsheets.csv_lines(head + sorted(errors)))
        # the report is appended in the database, never read into the worker
        ImportJob.objects.filter(pk=job_id).update(
            processed_rows=start + len(batch),
            stored_rows=F("stored_rows") + result.stored,
            error_rows=F("error_rows") + len(errors),
            error_report=Concat("error_report", Value(report), output_field=TextField()),
        )
    return start + len(batch)


def _finish(job_id: int) -> int:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("error_report").get(pk=job_id)
        if job.status != ImportJob.Status.DONE:
            job.status, job.finished_at = ImportJob.Status.DONE, timezone.now()
            job.message = _("%(stored)d rows stored, %(errors)d rows with errors.") % {
                "stored": job.stored_rows, "errors": job.error_rows,
            }  # fmt: skip
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
        for job in batch:
            job.file.storage.delete(job.file.name)  # a file already gone is no error
        purged += ImportJob.objects.filter(pk__in=[j.pk for j in batch]).update(file="")
    return purged
