"""An import job is queued through clients.imports.import_job_create: into the uploader's
branch, by branch managers and headquarters only, a file over the limits refused on its
field before any job exists, and the task enqueued once the job is committed."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from clients.imports import import_job_create
from clients.models import AccountSnapshot, ImportJob
from tests.factories import make_client

CSV = b"client_no,date,total_assets\n1100000001,2025-10-31,1000\n"


def upload(content: bytes = CSV, name: str = "snapshots.csv"):
    return SimpleUploadedFile(name, content)


def test_a_job_is_queued_in_the_uploaders_branch_and_run_after_commit(
    org, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    make_client(org.am, client_no="1100000001")
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(user=org.bm, upload=upload())
        assert ImportJob.objects.get().status == ImportJob.Status.QUEUED  # not run yet
    job.refresh_from_db()
    assert (job.branch, job.created_by, job.original_name) == (org.bj, org.bm, "snapshots.csv")
    assert job.status == ImportJob.Status.DONE and job.stored_rows == 1
    assert AccountSnapshot.objects.count() == 1


def test_headquarters_imports_into_its_own_branch(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert import_job_create(user=org.hq, upload=upload()).branch == org.hq_branch
    assert import_job_create(user=org.bm_sh, upload=upload()).branch == org.sh


def test_a_file_over_the_limits_is_refused_on_its_field(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CRM_IMPORT_MAX_BYTES = 10
    with pytest.raises(ValidationError) as refused:
        import_job_create(user=org.bm, upload=upload())
    assert set(refused.value.message_dict) == {"file"}
    settings.CRM_IMPORT_MAX_BYTES = 10**6
    with pytest.raises(ValidationError) as refused:
        import_job_create(user=org.bm, upload=upload(b"not a zip", "snapshots.xlsx"))
    assert set(refused.value.message_dict) == {"file"}
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("role", ["am", "advisor", "agent", "compliance", "integration"])
def test_only_branch_managers_and_headquarters_import(org, settings, tmp_path, role):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(PermissionDenied):
        import_job_create(user=getattr(org, role), upload=upload())
    assert not ImportJob.objects.exists()
