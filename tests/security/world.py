"""The data the access matrix runs against: built once per test module.

Three branches (HQ, BJ01, SH01). In BJ01 one user per role and a second account manager
and advisor (whose things are "another account manager's"); in SH01 the same kind of
people with their own things ("another branch"). Every kind of object a URL can name is
built inside BJ01 on the account manager `am`'s client (advised by `advisor`), so it is in
the scope of every BJ01 role that may see it, plus one copy per out-of-scope kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import (
    BranchFactory,
    CallbackFactory,
    ComplaintFactory,
    VisitPlanFactory,
    make_client,
    make_people,
    valid_id_number,
)
from tests.roles import ALL_BRANCH_ROLES, PERSONAL_ROLES, TOKEN_ROLES, WORLD_PEOPLE
from tests.roles import MATRIX_ROLES as ROLES

# The roles of the matrix are those of tests/roles.py: anonymous, every staff role, and two
# integration tokens (a branch system such as telephony, and a headquarters system such as
# trading).

# Out-of-scope variants: a thing of another branch, a thing of another account manager.
OTHER_BRANCH, OTHER_OWNER = "other_branch", "other_owner"


@dataclass
class Kind:
    """One kind of object a URL names: the object per role (`"*"` for every role) and
    the out-of-scope objects with the roles they are out of scope for."""

    inside: dict = field(default_factory=dict)
    outside: dict = field(default_factory=dict)  # scope -> (object, roles)

    def for_role(self, role):
        return self.inside.get(role, self.inside.get("*"))


@dataclass
class World:
    users: dict  # role (and a few extra names) -> user
    tokens: dict  # token role -> key
    kinds: dict  # kind name -> Kind
    clients: dict = field(default_factory=dict)  # "mine", "other", "sh" -> Client
    sessions: dict = field(default_factory=dict)  # role -> session key
    files: list = field(default_factory=list)  # stored uploads, deleted after the module

    def obj(self, kind: str, role: str):
        return self.kinds[kind].for_role(role)


def _outside(branch_obj, owner_obj=None, *, branch_roles=None, owner_roles=None):
    """Out-of-scope objects: another branch's for branch-bound roles, another account
    manager's for the personal roles."""
    roles = set(branch_roles) if branch_roles is not None else set(ROLES) - ALL_BRANCH_ROLES
    roles.discard("anonymous")
    out = {OTHER_BRANCH: (branch_obj, roles)}
    if owner_obj is not None:
        out[OTHER_OWNER] = (owner_obj, set(owner_roles or PERSONAL_ROLES))
    return out


def build_world() -> World:
    from callcenter.models import Call, InspectionItem, InspectionRound, WrapUpCode
    from clients import services as client_services
    from clients.models import Client, ImportJob, RetentionCase
    from complaints import services as complaint_services
    from crm import services as crm_services
    from crm.models import Holiday, StaffProfile
    from products.models import Product
    from visits import services as visit_services
    from visits.models import AdvisedProduct, Invitation

    hq_branch = BranchFactory(code="HQ", name="总部", kind="hq")
    bj = BranchFactory(code="BJ01", name="北京营业部")
    sh = BranchFactory(code="SH01", name="上海营业部")

    branches = {"HQ": hq_branch, "BJ01": bj, "SH01": sh}
    u = make_people(WORLD_PEOPLE, branches, hq={"is_staff": True})  # HQ administers (admin)
    tokens = {
        role: crm_services.integration_token_issue(name=role, user=u[role])[1]
        for role in TOKEN_ROLES
    }
    now = timezone.now()
    today = timezone.localdate()
    kinds: dict[str, Kind] = {}
    files: list[str] = []

    # --- Clients --------------------------------------------------------------------
    def client(owner, no, seq, advisor=None):
        c = make_client(
            owner, name=f"客户{seq}", client_no=no, id_number=valid_id_number(seq),
            phone=f"1380013{seq:04d}", opened_on=today - timedelta(days=400),
        )  # fmt: skip
        if advisor is not None:
            Client.objects.filter(pk=c.pk).update(advisor=advisor)
            c.refresh_from_db()
        return c

    c1 = client(u["account_manager"], "1100000001", 1, advisor=u["advisor"])
    c2 = client(u["am2"], "1100000002", 2, advisor=u["advisor2"])
    c3 = client(u["am_sh"], "3100000001", 3, advisor=u["advisor_sh"])
    kinds["client"] = Kind({"*": c1}, _outside(c3, c2))
    potential = make_client(
        u["account_manager"], name="潜在客户", phone="13900139001", advisor=u["advisor"]
    )
    kinds["client:potential"] = Kind({"*": potential}, _outside(c3, c2))

    def assessment(c, by):
        return client_services.risk_assessment_record(
            user=by, client=c, assessed_on=today, score=50, risk_level="C3"
        )

    kinds["riskassessment"] = Kind(
        {"*": assessment(c1, u["account_manager"])},
        _outside(assessment(c3, u["am_sh"]), assessment(c2, u["am2"])),
    )

    def case(c):
        return RetentionCase.objects.create(
            client=c, branch_id=c.branch_id, owner=c.owner, score_at_open=60, reasons=["inactivity"]
        )

    kinds["retentioncase"] = Kind({"*": case(c1)}, _outside(case(c3), case(c2)))

    # --- Complaints: one per status the workflow steps start from -------------------
    def complaint(by, c, status="received", handler=None, **extra):
        return ComplaintFactory(
            client=c,
            user=by,
            status=status,
            handler=handler,
            reviewer=u["branch_manager"],
            **extra,
        )

    agent, adv = u["service_agent"], u["advisor"]
    sh_complaint = complaint(u["agent_sh"], c3)
    other_complaint = complaint(agent, c2, handler=agent)
    for status in ("received", "acknowledged", "waiting", "resolved", "reviewed"):
        kinds[f"complaint:{status}"] = Kind(
            {"*": complaint(agent, c1, status, handler=adv)},
            _outside(sh_complaint, other_complaint),
        )
    major = complaint(agent, c1, "acknowledged", handler=adv, category="major_economic",
                      claimed_compensation=Decimal("1000"))  # fmt: skip
    kinds["complaint:major"] = Kind({"*": major}, _outside(sh_complaint, other_complaint))
    kinds["complaint"] = kinds["complaint:received"]

    def attachment(k, by):
        upload = SimpleUploadedFile("note.pdf", b"%PDF-1.4 access matrix", "application/pdf")
        stored = complaint_services.attachment_add(user=by, complaint=k, upload=upload)
        files.append(stored.file.name)
        return stored

    kinds["attachment"] = Kind(
        {"*": attachment(kinds["complaint"].for_role("*"), agent)},
        _outside(attachment(sh_complaint, u["agent_sh"]), attachment(other_complaint, agent)),
    )

    # --- Service requests: one per status the workflow steps start from -----------------
    from servicedesk import services as sr_services
    from servicedesk.models import ServiceCategory

    account, _created = ServiceCategory.objects.get_or_create(
        code="account", defaults={"name": "账户业务"}
    )
    kinds["servicecategory"] = Kind({"*": account})

    def service_request(by, c, status="received", handler=None):
        sr = sr_services.servicerequest_receive(user=by, data={
            "client": c, "channel": "phone", "category": account, "description": "咨询开户",
            "handler": handler,
        })  # fmt: skip
        if status == "received":
            return sr
        if status in ("in_progress", "waiting"):
            sr = sr_services.servicerequest_start(user=by, service_request=sr)
            if status == "waiting":
                sr = sr_services.servicerequest_wait_for_client(
                    user=by, service_request=sr, note="等待材料"
                )
            return sr
        sr = sr_services.servicerequest_resolve(user=by, service_request=sr, resolution="已解答")
        if status == "closed":
            sr = sr_services.servicerequest_close(user=by, service_request=sr)
        return sr

    sr_outside = _outside(service_request(u["agent_sh"], c3),
                          service_request(agent, c2, handler=agent))  # fmt: skip
    for status in ("received", "in_progress", "waiting", "resolved", "closed"):
        kinds[f"servicerequest:{status}"] = Kind(
            {"*": service_request(agent, c1, status, handler=adv)}, sr_outside
        )
    kinds["servicerequest"] = kinds["servicerequest:received"]

    # --- Client opinions: one per status the workflow steps start from ------------------
    from opinions import services as opinion_services

    def opinion(by, c, status="open"):
        o = opinion_services.opinion_create(user=by, data={
            "client": c, "category": "service", "text": "希望增加投顾服务频次"})  # fmt: skip
        if status == "open":
            return o
        o = opinion_services.opinion_route(user=u["branch_manager"] if c.branch_id == bj.pk
                                           else u["bm_sh"], opinion=o, department="财富管理部",
                                           routed_to=c.owner)  # fmt: skip
        if status == "routed":
            return o
        o = opinion_services.opinion_answer(user=c.owner, opinion=o, answer="已回复客户")
        if status == "closed":
            o = opinion_services.opinion_close(user=u["branch_manager"], opinion=o)
        return o

    opinion_outside = _outside(opinion(u["agent_sh"], c3), opinion(agent, c2))
    for status in ("open", "routed", "answered", "closed"):
        kinds[f"opinion:{status}"] = Kind({"*": opinion(agent, c1, status)}, opinion_outside)
    kinds["opinion"] = kinds["opinion:open"]

    # --- Compliance cases: one per status the workflow steps start from ---------------
    from compliance import services as case_services

    def compliance_case(c, status="opened"):
        officer = u["hq"]
        k = case_services.case_open(user=officer, data={
            "source_kind": "manual", "client": c, "summary": "客户反映代为下单"})  # fmt: skip
        if status in ("investigating", "concluded"):
            k = case_services.case_investigate(user=officer, case=k)
        if status == "concluded":
            k = case_services.case_conclude(user=officer, case=k, finding="unsubstantiated")
        return k

    # HQ sees every branch; the branch's compliance officer is out of another branch's
    case_outside = _outside(compliance_case(c3))
    for status in ("opened", "investigating", "concluded"):
        kinds[f"compliancecase:{status}"] = Kind({"*": compliance_case(c1, status)}, case_outside)
    kinds["compliancecase"] = kinds["compliancecase:opened"]

    # --- Professional classifications (waiting for approval) and AML ratings ------------
    from suitability import services as suitability_services
    from suitability.models import AmlProfile

    def pro(c, by):
        return suitability_services.pro_request(user=by, client=c, data={
            "kind": "professional", "financial_assets": Decimal("6000000"),
            "experience_years": Decimal("3"), "evidence": "资产证明",
            "evidence_date": today})  # fmt: skip

    # on a second client of `am`: the first stays free for a new request (pro-create)
    c4 = client(u["account_manager"], "1100000004", 4, advisor=u["advisor"])
    kinds["proclassification:requested"] = Kind(
        {"*": pro(c4, u["account_manager"])}, _outside(pro(c3, u["am_sh"]), pro(c2, u["am2"]))
    )
    kinds["proclassification"] = kinds["proclassification:requested"]
    suitability_services.aml_rate(client_ids=[c1.pk, c3.pk])
    kinds["amlprofile"] = Kind({"*": AmlProfile.objects.get(client=c1)},
                               _outside(AmlProfile.objects.get(client=c3)))  # fmt: skip

    # --- Visit plans, consultation sheets, events ------------------------------------
    def plan(by, c, status="draft"):
        return VisitPlanFactory(
            client=c,
            user=by,
            status=status,
            approver=u["branch_manager"],
            # an approved plan's visit has taken place: it may be recorded (item 3)
            planned_at=now + (timedelta(hours=-1) if status == "approved" else timedelta(days=2)),
        )

    am = u["account_manager"]
    plan_outside = _outside(plan(u["am_sh"], c3), plan(u["am2"], c2))
    for status in ("draft", "submitted", "approved"):
        kinds[f"visitplan:{status}"] = Kind({"*": plan(am, c1, status)}, plan_outside)
    kinds["visitplan"] = kinds["visitplan:draft"]

    def sheet(by, c, advisor, answered=False):
        s = visit_services.consultation_file(
            user=by, client=c, advisor=advisor, question="是否适合加仓？"
        )
        if answered:
            s = visit_services.consultation_answer(
                user=advisor, consultation=s, analysis="分析", advice="建议持有"
            )
        return s

    sheet_outside = _outside(sheet(u["am_sh"], c3, u["advisor_sh"]),
                             sheet(u["am2"], c2, u["advisor2"]))  # fmt: skip
    kinds["consultation:open"] = Kind({"*": sheet(am, c1, adv)}, sheet_outside)
    kinds["consultation:answered"] = Kind({"*": sheet(am, c1, adv, answered=True)}, sheet_outside)
    kinds["consultation"] = kinds["consultation:open"]

    # --- The product catalogue (everyone's) and the advice naming it ---------------------
    catalogue_product = Product.objects.create(code="M0001", name="矩阵基金", risk_level="R2",
                                               product_type="fund")  # fmt: skip
    kinds["product"] = Kind({"*": catalogue_product})

    def advised(s):
        return AdvisedProduct.objects.create(
            consultation=s, product=catalogue_product, name="矩阵基金", risk_level="R2",
            recording_ref="2026113000001", recorded_at=now - timedelta(hours=1),
        )  # fmt: skip

    kinds["advisedproduct"] = Kind(
        {"*": advised(kinds["consultation:answered"].for_role("*"))},
        _outside(advised(sheet_outside[OTHER_BRANCH][0])),
    )

    def event(by):
        return visit_services.event_create(
            user=by, kind="education", title="投资者教育", starts_at=now + timedelta(days=7),
            place="营业部",
        )  # fmt: skip

    bj_event = event(u["branch_manager"])
    invitation = Invitation.objects.create(event=bj_event, client=c1)
    kinds["event"] = Kind({"*": bj_event}, _outside(event(u["bm_sh"])))

    # --- Callbacks and calls ---------------------------------------------------------
    def callback(c, reason="new_account", **extra):
        return CallbackFactory(client=c, reason=reason, due_at=now - timedelta(hours=1), **extra)

    cb_outside = _outside(callback(c3), callback(c2))
    kinds["callback"] = Kind({"*": callback(c1)}, cb_outside)
    # Held (claimed) by each role that works callbacks, so that it may complete or fail it.
    held = {"*": kinds["callback"].for_role("*")}
    for role, reason in [("account_manager", "periodic"), ("service_agent", "visit"),
                         ("branch_manager", "suitability"), ("hq", "retention")]:  # fmt: skip
        held[role] = callback(c1, reason, claimed_by=u[role], claimed_at=now)
    kinds["callback:held"] = Kind(held, cb_outside)

    code = WrapUpCode.objects.get_or_create(code="consultation", defaults={"name": "业务咨询"})[0]

    def call(c, by, no):  # wrapped up: a call waiting for its code would block the agent
        return Call.objects.create(
            call_id=f"matrix-{no}", branch_id=c.branch_id, direction="inbound", phone=c.phone,
            client=c, agent=by, started_at=now - timedelta(minutes=5), ended_at=now,
            wrap_up=code,
        )  # fmt: skip

    kinds["call"] = Kind(
        {"*": call(c1, agent, 1)}, _outside(call(c3, u["agent_sh"], 2), call(c2, agent, 3))
    )

    def inspection(branch, c):
        done = callback(c, "annual_sample", status="completed", completed_at=now,
                        completed_by=agent, period=str(today.year))  # fmt: skip
        r = InspectionRound.objects.create(
            branch=branch, period_start=today.replace(day=1), period_end=today,
            created_by=u["hq"],
        )  # fmt: skip
        InspectionItem.objects.create(round=r, callback=done)
        return r

    kinds["inspection"] = Kind({"*": inspection(bj, c1)}, _outside(inspection(sh, c3)))

    # --- Personal things: to-dos, notifications, import jobs -----------------------------
    bm = u["branch_manager"]

    def todo(assignee, by=None):
        return crm_services.todo_create(
            created_by=by or assignee, assignee=assignee, title="核对回访记录",
            due_at=now + timedelta(days=1),
        )  # fmt: skip

    todos = {role: todo(u[role], bm if role in ("advisor", "compliance") else None)
             for role in ROLES if role != "anonymous"}  # fmt: skip
    todos["*"] = todos["account_manager"]
    kinds["todo"] = Kind(
        todos,
        _outside(todo(u["am_sh"]), todo(u["am2"]),
                 owner_roles={"account_manager", "advisor", "service_agent", "integration"}),
    )  # fmt: skip

    def notification(user):
        return crm_services.notify(users=[user], title="提醒", url="/todos/")[0]

    notes = {role: notification(u[role]) for role in ROLES if role != "anonymous"}
    notes["*"] = notes["account_manager"]
    kinds["notification"] = Kind(
        notes,
        {
            OTHER_OWNER: (notification(u["am2"]), set(ROLES) - {"anonymous"}),
            OTHER_BRANCH: (notification(u["am_sh"]), set(ROLES) - {"anonymous"}),
        },
    )

    def job(user):
        return ImportJob.objects.create(
            branch_id=user.staff.branch_id, file="imports/matrix.csv", original_name="m.csv",
            created_by=user, status="done", error_report="row,error\n",
        )  # fmt: skip

    jobs = {role: job(u[role]) for role in ("branch_manager", "hq")}
    jobs["*"] = jobs["branch_manager"]
    # an import is its branch's (headquarters sees every branch's)
    kinds["importjob"] = Kind(jobs, {OTHER_BRANCH: (job(u["bm_sh"]), {"branch_manager"})})

    # --- Access log, unmasked export requests -------------------------------------------
    def log_entry(user, c):
        return crm_services.access_log_record(user=user, obj=c, field="id_number")

    kinds["accesslog"] = Kind(
        {"*": log_entry(u["account_manager"], c1)}, _outside(log_entry(u["am_sh"], c3))
    )

    def export_request(by, approver=None):
        r = crm_services.export_request_create(
            user=by, kind="clients", params={"tier": ["vip"]}, reason="年度回访核对联系方式"
        )
        if approver is not None:
            r = crm_services.export_request_decide(user=approver, export_request=r, approve=True)
        return r

    # Requested by the account manager; branch managers and compliance of the branch (and
    # HQ) decide it; only the requester downloads it.
    kinds["exportrequest:pending"] = Kind(
        {"*": export_request(am)},
        _outside(export_request(u["am_sh"]), export_request(u["am2"])),
    )
    kinds["exportrequest:approved"] = Kind(
        {"*": export_request(am, bm)},
        _outside(export_request(u["am_sh"], u["bm_sh"]), export_request(u["am2"], bm)),
    )

    # --- Knowledge base: a branch's article (HQ's are everyone's, so not out of scope) ---
    from knowledge import services as kb_services
    from knowledge.models import Category

    kb_category = Category.objects.create(name="账户业务", serves=["general"])

    def article(by, title):
        return kb_services.article_create(
            user=by, title=title, body="客户申请转托管需要携带身份证", category=kb_category,
            publish=True,
        )  # fmt: skip

    kinds["article"] = Kind({"*": article(bm, "营业部须知")}, _outside(article(u["bm_sh"], "上海")))
    kinds["kbcategory"] = Kind({"*": kb_category})

    # --- Campaigns: one per status the workflow steps start from ------------------------
    # (an advisor sees only the campaigns they own: theirs; everyone else the account
    # manager's; out of scope: another branch's, another account manager's)
    from campaigns import services as campaign_services
    from outreach.models import MessageTemplate

    campaign_template = MessageTemplate.objects.create(
        code="matrix-campaign", name="生日祝福", channel="sms", purpose="marketing",
        body="{{ client_name }}您好，祝您生日快乐！", provider_template_code="SMS_1",
    )  # fmt: skip
    kinds["messagetemplate:campaign"] = Kind({"*": campaign_template})

    def campaign(owner, status="draft"):
        c = campaign_services.campaign_create(user=owner, data={
            "name": "VIP生日祝福", "purpose": "marketing", "channel": "sms",
            "template": campaign_template, "kind": "one_off",
            "scheduled_at": now + timedelta(days=2), "segment": {"tiers": ["vip"]},
        })  # fmt: skip
        if status != "draft":
            c = campaign_services.campaign_submit(user=owner, campaign=c)
        return c

    campaign_outside = _outside(campaign(u["am_sh"]), campaign(u["am2"]))
    for status in ("draft", "submitted"):
        kinds[f"campaign:{status}"] = Kind(
            {"*": campaign(am, status), "advisor": campaign(u["advisor"], status)},
            campaign_outside,
        )
    kinds["campaign"] = kinds["campaign:draft"]

    # --- Saved client lists, research requests from visits ----------------------------
    from clients.models import SavedClientFilter
    from visits.models import ResearchRequest, VisitPlan, VisitRecord

    def saved_list(owner, branch, shared=True):
        name = "VIP名单" if shared else "我的VIP名单"
        return SavedClientFilter.objects.create(owner=owner, branch=branch, name=name,
                                                query="tier=vip", shared=shared)  # fmt: skip

    # shared in BJ01 by a person outside the matrix: every BJ01 role may use it, nobody
    # of the matrix may delete it (the owner's delete is tested in tests/clients)
    kinds["savedlist"] = Kind({"*": saved_list(u["am2"], bj)}, _outside(
        saved_list(u["am_sh"], sh), saved_list(u["am2"], bj, shared=False)))  # fmt: skip

    def research(by, c, approver):
        p = VisitPlanFactory(client=c, user=by, status="approved", approver=approver,
                             planned_at=now - timedelta(hours=1))  # fmt: skip
        VisitPlan.objects.filter(pk=p.pk).update(status="completed")
        record = VisitRecord.objects.create(plan=p, presented="介绍", recorded_by=by,
                                            research_request="需要可转债产品")  # fmt: skip
        return ResearchRequest.objects.create(record=record, client=c, branch_id=p.branch_id,
                                              asked_by=by, question="需要可转债产品")  # fmt: skip

    bm = u["branch_manager"]
    kinds["research:open"] = Kind({"*": research(am, c1, bm)}, _outside(
        research(u["am_sh"], c3, u["bm_sh"]), research(u["am2"], c2, bm),
        owner_roles={"account_manager"}))  # fmt: skip
    kinds["research"] = kinds["research:open"]

    # --- Reference data --------------------------------------------------------------
    kinds["branch"] = Kind({"*": bj}, _outside(sh))
    kinds["staff"] = Kind(
        {"*": StaffProfile.objects.get(user=agent)},
        _outside(StaffProfile.objects.get(user=u["agent_sh"])),
    )
    holiday, _ = Holiday.objects.get_or_create(
        date=date(today.year + 1, 10, 1), defaults={"kind": "holiday", "name": "国庆节"}
    )
    kinds["holiday"] = Kind({"*": holiday})
    # The same event invites a client of another account manager (a nested row that
    # account managers and advisors must not see: access_table.NESTED)
    other_invitation = Invitation.objects.create(event=bj_event, client=c2)
    kinds["invitation:other_owner"] = Kind({"*": other_invitation})
    sh_invitation = Invitation.objects.create(event=kinds["event"].outside[OTHER_BRANCH][0],
                                              client=c3)  # fmt: skip
    kinds["invitation"] = Kind({"*": invitation}, _outside(sh_invitation, other_invitation))
    kinds["checkin"] = kinds["invitation"]  # the URL names its signed token
    # --- Messages to clients and their templates ---------------------------------------
    from outreach.models import Message, MessageTemplate

    def message(c, key):
        return Message.objects.create(
            client=c, branch_id=c.branch_id, channel="sms", purpose="service",
            idempotency_key=f"world:{key}", recipient=c.phone, body="【华信证券】您好",
            status="sent",
        )  # fmt: skip

    kinds["message"] = Kind({"*": message(c1, 1)}, _outside(message(c3, 3), message(c2, 2)))

    names = {"world-hq": "总部服务通知", "world-bj": "北京营业部服务通知",
             "world-sh": "上海营业部服务通知"}  # fmt: skip

    def template(code, branch):
        return MessageTemplate.objects.create(code=code, name=names[code], channel="sms",
                                              purpose="service", branch=branch, body="您好",
                                              provider_template_code="SMS_1")  # fmt: skip

    template("world-hq", None)
    kinds["messagetemplate"] = Kind({"*": template("world-bj", bj)},
                                    _outside(template("world-sh", sh)))  # fmt: skip
    clients = {"mine": c1, "other": c2, "sh": c3}
    return World(users=u, tokens=tokens, kinds=kinds, clients=clients, files=files)
