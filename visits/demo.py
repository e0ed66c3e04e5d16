"""Demo visits: plans in every state, records, quotas, consultations, two events."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from clients.models import Client
from crm.demo import weekday_at
from products.models import Product

from . import services
from .models import Event, Invitation, QuotaLog, VisitPlan

RECORDED = [  # (catalogue code, recording reference, the client's levels it suits)
    ("600519", "20261101-0007", ("C4", "C5")),
    ("SM0001", "20261115-0012", ("C4", "C5")),
    ("JG0001", "20261120-0031", ("C3",)),  # above the level, on written insistence
]


def seed_recorded_sales(am, adv, clients, catalogue, now) -> None:
    """A few recorded sales (双录) of the catalogue's higher-risk products."""
    used = set()
    for i, (code, ref, levels) in enumerate(RECORDED):
        client = next((c for c in clients[2:] if c.risk_level in levels and c.pk not in used
                       and not c.lowest_category and c.investor_class == "ordinary"),
                      None)  # fmt: skip
        if client is None or code not in catalogue:
            continue
        used.add(client.pk)
        above = catalogue[code].level > int(client.risk_level[1])
        sheet = services.consultation_file(user=am, client=client, advisor=adv,
                                           question="想了解高收益产品的配置建议")  # fmt: skip
        services.consultation_answer(
            user=adv, consultation=sheet, analysis="客户风险承受能力与产品风险匹配情况已评估",
            advice="可小比例配置，注意控制仓位", products=[{
                "product": catalogue[code], "client_insists_in_writing": above,
                "special_warning_given": above, "recording_ref": ref,
                "recorded_at": now - timedelta(days=3 + i, hours=2)}],
        )  # fmt: skip


def seed_visits(users: dict, stdout) -> None:
    if VisitPlan.objects.exists():
        return
    am, bm, adv = users["am_bj"], users["bm_bj"], users["adv_bj"]
    clients = list(Client.objects.filter(owner=am).exclude(client_no=None)
                   .order_by("-avg_assets")[:12])  # fmt: skip
    now = timezone.now()
    today = timezone.localdate(now)

    def plan(i, days, kind="door_to_door"):
        # a weekday `days` ahead, between 09:00 and 16:30 (plans are made for working hours)
        at = weekday_at(today + timedelta(days=days), 9 + (i * 3) % 8, 30 * (i % 2))
        return services.visit_plan_create(
            user=am, client=clients[i], kind=kind, planned_at=at,
            place="客户办公室" if kind == "door_to_door" else "营业部贵宾室",
            purpose="了解近期投资需求，介绍资产配置服务",
            analysis="客户资产较大，偏好稳健，关注分红类产品",
        )  # fmt: skip

    plan(0, 3)  # draft
    services.visit_plan_submit(user=am, plan=plan(1, 4, "invitation"))  # waiting for approval
    approved = plan(2, 1)
    services.visit_plan_submit(user=am, plan=approved)
    services.visit_plan_approve(user=bm, plan=approved)
    rejected = plan(3, 5)
    services.visit_plan_submit(user=am, plan=rejected)
    services.visit_plan_reject(user=bm, plan=rejected, reason="与上周拜访重复，请合并")
    done = plan(4, 2)
    services.visit_plan_submit(user=am, plan=done)
    services.visit_plan_approve(user=bm, plan=done)
    done_at = weekday_at(today - timedelta(days=2), 10, forward=False)
    VisitPlan.objects.filter(pk=done.pk).update(planned_at=done_at)
    done.refresh_from_db()
    services.visit_plan_complete(
        user=am, plan=done, presented="介绍了公司研究服务与资产配置方案",
        investment_direction="红利低波", expected_return="6%-8%", risk_control="回撤不超过10%",
        risk_preference="稳健", proposal="配置红利ETF与短债基金", next_steps="一周后回访确认方案",
        next_step_on=(now + timedelta(days=7)).date(), research_request="客户希望了解REITs产品",
    )  # fmt: skip
    services.visit_plan_cancel(user=am, plan=plan(5, 6))
    services.quota_set(user=bm, account_manager=am, contacts_target=5, patrols_target=2)
    services.quota_set(
        user=bm, account_manager=users["am_bj2"], contacts_target=4, patrols_target=1
    )
    for c in clients[6:9]:
        services.quota_log(user=am, kind=QuotaLog.Kind.CONTACT, client=c, note="电话问候")
    services.quota_log(user=am, kind=QuotaLog.Kind.PATROL, room="大户室A", note="巡视正常")
    sheet = services.consultation_file(
        user=am, client=clients[0], advisor=adv, question="持仓集中在白酒板块，是否需要调整？"
    )
    services.consultation_file(
        user=am, client=clients[1], advisor=adv, question="想了解可转债的投资机会"
    )
    catalogue = {
        p.code: p for p in Product.objects.filter(code__in=["510300", "600519", "JG0001", "SM0001"])
    }
    etf = ({"product": catalogue["510300"]} if "510300" in catalogue
           else {"name": "沪深300ETF", "risk_level": "R3"})  # fmt: skip
    services.consultation_answer(user=adv, consultation=sheet, analysis="行业集中度偏高",
                                 advice="建议分散配置，降低单一行业占比",
                                 products=[etf] if clients[0].risk_level >= "C3"
                                 else [])  # fmt: skip
    seed_recorded_sales(am, adv, clients, catalogue, now)
    last_wednesday = weekday_at(today - timedelta(days=(today.weekday() - 2) % 7 or 7), 15)
    meeting = services.event_create(user=bm, kind=Event.Kind.EXCHANGE_MEETING,
                                    title="周三大中户交流会", starts_at=last_wednesday,
                                    place="营业部多功能厅", capacity=40, repeat="weekly",
                                    until=today + timedelta(days=8 * 7))  # fmt: skip
    services.event_invite_segment(user=bm, event=meeting, tiers=["vip", "hnw"])
    for i, inv in enumerate(meeting.invitations.all()[:20]):
        inv.status = Invitation.Status.ATTENDED if i % 3 else Invitation.Status.NO_SHOW
        inv.save()
    gala = services.event_create(
        user=bm,
        kind=Event.Kind.VIP_GATHERING,
        title="年度VIP客户联谊会",
        starts_at=weekday_at(today + timedelta(days=20), 18, 30),
        place="金融街酒店",
    )
    services.event_invite_segment(user=bm, event=gala, tiers=["hnw", "ultra"])
    seed_education(am, bm, clients, today)
    stdout.write(f"  {VisitPlan.objects.count()} visit plans, {Event.objects.count()} events")


def seed_education(am, bm, clients, today) -> None:
    """Tonight's investor education talk: two seats, a potential client among the
    invitees, the third to accept on the waiting list; one invitee already checked in."""
    talk = services.event_create(user=bm, kind=Event.Kind.EDUCATION, title="基金定投投资者教育讲座",
                                 starts_at=weekday_at(today, 19), place="营业部三楼会议室",
                                 capacity=2)  # fmt: skip
    prospect = Client.objects.filter(owner=am, client_no=None).first()
    invitees = [*clients[:3], *([prospect] if prospect else [])]
    services.event_invite_clients(user=am, event=talk, clients=invitees)
    for inv in talk.invitations.filter(client__in=invitees[:3]).order_by("id"):
        services.invitation_update(user=am, invitation=inv, status=Invitation.Status.ACCEPTED)
    first = talk.invitations.filter(status=Invitation.Status.ACCEPTED).order_by("id").first()
    if first is not None and timezone.localtime(talk.starts_at).date() == today:
        services.invitation_check_in(user=bm, invitation=first)
