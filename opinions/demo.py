"""Demo opinions (idempotent). The callbacks' opinions reach the register through the
call center's own service (callcenter seeds first); here a few of those are routed and
answered, and a handful entered by hand over the last months fill the analysis."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from clients.models import Client

from . import services
from .models import Opinion, SourceKind, Status

MANUAL = [
    # (months ago, category, text)
    (1, "fees", "希望降低两融利率，和其他券商相比偏高。"),
    (2, "systems", "手机App行情刷新偶尔卡顿，希望优化。"),
    (3, "service", "营业部周六能否安排人员值班办理业务。"),
    (4, "advice", "希望客户经理定期推送市场策略报告。"),
    (5, "staff", "客户经理服务态度很好，提出表扬。"),
    (6, "other", "营业厅停车位不足。"),
]


def seed_opinions(users, stdout) -> None:
    manager, am = users["bm_bj"], users["am_bj"]
    now = timezone.now()
    if not Opinion.objects.filter(source_kind=SourceKind.MANUAL).exists():
        clients = list(Client.objects.filter(branch=manager.staff.branch)
                       .exclude(client_no=None).order_by("id")[:len(MANUAL)])  # fmt: skip
        for (months, category, text), client in zip(MANUAL, clients, strict=False):
            services.opinion_create(user=manager, data={
                "client": client, "category": category, "text": text,
                "received_at": now - timedelta(days=30 * months + 3),
            })  # fmt: skip
    worked = Opinion.objects.exclude(status=Status.OPEN).exists()
    heard = [] if worked else list(
        Opinion.objects.filter(branch=manager.staff.branch, status=Status.OPEN)
        .order_by("received_at", "id")[:3]
    )  # fmt: skip
    for i, opinion in enumerate(heard):
        opinion = services.opinion_route(user=manager, opinion=opinion, department="财富管理部",
                                         routed_to=am if i != 1 else None)  # fmt: skip
        if i == 0:
            answer = "已与客户沟通，下月起每两周安排一次投顾服务。"
            opinion = services.opinion_answer(user=am, opinion=opinion, answer=answer)
            services.opinion_close(user=manager, opinion=opinion, note="客户认可")
    stdout.write(f"  opinions: {Opinion.objects.count()} in the register\n")
