"""Demo compliance cases (idempotent). The call center's demo callbacks with a red-flag
answer opened their cases already (callcenter.hooks); here a few more are opened by the
compliance officer from demo callbacks (a recording reviewed), and the cases are worked
into every state, spread over the last months for the trend."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from callcenter.models import Callback
from crm.sla import compute_deadline, get_policy

from . import services
from .models import ComplianceCase, SourceKind, Status

MATTERS = [
    "抽听回访录音：客户表示客户经理曾代为下单。",
    "客户称曾将交易密码告知客户经理，疑似全权委托。",
    "回访中客户称购买产品时未被告知风险。",
    "录音显示客户对产品风险等级不知情。",
    "客户反映客户经理承诺保本收益。",
    "客户称账户由他人操作，需核实。",
]
# the state each case is worked to, in order
PLAN = ["opened", "investigating", "investigating", "substantiated", "unsubstantiated",
        "closed", "closed", "opened"]  # fmt: skip


def seed_cases(users, stdout) -> None:
    officer = users["comp_bj"]
    now = timezone.now()
    if not ComplianceCase.objects.exclude(status=Status.OPENED).exists():
        taken = ComplianceCase.objects.filter(source_kind=SourceKind.CALLBACK).values("source_id")
        callbacks = list(
            Callback.objects.filter(branch=officer.staff.branch, status="completed")
            .exclude(pk__in=taken)
            .order_by("id")[: len(MATTERS)]
        )
        for callback, matter in zip(callbacks, MATTERS, strict=False):
            services.case_open(user=officer, data={
                "source_kind": SourceKind.CALLBACK, "source_id": callback.pk, "summary": matter,
            })  # fmt: skip
        cases = list(ComplianceCase.objects.filter(branch=officer.staff.branch)
                     .order_by("id")[: len(PLAN)])  # fmt: skip
        for i, (case, state) in enumerate(zip(cases, PLAN, strict=False)):
            opened = now - timedelta(days=25 * (len(PLAN) - i) + 2)
            if state != "opened":
                due = compute_deadline(get_policy(services.POLICY), opened)
                ComplianceCase.objects.filter(pk=case.pk).update(opened_at=opened, due_at=due)
                case.events.filter(action="open").update(at=opened)
                case = services.case_investigate(user=officer, case=case, note="调取录音与交易流水")
            if state in ("substantiated", "closed"):
                case = services.case_conclude(
                    user=officer, case=case, finding="substantiated", reported_to_hq=True,
                    measures="约谈客户经理，暂停其客户开发资格一个月，已报总部合规部。",
                )  # fmt: skip
            elif state == "unsubstantiated":
                case = services.case_conclude(user=officer, case=case, finding="unsubstantiated",
                                              note="录音核实为客户本人操作。")  # fmt: skip
            if state == "closed":
                services.case_close(user=officer, case=case, note="整改完成")
    stdout.write(f"  compliance: {ComplianceCase.objects.count()} cases\n")
