"""Demo clients for `make run`: 2,000 clients with valid IDs and phones, 24 months of
snapshots, holdings, risk assessments and a few potential clients (idempotent)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from crm.models import ExportRequest
from crm.services.access_log import access_log_record
from crm.services.export_requests import export_request_create, export_request_decide

from .crypto import encrypt, lookup_hash
from .models import (
    AccountSnapshot,
    Client,
    ClientType,
    Holding,
    IdType,
    RiskAssessment,
    Stage,
)
from .partitions import ensure as ensure_partitions
from .regions import region_code
from .services import completeness, name_initials, snapshots_changed
from .validators import MOBILE, credit_code_is_valid, parse_id_card

N_CLIENTS = 2000
SECURITIES = [("600519", "贵州茅台"), ("601318", "中国平安"), ("000858", "五粮液"),
              ("300750", "宁德时代"), ("600036", "招商银行"), ("510300", "沪深300ETF"),
              ("000001", "平安银行"), ("601012", "隆基绿能"), ("002594", "比亚迪")]  # fmt: skip
# What a conservative (C1) investor may hold: money-market and bond funds (R1/R2).
LOW_RISK_SECURITIES = [("511880", "银华日利"), ("511010", "国债ETF"), ("161716", "招商双债")]
DIRECTIONS = ["蓝筹价值", "科技成长", "固定收益", "指数基金", "消费医药", "新能源"]


DEMO_TAGS = ["两融", "科创板", "基金定投", "港股通", "期权"]


def _valid_id(fake, used):
    while True:
        number = fake.ssn()
        try:
            info = parse_id_card(number)
        except Exception:
            continue
        if number not in used:
            used.add(number)
            return info


def _phone(fake):
    while True:
        number = fake.phone_number()
        if MOBILE.match(number):
            return number


def _credit_code(rng):
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        body = (
            "91"
            + "".join(rng.choice("0123456789") for _ in range(6))
            + "".join(rng.choice(alphabet) for _ in range(9))
        )
        for check in alphabet:
            if credit_code_is_valid(body + check):
                return body + check


def seed_clients(users: dict, stdout) -> None:
    if Client.objects.exists():
        return
    from faker import Faker  # a development package: imported when demo data is made

    fake = Faker("zh_CN")
    Faker.seed(2026)
    rng = random.Random(2026)
    today = timezone.localdate()
    owners = [users["am_bj"], users["am_bj2"], users["am_sh"]]
    advisors = {users["am_bj"].staff.branch_id: users["adv_bj"],
                users["am_sh"].staff.branch_id: users["adv_sh"]}  # fmt: skip
    used_ids: set[str] = set()
    clients = []
    for i in range(N_CLIENTS):
        owner = owners[i % 3]
        branch_id = owner.staff.branch_id
        institution = i % 40 == 0
        potential = i % 20 == 1
        opened = today - timedelta(days=rng.randint(20, 3650))
        c = Client(branch_id=branch_id, owner=owner, advisor=advisors[branch_id] if i % 5 == 0
                   else None, created_at=timezone.now())  # fmt: skip
        if institution:
            c.client_type = ClientType.INSTITUTION
            c.name = fake.company()
            c.id_type = IdType.CREDIT_CODE
            c.credit_code = _credit_code(rng)
            c.legal_representative = fake.name()
            c.contact_person = fake.name()
            id_number = c.credit_code
        else:
            info = _valid_id(fake, used_ids)
            c.name = fake.name()
            c.id_type = IdType.ID_CARD
            c.birth_date, c.gender = info.birth_date, info.gender
            c.occupation = fake.job()[:100]
            id_number = info.number
        c.id_number_encrypted = encrypt(id_number)
        c.id_number_hash = lookup_hash(f"{c.id_type}:{id_number}")
        c.name_initials = name_initials(c.name)
        c.phone = _phone(fake)
        c.email = fake.email() if rng.random() < 0.6 else ""
        c.address = fake.address()[:200] if rng.random() < 0.9 else ""
        c.source = rng.choice(["网点开户", "线上开户", "客户介绍", "银行渠道", "活动引流"])
        c.region_code = region_code(c.id_type, id_number, c.address)
        c.preferred_channel = rng.choice(["", "", "phone", "sms", "wechat", "visit", "email"])
        if not c.tags:
            c.tags = rng.sample(DEMO_TAGS, rng.choice([0, 0, 1, 2]))
        c.consent_sms = rng.random() < 0.7
        c.consent_email = rng.random() < 0.4
        if rng.random() < 0.8:
            c.investment_direction = rng.choice(DIRECTIONS)
            c.expected_return = rng.choice(["5%左右", "8%-12%", "15%以上"])
            c.risk_preference = rng.choice(["稳健", "平衡", "积极"])
            c.horizon = rng.choice(["1年以内", "1-3年", "3年以上"])
        if potential:
            c.stage = Stage.POTENTIAL
            c.grade = rng.choice("ABC")
            c.seeks = rng.choice(["low_price", "service"])
            c.next_contact_on = today + timedelta(days=rng.randint(-3, 20))
            c.id_number_encrypted, c.id_number_hash, c.id_type = "", None, ""
        else:
            c.client_no = f"{'31' if branch_id == owners[2].staff.branch_id else '11'}{i:08d}"
            c.opened_on = opened
            c.stage = Stage.NEW if (today - opened).days < 180 else Stage.ACTIVE
            if rng.random() < 0.9:
                assessed = min(today, opened + timedelta(days=rng.randint(0, 800)))
                assessed = max(assessed, today - timedelta(days=rng.randint(30, 760)))
                c.risk_level = rng.choice(["C1", "C2", "C3", "C3", "C4", "C5"])
                c.risk_assessed_on = assessed
                c.risk_expires_on = assessed + relativedelta(years=2)
                c.lowest_category = rng.random() < 0.02
            c.reviewed_on = today - timedelta(days=rng.randint(10, 400))
            c.review_due_on = c.reviewed_on + timedelta(days=365)
        c.completeness = completeness(c)
        if not potential and c.completeness < 100 and (today - opened).days < 60:
            c.profile_due_on = opened + timedelta(days=30)
        clients.append(c)
    created = bulk_create_with_history(clients, Client, batch_size=500,
                                       default_change_reason="演示数据导入")  # fmt: skip
    opened = list(
        Client.objects.exclude(stage=Stage.POTENTIAL).only(
            "id", "risk_level", "risk_assessed_on", "risk_expires_on", "lowest_category"
        )
    )
    assessments = [
        RiskAssessment(client=c, assessed_on=c.risk_assessed_on, score=rng.randint(20, 95),
                       risk_level=c.risk_level, lowest_category=c.lowest_category,
                       valid_until=c.risk_expires_on, questionnaire="2024版",
                       recorded_by=users["am_bj"])
        for c in opened if c.risk_level
    ]  # fmt: skip
    RiskAssessment.objects.bulk_create(assessments, batch_size=1000)
    _seed_snapshots(opened, rng, today)
    snapshots_changed()
    stdout.write(f"  {len(created)} clients, {len(assessments)} risk assessments")


def _seed_snapshots(clients, rng, today: date) -> None:
    month_ends = [(today.replace(day=1) - relativedelta(months=m)) - timedelta(days=1)
                  for m in range(24)][::-1]  # fmt: skip
    snapshots, holdings = [], []
    for c in clients:
        assets = Decimal(rng.choice([30_000, 80_000, 200_000, 600_000, 1_500_000, 4_000_000,
                                     12_000_000]) * rng.uniform(0.6, 1.4))  # fmt: skip
        for day in month_ends:
            drift = Decimal(rng.uniform(-0.08, 0.09))
            inflow = (assets * Decimal(rng.uniform(-0.05, 0.06))).quantize(Decimal("0.01"))
            assets = max(Decimal(100), assets * (1 + drift) + inflow).quantize(Decimal("0.01"))
            cash = (assets * Decimal(rng.uniform(0.05, 0.4))).quantize(Decimal("0.01"))
            volume = (assets * Decimal(rng.uniform(0, 1.5))).quantize(Decimal("0.01"))
            snapshots.append(AccountSnapshot(
                client_id=c.pk, date=day, total_assets=assets, cash=cash,
                market_value=assets - cash, net_inflow=inflow, trading_volume=volume,
                trade_count=rng.randint(0, 40),
                commission=(volume * Decimal("0.00025")).quantize(Decimal("0.01")),
            ))  # fmt: skip
        holdings += _holdings_worth(c, snapshots[-1], rng)
    ensure_partitions(month_ends[0], today)  # the months' partitions (clients/partitions.py)
    AccountSnapshot.objects.bulk_create(snapshots, batch_size=5000)
    Holding.objects.bulk_create(holdings, batch_size=5000)


def _holdings_worth(client, snapshot, rng) -> list:
    """Holdings whose market value is the snapshot's (which is then total assets less
    cash, to the cent); a C1 client holds only money-market and bond funds."""
    pool = LOW_RISK_SECURITIES if client.risk_level in ("", None, "C1") else SECURITIES
    picks = rng.sample(pool, rng.randint(1, min(4, len(pool))))
    weights = [rng.uniform(0.2, 1) for _ in picks]
    holdings = []
    for (code, name), weight in zip(picks, weights, strict=True):
        price = Decimal(rng.uniform(1, 200)).quantize(Decimal("0.01"))
        share = snapshot.market_value * Decimal(weight / sum(weights))
        lots = max(1, int(share / price / 100))
        holdings.append(Holding(
            client_id=client.pk, date=snapshot.date, security_code=code, security_name=name,
            quantity=Decimal(lots * 100), price=price,
            cost=(price * Decimal(rng.uniform(0.7, 1.2))).quantize(Decimal("0.0001")),
        ))  # fmt: skip
    snapshot.market_value = sum(h.quantity * h.price for h in holdings)
    snapshot.total_assets = snapshot.cash + snapshot.market_value
    return holdings


def seed_segmentation(users: dict, stdout) -> None:
    """A few dormant and at-risk clients, then the nightly job once (idempotent)."""
    from .models import ExitSignal, RetentionCase
    from .segmentation import run

    if RetentionCase.objects.exists():
        return
    today = timezone.localdate()
    old = list(
        Client.objects.filter(owner=users["am_bj"], opened_on__lt=today - timedelta(days=1500))
        .exclude(client_no=None).order_by("id")[:12]
    )  # fmt: skip
    dormant, at_risk = old[:6], old[6:]
    # dormant: no securities, cash at most 100 yuan, no trade for three years
    AccountSnapshot.objects.filter(client__in=dormant).update(
        total_assets=Decimal("80"), cash=Decimal("80"), market_value=0, trade_count=0,
        trading_volume=0, commission=0, net_inflow=0,
    )  # fmt: skip
    Holding.objects.filter(client__in=dormant).delete()
    # at risk: a transfer-out request, a large net outflow, a liquidation
    Client.objects.filter(pk=at_risk[0].pk).update(exit_signal=ExitSignal.TRANSFER_OUT)
    latest = AccountSnapshot.objects.filter(client__in=at_risk[1:4]).order_by("client", "-date")
    seen = set()
    for snapshot in latest:
        if snapshot.client_id in seen:
            continue
        seen.add(snapshot.client_id)
        snapshot.net_inflow = -snapshot.total_assets
        snapshot.market_value = 0  # sold everything: what is left is cash
        snapshot.total_assets = (snapshot.total_assets * Decimal("0.1")).quantize(Decimal("1"))
        snapshot.cash = snapshot.total_assets
        snapshot.date = today - timedelta(days=3)
        snapshot.save()
    Holding.objects.filter(client__in=at_risk[1:4]).delete()
    snapshots_changed()
    result = run()
    stdout.write(f"  segmentation: {result.clients} clients, {result.cases_opened} cases")
    # saved client lists (客户名单), shared in the branch: for events, campaigns, exports
    from .models import SavedClientFilter

    for name, query in [
        ("两融客户", "tags=两融"),
        ("A级潜在客户·服务型", "grade=A&seeks=service"),
        ("北京·偏好微信", "province=11&preferred_channel=wechat"),
    ]:
        SavedClientFilter.objects.get_or_create(
            owner=users["bm_bj"], name=name,
            defaults={"branch_id": users["bm_bj"].staff.branch_id, "query": query, "shared": True},
        )  # fmt: skip


def seed_sensitive_data(users: dict, stdout) -> None:
    """A few logged reveals for the access log, an unmasked export waiting for
    bm_bj's decision and one approved for am_sh to download."""
    if ExportRequest.objects.exists():
        return
    for client in Client.objects.filter(branch__code="BJ01").order_by("id")[:3]:
        access_log_record(user=users["bm_bj"], obj=client, field="phone")
    access_log_record(
        user=users["am_bj"],
        obj=Client.objects.filter(owner=users["am_bj"]).order_by("id").first(),
        field="id_number",
    )
    export_request_create(
        user=users["am_bj"], kind="clients", params={"stage": ["active"]},
        reason="核对活跃客户联系方式，准备季度回访名单",
    )  # fmt: skip
    approved = export_request_create(
        user=users["am_sh"], kind="clients", params={"tier": ["vip"]},
        reason="VIP客户线下活动邀请，需要完整手机号",
    )  # fmt: skip
    export_request_decide(
        user=users["bm_sh"], export_request=approved, approve=True, note="同意，仅限本次活动"
    )


def seed_leaver(users: dict, stdout) -> None:
    """One account manager of BJ01 has left: five of 王建国's clients were his, and they
    wait on the branch manager's reassignment list (离职人员客户待分配)."""
    from crm.services.staff import staff_deactivate

    leaver = users.get("am_bj_left")
    if leaver is None or not leaver.is_active:  # already done
        return
    if not Client.objects.filter(owner=leaver).exists():
        ids = list(
            Client.objects.filter(owner=users["am_bj"]).exclude(account_status="closed")
            .order_by("id").values_list("id", flat=True)[:5]
        )  # fmt: skip
        Client.objects.filter(pk__in=ids).update(owner=leaver)
    staff_deactivate(
        user=users["hq_admin"], staff=leaver.staff,
        on=timezone.localdate() - timedelta(days=3), reason="个人原因离职",
    )  # fmt: skip
    leaver.is_active = False
