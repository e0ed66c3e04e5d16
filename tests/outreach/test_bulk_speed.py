"""messages_queue_bulk over many clients: one INSERT per 5,000, no query per client.
OUTREACH_BULK_N=100000 measures the campaign size of the issue (README figures)."""

from __future__ import annotations

import os
import time

import pytest
import time_machine
from django.db import connection

from clients.models import Client
from outreach.models import Message
from outreach.services.messages import messages_queue_bulk
from tests.factories import make_client
from tests.outreach.helpers import local, sms_template

pytestmark = pytest.mark.django_db
N = int(os.environ.get("OUTREACH_BULK_N", "5000"))


def _clients(owner, n: int) -> None:
    """n clients in one INSERT … SELECT (the profile service is not what is measured)."""
    template = make_client(owner, name="模板客户", consent_sms=True)
    columns = [f.column for f in Client._meta.concrete_fields if f.column not in ("id",)]
    values = ", ".join(
        {"client_no": "'9' || lpad(g::text, 9, '0')", "phone": "'137' || lpad(g::text, 8, '0')",
         "name": "'客户' || g", "id_number_hash": "NULL", "consent_sms": "(g %% 10 <> 0)",
         "email": "''"}.get(c, f'"{c}"')
        for c in columns
    )  # fmt: skip
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO clients_client ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)}) "
            f"SELECT {values} FROM clients_client, generate_series(1, %s) g WHERE id = %s",
            [n, template.pk],
        )


@time_machine.travel(local(2026, 12, 1, 10), tick=True)
def test_bulk_queue_is_set_based(org, capsys):
    _clients(org.am, N)
    template = sms_template()
    started = time.perf_counter()
    result = messages_queue_bulk(
        clients=Client.objects.all(), channel="sms", purpose="marketing", template=template,
        source_kind="campaign", source_id=1, key_prefix="campaign:1",
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nqueued {result.queued} of {N + 1} clients in {elapsed:.2f} s")
    assert result.queued + result.withheld_no_consent == N + 1
    assert result.withheld_no_consent == N // 10
    assert Message.objects.count() == result.queued
    assert elapsed < 30 * max(N, 1) / 100_000 + 5
    again = messages_queue_bulk(
        clients=Client.objects.all(), channel="sms", purpose="marketing", template=template,
        source_kind="campaign", source_id=1, key_prefix="campaign:1",
    )  # fmt: skip
    assert again.queued == 0 and again.already_queued == result.queued
