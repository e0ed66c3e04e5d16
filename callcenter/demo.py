"""Demo call center: scripts, policies, a month of callbacks and calls, an inspection."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from clients.models import Client
from crm.demo import office_hours
from opinions.models import Opinion

from . import services
from .models import Call, Callback, CallbackPolicy, Script, WrapUpCode

WRAP_UP_CODES = (  # as the 0004 migration seeds them
    ("consultation", "业务咨询"), ("business", "业务办理"), ("complaint", "投诉"),
    ("callback", "回访"), ("notice", "通知"), ("wrong_number", "打错电话"), ("other", "其他"),
)  # fmt: skip

SCRIPTS = {
    "new_account": (
        "新开户回访话术",
        "您好，我是××证券××营业部的回访专员。请问是××先生/女士本人吗？\n"
        "1. 核实身份：请您提供身份证号后四位。\n"
        "2. 确认开户由本人办理、风险测评由本人完成。\n"
        "3. 是否有员工代您操作账户？\n"
        "4. 开户时是否向您充分揭示了风险？\n"
        "5. 是否将账户全权委托他人？\n"
        "6. 您对我们的服务是否满意（1-5分）？",
    ),
    "annual_sample": (
        "年度抽样回访话术",
        "您好，这是年度例行回访。请核实身份后，确认近期账户变更、"
        "是否存在代客操作、全权委托，以及对服务的满意度。",
    ),
    "periodic": (
        "定期关怀回访话术",
        "您好，我是您的客户经理/回访专员，近期市场波动较大，想了解您的投资需求，是否需要安排投顾服务？",
    ),
    "complaint_closed": (
        "投诉结案回访话术",
        "您好，关于您前期反映的问题已经处理完毕，想了解您对处理结果是否满意，还有其他意见吗？",
    ),
    "visit": (
        "拜访后回访话术",
        "您好，感谢您上次接待我们的客户经理，请问拜访中介绍的方案是否清楚？",
    ),
    "retention": (
        "客户挽留回访话术",
        "您好，注意到您的账户近期有变化，想了解是否有我们可以改进的地方。"
        "（注意：不得阻止或拖延客户转户、销户）",
    ),
}


def ensure_default_policies() -> None:
    """Callback intervals per tier for a branch that has configured none (demo, bench)."""
    if CallbackPolicy.objects.exists():
        return
    CallbackPolicy.objects.bulk_create([
        CallbackPolicy(tier="ultra", interval_days=30, assignee="owner"),
        CallbackPolicy(tier="hnw", interval_days=60, assignee="owner"),
        CallbackPolicy(tier="vip", interval_days=90),
        CallbackPolicy(tier="potential", interval_days=180),
        CallbackPolicy(tier="mass", interval_days=365, channel="sms"),
    ])  # fmt: skip


def seed_callcenter(users: dict, stdout) -> None:
    if Script.objects.exists():
        return
    rng = random.Random(11)
    for reason, (title, body) in SCRIPTS.items():
        Script.objects.create(reason=reason, title=title, body=body)
    for order, (code, name) in enumerate(WRAP_UP_CODES, start=1):
        WrapUpCode.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order * 10}
        )
    ensure_default_policies()
    counts = services.generate_due_callbacks()
    agent = users["agent_bj"]
    now = timezone.now()
    pool = list(Callback.objects.filter(branch=agent.staff.branch, assignee=None,
                                        status="open").order_by("id")[:40])  # fmt: skip
    for i, cb in enumerate(pool[:30]):
        overdue_days = rng.randint(1, 28)  # due on a working day, in office hours
        Callback.objects.filter(pk=cb.pk).update(due_at=office_hours(rng, now, overdue_days))
        cb.refresh_from_db()
        services.callback_claim(user=agent, callback=cb)
        if i % 5 == 4:
            services.callback_fail(user=agent, callback=cb, outcome="no_answer")
            continue
        if i % 7 == 6:
            services.callback_fail(user=agent, callback=cb, outcome="wrong_number")
            continue
        services.callback_complete(
            user=agent, callback=cb, identity_verified=True, trading_by_staff="no",
            risks_disclosed="yes" if i % 9 else "no", discretionary_mandate="no",
            satisfaction=rng.choice([3, 4, 4, 5, 5, 5]),
            opinion="希望增加投顾服务频次" if i % 4 == 0 else "", opinion_category="service"
            if i % 4 == 0 else "",
        )  # fmt: skip
        completed_at = office_hours(rng, now, rng.randint(0, overdue_days - 1))
        Callback.objects.filter(pk=cb.pk).update(completed_at=completed_at)
        # its opinion (opinions.services.opinion_record) was heard at the same time
        Opinion.objects.filter(source_kind="callback", source_id=cb.pk).update(
            received_at=completed_at
        )
    clients = list(Client.objects.filter(branch=agent.staff.branch).exclude(client_no=None)[:30])
    codes = {c.code: c for c in WrapUpCode.objects.all()}
    starts = sorted(office_hours(rng, now, rng.randint(1, 28)) for _i in range(40))
    for i, start in enumerate(starts):  # oldest first: a repeat contact sees the earlier call
        client = rng.choice(clients)
        services.call_record(user=users["sys_telephony"], data={
            "call_id": f"DEMO-{i:04d}", "direction": "inbound" if i % 3 else "outbound",
            "phone": client.phone, "agent": agent, "started_at": start,
            "ended_at": start + timedelta(seconds=rng.randint(40, 600)),
            "wrap_up": codes[rng.choice(["consultation", "business", "callback"])],
            "notes": "客户咨询交易规则", "recording_ref": f"REC-{i:05d}",
        })  # fmt: skip
    # a few repeat contacts: the same client again two days later about the same thing
    for i, client in enumerate(clients[:3]):
        for n, days in enumerate((3, 1)):
            start = office_hours(rng, now, days)
            services.call_record(user=users["sys_telephony"], data={
                "call_id": f"DEMO-R{i}{n}", "direction": "inbound", "phone": client.phone,
                "agent": agent, "started_at": start, "ended_at": start + timedelta(minutes=4),
                "wrap_up": codes["business"], "notes": "客户再次来电询问业务办理进度",
            })  # fmt: skip
    # calls the telephony posted without a wrap-up code: waiting on agent_bj's workbench
    for i, client in enumerate(clients[3:6]):
        start = now - timedelta(minutes=10 * (i + 2))  # within the hour
        services.call_record(user=users["sys_telephony"], data={
            "call_id": f"DEMO-W{i}", "direction": "inbound", "phone": client.phone,
            "agent": agent, "started_at": start, "ended_at": start + timedelta(minutes=3),
        })  # fmt: skip
    services.inspection_draw(
        user=users["hq_admin"],
        branch=agent.staff.branch,
        period_start=(now - timedelta(days=31)).date(),
        period_end=now.date(),
        size=5,
    )
    stdout.write(f"  callbacks generated {counts}, {Call.objects.count()} calls")
