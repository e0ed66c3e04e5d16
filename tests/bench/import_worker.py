"""Run one snapshot import job in this process, as a Celery worker would, and print the
process's peak resident memory in MB (the measurement of tests/clients/test_imports.py
and tests/bench/test_import_memory.py).

    python tests/bench/import_worker.py JOB_ID DATABASE_NAME MEDIA_ROOT
"""

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402

job_id, database, media_root = sys.argv[1:4]
connections["default"].settings_dict["NAME"] = database  # the test database
settings.MEDIA_ROOT = media_root

from clients.imports import run_import  # noqa: E402

started = time.monotonic()
stored = run_import(int(job_id))
print(f"stored {stored} in {time.monotonic() - started:.1f} s", file=sys.stderr)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # KB on Linux
