"""Demo service requests (idempotent): about 60 over the last two months, received in
office hours, in every category; some resolved on first contact, some overdue, one
escalated to a complaint. Times are consistent: received < resolved < closed, none in
the future."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from clients.models import Client
from crm.workdays import SHANGHAI

from . import services
from .models import ServiceCategory, ServiceRequest, ServiceRequestEvent

DESCRIPTIONS = {
    "account": "客户咨询开户所需材料及办理时间。",
    "trading": "客户询问委托未成交的原因及撤单方式。",
    "password_security": "客户交易密码连续输错被锁定，申请重置。",
    "fees": "客户询问当前佣金费率及调整方式。",
    "transfer": "客户银证转账资金未到账，询问处理进度。",
    "info_change": "客户更换手机号码，需要变更预留联系方式。",
    "products": "客户咨询某理财产品的风险等级与起购金额。",
    "systems": "客户手机交易软件登录后行情不刷新。",
    "other": "客户询问营业厅营业时间及停车安排。",
}
RESOLUTIONS = {
    "account": "已告知所需材料并预约临柜时间。",
    "trading": "已说明委托价格偏离，指导客户撤单重报。",
    "password_security": "已核实身份并协助重置密码。",
    "fees": "已告知当前费率，客户无异议。",
    "transfer": "已联系银行核实，资金已到账。",
    "info_change": "已协助客户完成联系方式变更。",
    "products": "已发送产品说明书并提示风险。",
    "systems": "已指导客户清除缓存并升级版本，问题解决。",
    "other": "已告知营业时间及周边停车场。",
}


def _office_moment(rng, now, days_ago) -> datetime:
    day = (now - timedelta(days=days_ago)).astimezone(SHANGHAI).date()
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    hour, minute = rng.randint(9, 15), rng.randint(0, 59)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _retime(sr: ServiceRequest, *, started=None, resolved=None, closed=None) -> None:
    """Put the demo's steps at their moments in the past (services stamp `now`)."""
    moments = {"receive": sr.received_at, "start": started, "resolve": resolved,
               "close": closed}  # fmt: skip
    for action, at in moments.items():
        if at is not None:
            ServiceRequestEvent.objects.filter(request=sr, action=action).update(at=at)
    fields = {}
    if resolved is not None:
        fields.update(resolved_at=resolved, answer_met=resolved <= sr.due_at)
    if closed is not None:
        fields["closed_at"] = closed
    if fields:
        ServiceRequest.objects.filter(pk=sr.pk).update(**fields)


def seed_service_requests(users: dict, stdout) -> None:
    if ServiceRequest.objects.exists():
        return
    rng = random.Random(18)
    now = timezone.now()
    agent, am = users["agent_bj"], users["am_bj"]
    clients = list(Client.objects.filter(owner=am).exclude(client_no=None).order_by("id")[:50])
    categories = list(ServiceCategory.objects.filter(parent__isnull=True, is_active=True))
    subs: dict[int, list] = {}
    for sub in ServiceCategory.objects.filter(parent__isnull=False, is_active=True):
        subs.setdefault(sub.parent_id, []).append(sub)
    if not clients or not categories:
        return

    def receive(received_at, **extra):
        category = extra.pop("category", None) or rng.choice(categories)
        data = {
            "client": rng.choice(clients), "channel": rng.choice(["phone", "phone", "on_site",
                                                                 "online", "app"]),
            "category": category,
            "subcategory": rng.choice(subs[category.pk]) if subs.get(category.pk) else None,
            "priority": rng.choice([1, 2, 2, 2, 3, 4]),
            "description": DESCRIPTIONS.get(category.code, DESCRIPTIONS["other"]),
            "received_at": received_at, **extra,
        }  # fmt: skip
        return services.servicerequest_receive(user=agent, data=data), category

    # history: 46 over the last two months, resolved (a third on first contact) and closed
    for i in range(46):
        received_at = _office_moment(rng, now, rng.randint(3, 60))
        if i % 3 == 0:
            sr, category = receive(received_at, resolved_now=True, resolution="当场解答客户疑问。")
            resolved = received_at + timedelta(minutes=rng.randint(3, 15))
            _retime(sr, resolved=resolved)
            continue
        sr, category = receive(received_at)
        sr = services.servicerequest_start(user=agent, service_request=sr)
        started = received_at + timedelta(minutes=rng.randint(5, 40))
        # most within the day, some late (over the working day of the time limit)
        resolved = started + timedelta(hours=rng.choice([1, 2, 3, 4, 6, 20, 30, 54]))
        resolved = min(resolved, now - timedelta(hours=2))
        sr = services.servicerequest_resolve(user=agent, service_request=sr,
                                             resolution=RESOLUTIONS[category.code])  # fmt: skip
        closed = None
        if i % 5:
            sr = services.servicerequest_close(user=agent, service_request=sr)
            closed = min(
                resolved + timedelta(hours=rng.choice([1, 4, 24])), now - timedelta(hours=1)
            )
        _retime(sr, started=started, resolved=resolved, closed=closed)
    # open work: received today, in progress, waiting for the client, overdue
    for days_ago, state in [(0, "received"), (0, "received"), (0, "in_progress"),
                            (1, "in_progress"), (1, "waiting"), (2, "in_progress"),
                            (4, "received"), (6, "in_progress"), (8, "received"),
                            (10, "in_progress"), (12, "waiting"), (5, "in_progress"),
                            (3, "received")]:  # fmt: skip
        received_at = _office_moment(rng, now, days_ago)
        if received_at > now:
            received_at = now - timedelta(minutes=30)
        sr, _c = receive(received_at)
        if state in ("in_progress", "waiting"):
            sr = services.servicerequest_start(user=agent, service_request=sr)
            _retime(sr, started=min(received_at + timedelta(minutes=20), now))
        if state == "waiting":
            services.servicerequest_wait_for_client(user=agent, service_request=sr,
                                                    note="等待客户补充身份证明材料")  # fmt: skip
    # one request the client was dissatisfied with: escalated to a complaint
    fees = next((c for c in categories if c.code == "fees"), categories[0])
    sr, _c = receive(_office_moment(rng, now, 2), category=fees, priority=3)
    sr = services.servicerequest_start(user=agent, service_request=sr)
    services.servicerequest_escalate_to_complaint(
        user=agent, service_request=sr, reason="客户对佣金调整的解释不满意，要求投诉"
    )
    # and one from a caller who is not a client, transferred to the back office
    services.servicerequest_transfer(
        user=agent, back_office=True,
        service_request=services.servicerequest_receive(user=agent, data={
            "caller_name": "来电人", "caller_phone": "13811113333", "channel": "phone",
            "category": categories[0], "description": "咨询开户所需材料。",
            "received_at": now - timedelta(minutes=30),
        }),
    )  # fmt: skip
    stdout.write(f"  {ServiceRequest.objects.count()} service requests")
