"""Demo complaints in every status, some near and some past their deadlines (idempotent)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from clients.models import Client

from . import services
from .models import Complaint

DESCRIPTIONS = {
    "trading": "委托下单后系统长时间未成交，客户认为营业部未及时处理。",
    "fees": "客户对佣金费率调整未提前告知表示不满。",
    "staff_conduct": "客户反映客户经理电话推销过于频繁，态度生硬。",
    "advice": "客户认为投资顾问推荐的产品风险等级与其承受能力不符。",
    "account": "客户办理资金账户密码重置等待时间过长。",
    "systems": "手机交易软件行情延迟，客户错过卖出时机。",
    "other": "营业厅停车位不足，客户多次无法停车。",
}


def seed_complaints(users: dict, stdout) -> None:
    if Complaint.objects.exists():
        return
    rng = random.Random(7)
    now = timezone.now()
    agent, am, bm = users["agent_bj"], users["am_bj"], users["bm_bj"]
    clients = list(Client.objects.filter(owner=am).exclude(client_no=None).order_by("id")[:40])
    topics = list(DESCRIPTIONS)

    def receive(days_ago, minutes=0, **extra):
        client = clients.pop()
        topic = extra.pop("topic", rng.choice(topics))
        data = {"client": client, "channel": extra.pop("channel", rng.choice(
            ["phone", "on_site", "letter", "online", "hotline_12386"])),
            "topic": topic, "description": DESCRIPTIONS[topic],
            "received_at": now - timedelta(days=days_ago, minutes=minutes),
            "category": extra.pop("category", "general"),
            "severity": extra.pop("severity", rng.randint(1, 3)), **extra}  # fmt: skip
        return services.complaint_receive(user=agent, data=data)

    # history over the last six months, closed with satisfaction
    for days in (170, 150, 120, 100, 80, 60, 45, 35, 20):
        c = receive(days)
        c = services.complaint_acknowledge(user=agent, complaint=c)
        c = services.complaint_investigate(user=agent, complaint=c)
        c = services.complaint_resolve(user=agent, complaint=c, resolution="已向客户说明并改进流程",
                                       feedback="已书面回复客户处理结果", root_cause="流程不清晰",
                                       corrective_action="完善操作规程")  # fmt: skip
        c = services.complaint_review(
            user=am, complaint=c, note="复核无误", satisfaction=rng.choice([3, 4, 5, 5])
        )
        services.complaint_close(user=bm, complaint=c)
    # open work in every state
    receive(0, minutes=10, severity=3)  # just received: first response due soon
    receive(0, minutes=300, channel="hotline_12386", severity=4)  # first response overdue
    services.complaint_acknowledge(user=agent, complaint=receive(1))
    c = services.complaint_acknowledge(user=agent, complaint=receive(9, severity=3))
    services.complaint_investigate(user=agent, complaint=c)  # resolution overdue
    c = services.complaint_acknowledge(user=agent, complaint=receive(5))
    c = services.complaint_investigate(user=agent, complaint=c)
    services.complaint_pause(user=agent, complaint=c, note="等待客户提供交割单")
    c = services.complaint_acknowledge(
        user=agent, complaint=receive(3, category="major_economic", severity=5,
                                      claimed_compensation=50000, topic="advice", is_group=True)
    )  # fmt: skip
    services.complaint_transfer(user=bm, complaint=c, handler=am, note="由客户经理跟进")
    c = services.complaint_acknowledge(user=agent, complaint=receive(4))
    c = services.complaint_investigate(user=agent, complaint=c)
    services.complaint_resolve(
        user=agent, complaint=c, resolution="已为客户重置密码", feedback="短信及书面告知客户"
    )  # resolved, to review
    services.complaint_refuse(
        user=agent,
        complaint=receive(2, topic="other"),
        reason="不属于证券业务投诉范围，已告知客户向物业反映",
    )
    services.complaint_receive(user=agent, data={
        "complainant_name": "匿名来电", "complainant_phone": "13811112222", "channel": "phone",
        "topic": "staff_conduct", "description": DESCRIPTIONS["staff_conduct"],
        "received_at": now - timedelta(hours=2),
    })  # fmt: skip
    stdout.write(f"  {Complaint.objects.count()} complaints")
