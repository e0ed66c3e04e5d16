"""A campaign to 100,000 clients: queued through the campaign service (campaign_run →
outreach's messages_queue_bulk) in one run, then again (idempotent: nothing queued twice),
and sending through the SMS backend at the configured rate, each message delivered twice
(a redelivered task) without a second send. Everything runs in a transaction rolled back
at the end: the bench database keeps no campaign.

`make bench` runs it on the large data set (tests/bench/run.py); alone, on its own
database of 100,000 generated clients (the devstack's services running):

    .venv/bin/python -c "import subprocess, sys; from config.devstack import Services; \
        s = Services(); env = s.__enter__(); \
        subprocess.run([sys.executable, '-m', 'tests.bench.campaigns'], env=env)"
"""

from __future__ import annotations

import logging
import os
import time

SEND_SAMPLE = 200  # messages sent through the backend at the configured rate


class CountingBackend:
    """The logging backend, counting what it is asked to send (by idempotency key)."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.references: list[str] = []

    def send(self, request):
        self.references.append(request.reference)
        return self.inner.send(request)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _rate(limit: str) -> float:
    number, _slash, unit = limit.partition("/")
    return float(number) / {"s": 1, "m": 60, "h": 3600}[unit or "s"]


def rows() -> list[str]:
    """The bench's lines (the caller prints them)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone
    from kombu.utils.limits import TokenBucket

    from campaigns import services
    from clients.models import Client
    from crm import services as crm_services
    from crm.models import Branch
    from outreach.models import Message, MessageTemplate
    from outreach.services import sending
    from outreach.sms import LoggingSmsBackend

    lines = []
    users = get_user_model().objects
    with transaction.atomic():
        Client.objects.update(consent_sms=True)  # every client agreed: all 100,000 reached
        owner = users.get(username="hq_admin")
        approver = users.create(username="bench_hq_approver")
        crm_services.staff_assign(user=approver, branch=Branch.objects.get(kind="hq"), role="hq")
        template = MessageTemplate.objects.create(
            code="bench-campaign", name="双十一活动", channel="sms", purpose="marketing",
            body="{{ client_name }}您好，双十一理财节开幕，详询您的客户经理。",
            provider_template_code="SMS_BENCH",
        )  # fmt: skip
        campaign = services.campaign_create(user=owner, data={
            "name": "BENCH 全部客户", "purpose": "marketing", "channel": "sms",
            "template": template, "kind": "one_off", "branch": None,
            "scheduled_at": timezone.now() + timedelta_minutes(1), "segment": {},
        })  # fmt: skip
        campaign = services.campaign_submit(user=owner, campaign=campaign)
        campaign = services.campaign_approve(user=approver, campaign=campaign)
        start = time.perf_counter()
        recipients = services.campaign_recipients(campaign)
        counted = time.perf_counter() - start
        # queued as of yesterday 10:00: quiet hours hold nothing back, every message is due
        at = (timezone.localtime() - timedelta_minutes(24 * 60)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
        start = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            first = profile.runcall(services.campaign_run, campaign, at)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        else:
            first = services.campaign_run(campaign, at)
        queued_in = time.perf_counter() - start
        start = time.perf_counter()
        again = services.campaign_run(campaign, at)
        again_in = time.perf_counter() - start
        messages = Message.objects.filter(source_kind="campaign", source_id=campaign.pk)
        stored = messages.count()
        keys = messages.values("idempotency_key").distinct().count()
        label = f"campaign recipients counted ({recipients.total:,})"
        lines.append(f"{label:<45} {counted:8.2f} s  ({recipients.eligible:,} eligible, "
                     f"{recipients.capped:,} capped, "
                     f"{recipients.no_address:,} no address)")  # fmt: skip
        verdict = "ok" if queued_in < 30 else "OVER"
        lines.append(f"{'campaign to ' + format(first.queued, ',') + ' clients queued':<45} "
                     f"{queued_in:8.2f} s  (target 30 s: {verdict}; "
                     f"{first.queued / queued_in:,.0f} messages/s)")  # fmt: skip
        lines.append(f"{'the same run again (idempotent)':<45} {again_in:8.2f} s  "
                     f"({again.already_queued:,} already queued, {stored:,} messages stored, "
                     f"{keys:,} distinct keys)")  # fmt: skip

        # sending: the task body (outreach.send_message) paced by the worker's token bucket
        # at settings.OUTREACH_SMS_RATE_LIMIT, each message handed over twice
        logging.getLogger("outreach").setLevel(logging.WARNING)
        backend = CountingBackend(LoggingSmsBackend())
        original = sending.get_sms_backend
        sending.get_sms_backend = lambda: backend
        try:
            rate = _rate(settings.OUTREACH_SMS_RATE_LIMIT)
            bucket = TokenBucket(rate, capacity=1)
            ids = list(messages.order_by("id").values_list("pk", flat=True)[:SEND_SAMPLE])
            start = time.perf_counter()
            for message_id in ids:
                while not bucket.can_consume(1):
                    time.sleep(bucket.expected_time(1))
                sending.message_deliver(message_id)
            paced = time.perf_counter() - start
            for message_id in ids:  # redelivered: the row is not QUEUED any more
                sending.message_deliver(message_id)
            start = time.perf_counter()
            raw_ids = list(messages.filter(status="queued").order_by("id")
                           .values_list("pk", flat=True)[:SEND_SAMPLE])  # fmt: skip
            for message_id in raw_ids:
                sending.message_deliver(message_id)
            raw = time.perf_counter() - start
        finally:
            sending.get_sms_backend = original
        sends, distinct = len(backend.references), len(set(backend.references))
        label = f"sending {len(ids)} at {settings.OUTREACH_SMS_RATE_LIMIT}"
        lines.append(f"{label:<45} "
                     f"{paced:8.2f} s  ({len(ids) / paced:.1f}/s; handed over twice each: "
                     f"{sends - len(raw_ids)} sends, duplicates "
                     f"{sends - distinct})")  # fmt: skip
        lines.append(f"{'sending, task body unpaced':<45} {raw:8.2f} s  "
                     f"({len(raw_ids) / raw:.0f}/s through the logging backend; 100,000 at "
                     f"{settings.OUTREACH_SMS_RATE_LIMIT} take "
                     f"{first.queued / rate / 60:.0f} min)")  # fmt: skip
        transaction.set_rollback(True)
    return lines


def timedelta_minutes(n: int):
    from datetime import timedelta

    return timedelta(minutes=n)


def main(n_clients: int = 100_000, db_name: str = "crm_bench_campaigns") -> int:
    """Alone: a database of its own with `n_clients` generated clients (kept for the next
    run)."""
    from tests.bench.run import setup_django

    setup_django(db_name)
    from django.core.management import call_command

    from clients.models import Client
    from crm.management.commands.seed_demo import Command as Seed
    from tests.bench import generate

    call_command("migrate", verbosity=0)
    if Client.objects.count() < n_clients:
        report: dict = {}
        Client.objects.all().delete()
        Seed().seed_kernel()
        generate.ensure_staff()
        generate.generate(n_clients, 1, report)
    print("\n".join(rows()))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
