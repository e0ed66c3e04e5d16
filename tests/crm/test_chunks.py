"""Nightly jobs in chunks by branch (crm/chunks.py): the segmentation and churn scores, the
callbacks due and the dashboards' rollups give the same tables run chunk by chunk as in one
run; a run is finished only when every chunk is done; starting it again, a chunk delivered
twice and the sweep after a lost message change nothing more."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from callcenter import services as callcenter_services
from callcenter.models import Callback
from clients import segmentation
from clients.models import Client, ClientMonth, RetentionCase, TierChange
from crm import chunks, rollups
from crm.management.commands.seed_demo import Command as Seed
from crm.models import Branch, JobChunk, JobRun, MonthlyFigure, RollupMonth
from tests.bench import generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def facts(db):
    """A small bench data set: 5 branches, 400 clients with 14 months of facts, complaints,
    callbacks, calls and service requests."""
    Seed().seed_kernel()
    generate.ensure_staff()
    report: dict = {}
    generate.generate(400, 14, report)
    generate.generate_complaints(60, 90, report)
    generate.generate_callcenter(900, 600, report)
    generate.generate_service_requests(400, report)
    assert Branch.objects.count() >= 5


def once_rolled_back(work, state):
    """`state()` after `work()`, then the database as it was."""
    with transaction.atomic():
        work()
        seen = state()
        transaction.set_rollback(True)
    return seen


def segmentation_state():
    clients = list(
        Client.objects.order_by("pk").values_list(
            "pk", "stage", "tier", "tier_since", "avg_assets", "last_trade_on", "sleeping",
            "rfm_recency", "rfm_frequency", "rfm_monetary", "churn_score", "churn_reasons",
        )
    )  # fmt: skip
    changes = sorted(TierChange.objects.values_list("client_id", "changed_on", "old_tier",
                                                    "new_tier", "avg_assets"))  # fmt: skip
    cases = sorted(RetentionCase.objects.values_list("client_id", "status", "outcome",
                                                     "score_at_open", "reasons"))  # fmt: skip
    return clients, changes, cases


def callbacks_state():
    rows = Callback.objects.exclude(reason="annual_sample").values_list(
        "client_id", "branch_id", "reason", "period", "channel", "due_at", "assignee_id",
        "source_id", "status",
    )  # fmt: skip
    # the annual sample is drawn at random within each branch: its size per branch
    drawn = Callback.objects.filter(reason="annual_sample").values_list("branch_id", "period")
    sample = Counter(drawn)
    return sorted(rows, key=repr), sample


def rollups_state():
    figures = sorted(
        MonthlyFigure.objects.values_list("source", "key", "month", "branch_id", "person_id",
                                          "other_person_id", "num", "den"),
        key=repr,
    )  # fmt: skip
    months = sorted(ClientMonth.objects.values_list(
        "client_id", "month", "days", "avg_assets", "trading_volume", "commission", "turnover"
    ))  # fmt: skip
    rolled = sorted(RollupMonth.objects.values_list("source", "month"))
    return figures, months, rolled


def run_chunked(name, day, django_capture_on_commit_callbacks) -> JobRun:
    with django_capture_on_commit_callbacks(execute=True):
        sent = chunks.job_start(name, day)
    run = JobRun.objects.get(job=name, day=day)
    assert sent == run.chunks.count() > 1
    assert run.finished_at is not None
    assert not run.chunks.filter(done_at__isnull=True).exists()
    return run


def test_chunked_segmentation_equals_the_single_run(facts, django_capture_on_commit_callbacks):
    day = timezone.localdate()
    whole = once_rolled_back(lambda: segmentation.run(day), segmentation_state)
    assert any(c[10] for c in whole[0]) and whole[1]  # churn scores and tier changes
    run = run_chunked("segmentation", day, django_capture_on_commit_callbacks)
    assert run.chunks.count() == Branch.objects.count()  # a branch a chunk
    assert segmentation_state() == whole
    # safe to run twice: a second start sends nothing, a redelivered chunk does nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert chunks.job_start("segmentation", day) == 0
    assert chunks.job_chunk_run(run.chunks.first().pk) is None
    assert segmentation_state() == whole


def test_a_chunk_changes_its_branches_only(facts):
    day = timezone.localdate()
    first, *others = [b for b in Branch.objects.order_by("pk") if b.clients.exists()]
    segmentation.run(day, [first.pk])
    assert not Client.objects.filter(branch=first, client_no__isnull=False, segmented_at=None)
    assert Client.objects.filter(branch=first, segmented_at__isnull=False).exists()
    assert not Client.objects.filter(branch__in=others, segmented_at__isnull=False).exists()
    rollups.nightly_chunk(day, [first.pk])
    assert set(MonthlyFigure.objects.values_list("branch_id", flat=True)) == {first.pk}
    assert set(ClientMonth.objects.values_list("client__branch_id", flat=True)) == {first.pk}


def test_chunked_callbacks_equal_the_single_run(facts, django_capture_on_commit_callbacks):
    day = timezone.localdate()
    segmentation.run(day)  # retention cases, whose callbacks are due too

    def single():
        callcenter_services.generate_due_callbacks(day)
        callcenter_services.callbacks_send_messages()

    before = Callback.objects.count()
    whole = once_rolled_back(single, callbacks_state)
    assert len(whole[0]) + sum(whole[1].values()) > before  # callbacks were due
    run_chunked("callbacks", day, django_capture_on_commit_callbacks)
    assert callbacks_state() == whole


def test_chunked_rollups_equal_the_single_run(facts, django_capture_on_commit_callbacks):
    day = timezone.localdate()
    whole = once_rolled_back(rollups.nightly, rollups_state)
    figures, months, rolled = whole
    assert figures and months and {s for s, _m in rolled} == set(rollups.rollup_keys())
    run = run_chunked("rollups", day, django_capture_on_commit_callbacks)
    # a chunk per branch, and one for the rollups that do not split by branch
    assert run.chunks.count() == Branch.objects.count() + 1
    assert rollups_state() == whole


def test_the_run_finishes_only_when_every_chunk_is_done(facts, django_capture_on_commit_callbacks):
    day = timezone.localdate()
    months_before = RollupMonth.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as sends:
        chunks.job_start("rollups", day)
    run = JobRun.objects.get(job="rollups", day=day)
    assert len(sends) == run.chunks.count()
    for send in sends[:-1]:  # every chunk but one, as parallel workers would
        send()
        run.refresh_from_db()
        assert run.finished_at is None
        assert RollupMonth.objects.count() == months_before  # recorded at the end only
    sends[-1]()
    run.refresh_from_db()
    assert run.finished_at is not None
    assert RollupMonth.objects.count() > months_before


def test_the_sweep_sends_again_the_chunks_whose_message_was_lost(
    facts, django_capture_on_commit_callbacks
):
    day = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=False):
        chunks.job_start("segmentation", day)  # the broker lost every message
    run = JobRun.objects.get(job="segmentation", day=day)
    with django_capture_on_commit_callbacks(execute=True):
        assert chunks.job_resume() == 0  # too recent: maybe just waiting in the queue
    JobChunk.objects.filter(run=run).update(sent_at=timezone.now() - timedelta(minutes=31))
    with django_capture_on_commit_callbacks(execute=True):
        assert chunks.job_resume() == run.chunks.count()
    run.refresh_from_db()
    assert run.finished_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert chunks.job_resume() == 0


def test_the_beat_starts_the_chunked_jobs_on_the_analytics_queue(settings):
    beat = {e["task"]: e for e in settings.CELERY_BEAT_SCHEDULE.values()}
    started = {e["args"][0] for e in settings.CELERY_BEAT_SCHEDULE.values()
               if e["task"] == "crm.tasks.job_start"}  # fmt: skip
    assert started == {"segmentation", "callbacks", "rollups"} == set(chunks.registered_jobs())
    assert "crm.tasks.job_resume" in beat


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_workers_run_each_chunk_once_and_finish_the_run_once(org, monkeypatch):
    """Two workers get every chunk (a redelivery each) and all run at the same time: each
    chunk runs once, the run is finished once, by whichever chunk came last."""
    import threading

    from django.db import connection as thread_connection

    sent: list[int] = []
    monkeypatch.setattr(chunks, "enqueue_on_commit", lambda task, pk: sent.append(pk))
    finished: list[object] = []
    job = chunks._jobs["rollups"]
    monkeypatch.setitem(chunks._jobs, "rollups", chunks.ChunkedJob(
        "rollups", job.run_chunk, finish=lambda day: finished.append(day), whole_part=True,
    ))  # fmt: skip
    day = timezone.localdate()
    chunks.job_start("rollups", day)
    assert len(sent) == Branch.objects.count() + 1
    deliveries = sent * 2
    barrier = threading.Barrier(len(deliveries))
    results: list[object] = []

    def worker(pk):
        try:
            barrier.wait()
            results.append(chunks.job_chunk_run(pk))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker, args=(pk,)) for pk in deliveries]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == len(deliveries)
    # the second copy of each chunk found it locked or done
    assert sum(r is not None for r in results) == len(sent)
    assert finished == [day]
    run = JobRun.objects.get(job="rollups", day=day)
    assert run.finished_at is not None
    assert not run.chunks.filter(done_at__isnull=True).exists()
