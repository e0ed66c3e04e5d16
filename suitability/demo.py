"""Demo professional classifications and AML ratings (idempotent): every client rated;
a few with a risky occupation or residence; one request waiting for the compliance
officer, one approved professional due for review, one rating set by hand."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from clients.models import Client, InvestorClass

from . import services
from .defaults import store_default_factors
from .models import AmlFactor, AmlProfile, ProClassification, ProStatus


def seed(users, stdout) -> None:
    store_default_factors(AmlFactor)
    am, officer, hq = users["am_bj"], users["comp_bj"], users["hq_admin"]
    today = timezone.localdate()
    opened = list(Client.objects.filter(owner=am).exclude(stage="potential").order_by("id")[:6])
    if len(opened) < 4:
        stdout.write("  suitability: not enough demo clients\n")
        return
    # a jeweller and a resident abroad: higher risk
    Client.objects.filter(pk=opened[0].pk, occupation="").update(occupation="珠宝店个体经营")
    services.aml_rate()
    if not ProClassification.objects.exists():
        first = services.pro_request(user=am, client=opened[1], data={
            "kind": "professional", "financial_assets": Decimal("6200000"),
            "experience_years": Decimal("5"), "evidence": "银行及证券账户资产证明（近20日日均）",
            "evidence_date": today - timedelta(days=3)})  # fmt: skip
        services.pro_approve(user=officer, pro=first, note="资产证明核实无误")
        # approved last year: the review is due soon
        ProClassification.objects.filter(pk=first.pk).update(
            review_due_on=today + timedelta(days=12),
            decided_at=timezone.now() - timedelta(days=353),
        )
        services.pro_request(user=am, client=opened[2], data={
            "kind": "professional", "average_income": Decimal("820000"),
            "experience_years": Decimal("3"), "evidence": "近三年个人所得税纳税记录",
            "evidence_date": today - timedelta(days=1)})  # fmt: skip
    profile = AmlProfile.objects.filter(client=opened[3]).first()
    if profile is not None and not profile.override_rating:
        profile = services.aml_set_residence(user=officer, profile=profile, nationality="CN",
                                             residence="MM")  # fmt: skip
        services.aml_override(user=hq, profile=profile, rating="high",
                              reason="客户频繁跨境汇款，经调查提升为高风险")  # fmt: skip
        AmlProfile.objects.filter(pk=profile.pk).update(
            reverify_due_on=today - timedelta(days=5),
            id_expires_on=today + timedelta(days=20),
        )
    pros = ProClassification.objects.filter(status=ProStatus.APPROVED).count()
    professionals = Client.objects.filter(investor_class=InvestorClass.PROFESSIONAL).count()
    stdout.write(f"  suitability: {AmlProfile.objects.count()} AML ratings, {pros} approved "
                 f"classifications, {professionals} professional investors\n")  # fmt: skip
