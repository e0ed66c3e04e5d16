"""The snapshot file import behind the UI: CSV or Excel, atomic per batch of rows.

Each batch goes through the same `snapshots_upsert` as the REST endpoint, inside its own
transaction, and the job's progress is saved after it; rows with errors are collected
into a CSV report. Running the job again (a worker killed mid-run) is safe: the upsert
is idempotent and the job restarts from the beginning of the file.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import tablib
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ImportJob
from .services import snapshots_upsert

BATCH = 1000
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
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status == ImportJob.Status.DONE:
        return job.stored_rows
    job.status, job.started_at = ImportJob.Status.RUNNING, timezone.now()
    job.processed_rows = job.stored_rows = job.error_rows = 0
    job.save(update_fields=["status", "started_at", "processed_rows", "stored_rows",
                            "error_rows"])  # fmt: skip
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
    job.total_rows = len(rows)
    job.save(update_fields=["total_rows"])
    report = io.StringIO()
    writer = csv.writer(report)
    writer.writerow([_("row"), "client_no", _("errors")])
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        with transaction.atomic():
            result = snapshots_upsert(user=job.created_by, rows=batch)
        for error in result.errors:
            messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in error["errors"].items())
            writer.writerow([start + error["index"] + 2, error["client_no"], messages])
        job.processed_rows += len(batch)
        job.stored_rows += result.stored
        job.error_rows += len(result.errors)
        job.save(update_fields=["processed_rows", "stored_rows", "error_rows"])
    job.error_report = report.getvalue() if job.error_rows else ""
    job.status, job.finished_at = ImportJob.Status.DONE, timezone.now()
    job.message = _("%(stored)d rows stored, %(errors)d rows with errors.") % {
        "stored": job.stored_rows, "errors": job.error_rows,
    }  # fmt: skip
    job.save(update_fields=["error_report", "status", "finished_at", "message"])
    return job.stored_rows


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
