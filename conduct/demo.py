"""Demo staff conduct and investor education (idempotent): last year's self-check, all
but two signed (those two overdue), this year's sent and partly signed; the misconduct
register from the demo's compliance cases and complaints plus one entry by hand; the
education of the demo's events, a few articles and videos, and the clients suggested."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from clients.models import Client

from . import services
from .models import EducationKind, EducationRecord, MisconductEntry, SelfCheck, SelfCheckForm

QUESTIONS = [
    "本年度是否存在代客户进行证券交易（代客操作）的情形？",
    "是否接受过客户的全权委托，或向客户承诺收益、分担损失？",
    "是否借用他人账户或以他人名义买卖证券？",
    "是否私下向客户推荐或销售未经公司审批的产品？",
    "是否向客户收取或索要财物、接受宴请？",
    "本人及直系亲属是否存在未申报的利益冲突？",
]
DECLARATION = ("本人承诺以上填写内容真实、准确、完整，如有隐瞒或不实，愿意承担相应责任，"
               "并接受公司依规处理。")  # fmt: skip
NO = [{"answer": "no", "note": ""} for _q in QUESTIONS]


def _form(year: int, due_on: date, by) -> SelfCheckForm:
    form, _created = SelfCheckForm.objects.get_or_create(year=year, defaults={
        "title": f"{year}年度员工执业行为自查表", "questions": QUESTIONS,
        "declaration": DECLARATION, "due_on": due_on, "created_by": by,
    })  # fmt: skip
    return form


def _sign_all_but(form, keep_pending: set[int]) -> None:
    for check in SelfCheck.objects.filter(form=form, status="pending").select_related(
        "form", "staff"
    ):
        if check.staff_id in keep_pending:
            continue
        services.selfcheck_sign(user=check.staff, check=check, answers=NO,
                                declaration_accepted=True)  # fmt: skip


def seed_conduct(users, stdout) -> None:
    today = timezone.localdate()
    hq, officer = users["hq_admin"], users["comp_bj"]
    if not SelfCheckForm.objects.exists():
        last = _form(today.year - 1, today - timedelta(days=20), hq)
        services.selfcheck_send(form=last)
        _sign_all_but(last, {users["am_bj2"].pk, users["agent_bj"].pk})
        this = _form(today.year, today + timedelta(days=14), hq)
        services.selfcheck_send(form=this)
        _sign_all_but(this, {users["am_bj"].pk, users["am_bj2"].pk, users["am_sh"].pk,
                             users["bm_bj"].pk, users["adv_bj"].pk})  # fmt: skip
    if not MisconductEntry.objects.filter(source_kind="manual").exists():
        services.misconduct_record(
            user=officer, staff=users["am_bj2"], occurred_on=today - timedelta(days=40),
            summary="未经审批在朋友圈发布产品宣传材料。", measures="谈话提醒，删除相关内容。",
        )  # fmt: skip
    if not EducationRecord.objects.exclude(kind=EducationKind.EVENT).exists():
        topics = [(EducationKind.ARTICLE, "《警惕非法荐股》投资者教育文章"),
                  (EducationKind.VIDEO, "融资融券风险揭示视频"),
                  (EducationKind.ARTICLE, "私募基金合格投资者须知")]  # fmt: skip
        clients = Client.objects.filter(owner=users["am_bj"]).exclude(client_no=None)
        for i, client in enumerate(clients.order_by("id")[:9]):
            kind, topic = topics[i % len(topics)]
            services.education_record(
                user=users["am_bj"],
                client=client,
                kind=kind,
                topic=topic,
                on=today - timedelta(days=3 * i + 1),
            )
    counts = services.nightly(today)
    stdout.write(
        f"  conduct: {SelfCheck.objects.count()} self-checks, "
        f"{MisconductEntry.objects.count()} misconduct entries, "
        f"{EducationRecord.objects.count()} education records, "
        f"{counts['suggested']} clients suggested for education\n"
    )
