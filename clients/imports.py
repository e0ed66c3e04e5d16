"""The snapshot file import behind the UI: CSV or Excel, atomic per batch of rows.

Each batch goes through the same `snapshots_upsert` as the REST endpoint, in one
transaction with the job's progress (rows processed, stored, with errors, and the error
report so far): a batch and the count of it are stored together or not at all. An
import interrupted halfway (a worker killed, the database gone, a bug) therefore leaves
whole batches only, the job says how many rows were stored, and running it again (the
task's retry, a redelivered message, the stalled-import sweep) resumes after the last
stored batch. Each batch locks the job row, so two runs of one job never import the
same batch twice; the upsert is idempotent anyway.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime

import tablib
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ImportJob
from .services import snapshots_upsert

logger = logging.getLogger(__name__)

BATCH = 1000
STALLED_AFTER_MINUTES = 10  # queued this long: the sweep enqueues the job again
COLUMNS = ("client_no", "date", "total_assets", "cash", "market_value", "net_inflow",
           "trading_volume", "trade_count", "commission")  # fmt: skip


def read_rows(job: ImportJob) -> list[dict]:
    raw = job.file.read()
    if job.original_name.lower().endswith(".xlsx"):
        dataset = tablib.Dataset().load(io.BytesIO(raw), format="xlsx")
    else:
        text = raw.decode("utf-8-sig")
        dataset = tablib.Dataset().load(text, format="csv")
    headers = [str(h or "").strip().lower() for h in dataset.headers or []]
    missing = [c for c in ("client_no", "date", "total_assets") if c not in headers]
    if missing:
        raise ValueError(_("Missing columns: %(cols)s") % {"cols": ", ".join(missing)})
    rows = []
    for values in dataset:
        row = {h: ("" if v is None else v) for h, v in zip(headers, values, strict=False)}
        if isinstance(row.get("date"), datetime):
            row["date"] = row["date"].date()
        rows.append(row)
    return rows


def run_import(job_id: int) -> int:
    """Import the job's file from where it stopped; return the number of rows stored."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status == ImportJob.Status.DONE:
        return job.stored_rows
    try:
        job.file.open("rb")
        rows = read_rows(job)
    except Exception as exc:
        job.status, job.finished_at = ImportJob.Status.FAILED, timezone.now()
        job.message = (_("The file could not be read: %(error)s") % {"error": exc})[:300]
        job.save(update_fields=["status", "finished_at", "message"])
        return 0
    finally:
        job.file.close()
    ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.DONE).update(
        status=ImportJob.Status.RUNNING, total_rows=len(rows), message="",
        started_at=Coalesce("started_at", Value(timezone.now())), finished_at=None,
    )  # fmt: skip
    try:
        while _import_next_batch(job_id, rows):
            pass
    except Exception:
        _record_interruption(job_id)
        raise
    return _finish(job_id)


def _import_next_batch(job_id: int, rows: list[dict]) -> bool:
    """Store the batch after the last stored one with the job's progress, in one
    transaction; False when there is nothing left."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("created_by").get(pk=job_id)
        start = job.processed_rows
        if job.status == ImportJob.Status.DONE or start >= len(rows):
            return False
        batch = rows[start : start + BATCH]
        result = snapshots_upsert(user=job.created_by, rows=batch)
        if result.errors:
            report = io.StringIO()
            writer = csv.writer(report)
            if not job.error_report:
                writer.writerow([_("row"), "client_no", _("errors")])
            for error in result.errors:
                messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in error["errors"].items())
                writer.writerow([start + error["index"] + 2, error["client_no"], messages])
            job.error_report += report.getvalue()
        job.processed_rows = start + len(batch)
        job.stored_rows += result.stored
        job.error_rows += len(result.errors)
        job.save(update_fields=["processed_rows", "stored_rows", "error_rows", "error_report"])
    return True


def _finish(job_id: int) -> int:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
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
        job = ImportJob.objects.get(pk=job_id)
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
