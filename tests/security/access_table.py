"""The access matrix: which status every role gets for every URL and every action.

One entry per URL pattern name (with its namespace), one `Case` per HTTP method and
workflow action, and for each case the status of every role:

    anonymous · account_manager · advisor · service_agent · branch_manager · compliance ·
    hq · integration (a branch system's token) · integration_hq (an HQ system's token)

`tests/security/test_access_matrix.py` requests every case as every role with objects in
that role's scope (tests/security/world.py) and asserts the status declared here; the
same requests with an object of another branch or another account manager must answer
404 (or, for a role refused before the object is looked up, exactly what a missing
object gets). A URL pattern, HTTP method or workflow action that is not declared here
fails the test: a new endpoint needs its line in this table.

Unsafe requests carry a valid body, so an allowed role gets the success status (201, 200,
or 302 after a web form) and a refused one 403: the refusal is tested where it happens,
in the service, not hidden behind a form error. Where the object's state does not allow
the step, the declared status is the 409 / redirect of that state.

Reading the helpers: `web(200, allow=ANALYSTS)` = these staff roles get 200, the other
staff roles 403, anonymous users and API tokens are sent to the login page (tokens do
not authenticate web pages). `api(201, allow=WRITERS)` = these roles (staff sessions or
tokens) get 201, the others 403, anonymous 401. Keyword arguments override one role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from campaigns.workflow import CAMPAIGN_WORKFLOW
from complaints.workflow import COMPLAINT_WORKFLOW
from compliance.workflow import CASE_WORKFLOW
from opinions.workflow import OPINION_WORKFLOW
from servicedesk.workflow import SERVICE_REQUEST_WORKFLOW

# The role names and the named groups of the `allow=` sets: tests/roles.py.
from tests.roles import (  # noqa: F401  (the whole vocabulary of the entries below)
    ADV,
    AGENT,
    AM,
    ANALYSTS,
    ANON,
    API_ROLES,
    BM,
    CALLERS,
    COMP,
    COMPLAINT_WORKERS,
    DASHBOARD_API,
    EDITORS,
    HQ,
    INT,
    INT_HQ,
    MANAGERS,
    PLANNERS,
    REVEALERS,
    SNAPSHOT_POSTERS,
    STAFF,
    TOKENS,
)
from tests.roles import MATRIX_ROLES as ROLES
from visits.workflow import VISIT_PLAN_WORKFLOW

LOGIN = "302 login"  # redirected to the login page
ADMIN_LOGIN = "302 admin login"  # redirected to the admin's login page


@dataclass(frozen=True)
class Case:
    """One request: method, the object its URL names (a kind of tests/security/world.py),
    fixed URL kwargs (the workflow action), a query string, a body, the status per role."""

    method: str
    expect: dict[str, int | str]
    obj: str | None = None
    kwargs: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    body: Callable | dict | None = None  # dict, or body(world, role) -> dict
    label: str = ""  # tells two cases of the same method apart (e.g. two forms)

    @property
    def variant(self) -> str:
        parts = [self.method.upper(), *(str(v) for v in self.kwargs.values())]
        return " ".join([*parts, self.label] if self.label else parts)


def web(ok=200, allow=STAFF, deny=403, **roles) -> dict:
    """A web page: `allow`ed staff roles get `ok`, the others `deny`; anonymous users and
    tokens go to the login page."""
    expect = {ANON: LOGIN, **dict.fromkeys(TOKENS, LOGIN)}
    expect.update({r: ok if r in allow else deny for r in STAFF})
    expect.update(roles)
    return expect


def api(ok=200, allow=API_ROLES, deny=403, **roles) -> dict:
    """An API endpoint: `allow`ed roles get `ok`, the others `deny`, anonymous 401."""
    expect = {ANON: 401}
    expect.update({r: ok if r in allow else deny for r in API_ROLES})
    expect.update(roles)
    return expect


def everyone(status) -> dict:
    return dict.fromkeys(ROLES, status)


def get(expect, **kw) -> Case:
    return Case("get", expect, **kw)


def post(expect, **kw) -> Case:
    return Case("post", expect, **kw)


# --- Request bodies -----------------------------------------------------------------------
def soon(days=1) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%d %H:%M")


def soon_iso(days=1) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


def today() -> str:
    return timezone.localdate().isoformat()


def client_form(w, role) -> dict:
    """The edit form of the client as the page shows it, posted back unchanged."""
    from clients.forms import ClientForm
    from clients.models import Client

    client = Client.objects.get(pk=w.obj("client", role).pk)  # its current version
    form = ClientForm(user=w.users.get(role), instance=client)
    data = {}
    for name, value in form.initial.items():
        if value is None or value is False:
            continue
        if hasattr(value, "pk"):
            value = value.pk
        data[name] = "on" if value is True else value
    data["reason"] = "资料核对"
    return data


def new_client(w, role) -> dict:
    data = {
        "client_type": "individual",
        "name": "新客户",
        "phone": "13900139555",
        "investor_class": "ordinary",
    }
    if role not in (AM, ANON) and role in w.users:
        data["owner"] = w.users[AM].pk
    return data


def new_client_api(w, role) -> dict:
    data = {"client_type": "individual", "name": "新客户", "phone": "13900139555"}
    if role in (BM, HQ):
        data["owner"] = "am"
    return data


KB_EDITORS = MANAGERS  # knowledge-base articles: HQ writes HQ's, a branch manager the branch's


def kb_article(w, role) -> dict:
    return {"title": "转托管指南", "kind": "sop", "category": w.obj("kbcategory", role).pk,
            "body": "客户申请转托管需要携带身份证。", "tags": "转托管"}  # fmt: skip


def kb_article_api(w, role) -> dict:
    return {**kb_article(w, role), "tags": ["转托管"]}


def scorecard_weights(w, role) -> dict:
    """The weights form: trading volume 60, CSI 40 (they add up to 100)."""
    from scorecards.measures import KEYS

    return {f"w_{k}": {"volume": 60, "csi": 40}.get(k, 0) for k in KEYS}


COMPLAINT_STEPS = {
    # action: (the status the complaint is in, roles that may take the step, body)
    "respond": ("received", COMPLAINT_WORKERS, {"note": "已电话联系"}),
    "acknowledge": ("received", COMPLAINT_WORKERS, {"note": "受理"}),
    "investigate": ("acknowledged", COMPLAINT_WORKERS, {"note": "调查"}),
    "pause": ("acknowledged", COMPLAINT_WORKERS, {"note": "等待客户材料"}),
    "resume": ("waiting", COMPLAINT_WORKERS, {"note": "材料已到"}),
    "transfer": ("received", COMPLAINT_WORKERS, {"handler": "agent", "note": "转交"}),
    "approve_compensation": ("major", MANAGERS, {"amount": "800.00", "note": "同意"}),
    "resolve": ("acknowledged", COMPLAINT_WORKERS, {"resolution": "已解决",
                                                    "feedback": "已书面答复"}),
    "review": ("resolved", EDITORS, {"note": "复核通过", "satisfaction": 5}),  # not the handler
    "close": ("reviewed", COMPLAINT_WORKERS, {"note": "结案"}),
    "reopen": ("resolved", COMPLAINT_WORKERS, {"reason": "客户不满意"}),
    "refuse": ("received", COMPLAINT_WORKERS, {"reason": "不属于投诉"}),
}  # fmt: skip


def complaint_form(action, body):
    """The web form of a step: its fields prefixed by the action; the handler by id."""

    def data(w, role):
        values = dict(body)
        if "handler" in values:
            values["handler"] = w.users[AGENT].pk
        return {f"{action}-{k}": v for k, v in values.items()}

    return data


SERVICE_REQUEST_STEPS = {
    # action: (the status the request is in, roles that may take the step, body)
    "start": ("received", COMPLAINT_WORKERS, {"note": "开始处理"}),
    "wait_for_client": ("in_progress", COMPLAINT_WORKERS, {"note": "等待客户材料"}),
    "resume": ("waiting", COMPLAINT_WORKERS, {"note": "材料已到"}),
    "transfer": ("received", COMPLAINT_WORKERS, {"handler": "agent", "note": "转交"}),
    "resolve": ("received", COMPLAINT_WORKERS, {"resolution": "已解答"}),
    "close": ("resolved", COMPLAINT_WORKERS, {"note": "关闭"}),
    "reopen": ("closed", COMPLAINT_WORKERS, {"reason": "客户再次来电"}),
    "escalate_to_complaint": ("in_progress", COMPLAINT_WORKERS, {"reason": "客户不满意"}),
}


OPINION_STEPS = {
    # action: (the status the opinion is in, roles that may take the step, body)
    "route": ("open", MANAGERS, {"department": "财富管理部", "note": "请跟进"}),
    # the person it is routed to (the client's account manager) or a manager
    "answer": ("routed", EDITORS, {"answer": "已回复客户"}),
    "close": ("answered", MANAGERS, {"note": "客户认可"}),
    "reopen": ("closed", MANAGERS, {"reason": "客户再次反映"}),
}

CASE_WORKERS = frozenset({COMP, HQ})  # compliance cases: the branch's compliance officer, HQ
PRO_ROLES = frozenset({AM, BM, COMP, HQ})  # professional investors: request, read
PRO_APPROVERS = frozenset({COMP, HQ})  # the second person (never the requester, here `am`)
AML_READERS = frozenset({BM, COMP, HQ})  # AML ratings: read
AML_WORKERS = frozenset({COMP, HQ})  # set by hand, re-verify
EDUCATORS = frozenset({AM, ADV, AGENT, BM, HQ})  # record investor education
CASE_STEPS = {
    # action: (the status the case is in, roles that may take the step, body)
    "investigate": ("opened", CASE_WORKERS, {"note": "调取录音"}),
    "conclude": ("investigating", CASE_WORKERS, {"finding": "unsubstantiated", "note": "核实"}),
    "close": ("concluded", CASE_WORKERS, {"note": "结案"}),
}

CAMPAIGN_BUILDERS = frozenset({AM, ADV, BM, HQ})
# campaigns are not the service agents' nor the integrations': they see none (404)
NO_CAMPAIGNS = {AGENT: 404, INT: 404, INT_HQ: 404}
CAMPAIGN_STEPS = {
    # action: (the status the campaign is in, roles that may take the step, body)
    "submit": ("draft", CAMPAIGN_BUILDERS, {}),  # the owner (the advisor: their own) or a manager
    "approve": ("submitted", MANAGERS, {"note": "同意"}),  # never the owner
    "reject": ("submitted", MANAGERS, {"reason": "文案需修改"}),
    "cancel": ("draft", CAMPAIGN_BUILDERS, {}),
}


def campaign_form(w, role) -> dict:
    """The campaign form, filled (HQ names the branch: empty would mean every branch)."""
    data = {"name": "双十一活动", "purpose": "marketing", "channel": "sms",
            "template": w.obj("messagetemplate:campaign", role).pk, "kind": "one_off",
            "scheduled_at": soon(2), "tiers": ["vip"]}  # fmt: skip
    if role == HQ:
        data["branch"] = w.obj("branch", role).pk
    return data


def campaign_api(w, role) -> dict:
    data = {"name": "双十一活动", "purpose": "marketing", "channel": "sms",
            "template": "matrix-campaign", "kind": "one_off", "scheduled_at": soon_iso(2),
            "segment": {"tiers": ["vip"]}}  # fmt: skip
    if role in (HQ, INT_HQ):
        data["branch"] = "BJ01"
    return data


VISIT_PLAN_STEPS = {
    # action: (the status the plan is in, roles that may take the step, body)
    "submit": ("draft", {AM}, None),
    "approve": ("submitted", MANAGERS, None),
    "reject": ("submitted", MANAGERS, {"reason": "时间冲突"}),
    "complete": ("approved", {AM}, {"presented": "资产配置方案"}),
    "cancel": ("draft", {AM, *MANAGERS}, None),
}


def workflow_steps(workflow, steps: dict) -> dict:
    """The expectations of `steps` in the order of the workflow's table (crm.workflow);
    a step of the table with a URL or an API action and no line here fails at once."""
    wanted = [a.name for a in workflow if a.web or a.api]
    missing = sorted(set(wanted) - set(steps))
    extra = sorted(set(steps) - set(wanted))
    if missing or extra:
        raise AssertionError(f"access table of {workflow.model_label}: workflow actions "
                             f"missing {missing}, not in the workflow {extra}")  # fmt: skip
    return {name: steps[name] for name in wanted}


def step_cases(workflow, steps: dict, url_name: str, obj: str, form=None):
    """The web cases (one `Case` per action of the URL `url_name`) and the API cases (one
    entry per API action) of a workflow's steps."""
    steps = workflow_steps(workflow, steps)
    web_cases = [
        post(web(302, allow=allow), obj=f"{obj}:{state}", kwargs={"action": a.name},
             body=form(a.name, body) if form else body)
        for a in workflow.web_actions
        for state, allow, body in [steps[a.name]]
    ]  # fmt: skip
    api_cases = {
        f"api:{obj}-{a.url_name}": [post(api(allow=allow), obj=f"{obj}:{state}", body=body)]
        for a in workflow.api_actions
        for state, allow, body in [steps[a.name]]
    }
    return {url_name: web_cases}, api_cases


COMPLAINT_WEB_STEPS, COMPLAINT_API_STEPS = step_cases(
    COMPLAINT_WORKFLOW, COMPLAINT_STEPS, "complaints:action", "complaint", form=complaint_form
)
SERVICE_REQUEST_WEB_STEPS, SERVICE_REQUEST_API_STEPS = step_cases(
    SERVICE_REQUEST_WORKFLOW,
    SERVICE_REQUEST_STEPS,
    "servicedesk:action",
    "servicerequest",
    form=complaint_form,
)
OPINION_WEB_STEPS, OPINION_API_STEPS = step_cases(
    OPINION_WORKFLOW, OPINION_STEPS, "opinions:action", "opinion", form=complaint_form
)
CASE_WEB_STEPS, CASE_API_STEPS = step_cases(
    CASE_WORKFLOW, CASE_STEPS, "compliance:action", "compliancecase", form=complaint_form
)

CAMPAIGN_WEB_STEPS, CAMPAIGN_API_STEPS = step_cases(
    CAMPAIGN_WORKFLOW, CAMPAIGN_STEPS, "campaigns:action", "campaign", form=complaint_form
)
for _case in CAMPAIGN_WEB_STEPS["campaigns:action"]:
    _case.expect[AGENT] = 404
for _cases in CAMPAIGN_API_STEPS.values():
    for _case in _cases:
        _case.expect.update(NO_CAMPAIGNS)
VISIT_PLAN_WEB_STEPS, VISIT_PLAN_API_STEPS = step_cases(
    VISIT_PLAN_WORKFLOW, VISIT_PLAN_STEPS, "visits:action", "visitplan"
)

REGISTRATION = {"identity_verified": True, "trading_by_staff": "no", "risks_disclosed": "yes",
                "discretionary_mandate": "no", "satisfaction": 5}  # fmt: skip


def registration_web(w, role) -> dict:
    return {"action": "complete", **REGISTRATION, "identity_verified": "on"}


def snapshot_rows(w, role) -> list:
    return [{"client_no": "1100000001", "date": today(), "total_assets": "1000.00"}]


ORG_IMPORTERS = frozenset({HQ, INT_HQ})


INSPECTORS = frozenset({BM, COMP, HQ})  # recorded sales and advice to re-check
PRODUCT_LOADERS = frozenset({HQ, INT_HQ})  # the catalogue's bulk upsert


def product_form() -> dict:
    return {"code": "MX0001", "name": "矩阵理财", "product_type": "wealth", "risk_level": "R2",
            "status": "on_sale"}  # fmt: skip


def product_rows(w, role) -> list:
    return [{"code": "MX0002", "name": "矩阵债券", "product_type": "bond", "risk_level": "R1"}]


def staff_rows(w, role) -> list:
    return [{"staff_no": "M9001", "name": "钱明", "role": "客户经理", "branch_code": "BJ01",
             "team": "财富一组", "email": "m9001@example.com"}]  # fmt: skip


def branch_rows(w, role) -> list:
    return [{"code": "GZ01", "name": "广州天河营业部", "kind": "营业部"}]


def client_master_rows(w, role) -> list:
    return [{"client_no": "1100000901", "name": "批量客户", "branch": "BJ01", "owner": "am",
             "phone": "13800130901", "opened_on": today()}]  # fmt: skip


def holding_rows(w, role) -> list:
    return [{"client_no": "1100000001", "date": today(), "security_code": "600519",
             "quantity": "100", "price": "1500"}]  # fmt: skip


def call_body(w, role) -> dict:
    return {"call_id": f"matrix-new-{role}", "direction": "inbound", "phone": "13800130001",
            "started_at": soon_iso(-1)}  # fmt: skip


def wrap_up_code():
    from callcenter.models import WrapUpCode

    return WrapUpCode.objects.get_or_create(code="consultation", defaults={"name": "业务咨询"})[0]


def _wrap_up_web(w, role) -> dict:
    return {"wrap_up": wrap_up_code().pk}


def call_log(w, role) -> dict:
    return {"direction": "inbound", "phone": "13800130001", "client": f"id:{w.clients['mine'].pk}",
            "duration_minutes": "2", "wrap_up": wrap_up_code().pk, "follow_up": "",
            "notes": "咨询开户"}  # fmt: skip


def password_change(w, role) -> dict:
    from tests.factories import PASSWORD

    new = "Matrix-new-pass-2026"
    return {"old_password": PASSWORD, "new_password1": new, "new_password2": new}


def first_code(w, role) -> dict:
    """The code of the authenticator app being enrolled: the page's pending device,
    created here as the page would, so the code is the one the app would show."""
    from django_otp.oath import totp

    from crm import twofactor

    user = w.users.get(role)
    if user is None or not twofactor.may_enrol(user):
        return {"code": "123456"}
    device = twofactor.enrolment_device(user)
    return {"code": f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"}


OUTREACH_TEMPLATE = {"code": "matrix-new", "name": "新模板", "channel": "sms",
                     "purpose": "service", "provider_template_code": "SMS_1", "body": "您好",
                     "active": "on"}  # fmt: skip


# --- The table ----------------------------------------------------------------------------
TABLE: dict[str, list[Case]] = {
    # Public: health, sign-in, language, API schema and docs -------------------------------
    "healthz": [get(everyone(200))],
    # the test client's 127.0.0.1 is in METRICS_ALLOWED_NETS; other addresses 404
    # (tests/crm/test_metrics.py)
    "metrics": [get(everyone(200))],
    "login": [
        get(web(302, **{ANON: 200}, **dict.fromkeys(TOKENS, 200))),
        post(web(302, **{ANON: 200}, **dict.fromkeys(TOKENS, 200))),  # a form error
        Case("put", web(302, **{ANON: 200}, **dict.fromkeys(TOKENS, 200))),
    ],
    "logout": [post(everyone(LOGIN))],
    "set_language": [post(everyone(302), body={"language": "en", "next": "/"})],
    "api-schema": [get(api())],  # behind login unless CRM_API_DOCS_PUBLIC
    # an e-mail's unsubscribe link: public, signed (a valid token: tests/outreach)
    "outreach:unsubscribe": [
        get(everyone(404), kwargs={"token": "forged"}),
        post(everyone(404), kwargs={"token": "forged"}),
    ],
    "api-docs": [get(web())],  # a browser without a session goes to the login page
    # Own account: password, optional second factor (branch managers and HQ only) -----------
    "password_change": [
        get(web()),
        post(web(302), body=password_change),
        Case("put", web(200)),  # no body: the form with its errors
    ],
    "two-factor-setup": [
        get(web(allow=MANAGERS, deny=404)),  # the option does not exist for other roles
        post(web(302, allow=MANAGERS, deny=404), body=first_code),
    ],
    # Nothing to verify for a session that owes no code: on to the workbench.
    "two-factor-verify": [get(web(302)), post(web(302), body={"code": "123456"})],
    # Kernel: workbench, dashboards, notifications, to-dos, calendar, access log ------------
    "crm:workbench": [get(web())],
    "crm:dashboard": [get(web(allow=ANALYSTS))],
    "crm:my-dashboard": [get(web())],
    "crm:report": [get(web(allow=ANALYSTS))],
    "crm:notifications": [get(web())],
    "crm:notification-badge": [get(web())],
    "crm:notification-read-all": [post(web(302))],
    "crm:notification-read": [post(web(302), obj="notification")],
    "crm:todo-list": [get(web())],
    # a person's own column choice of a list (crm.tables): nothing of anyone else's
    "crm:table-columns": [post(web(302), kwargs={"key": "clients"}, body={"column": ["stage"]})],
    "crm:todo-create": [
        get(web(compliance=403)),
        post(web(302, compliance=403), body={"title": "准备材料", "due_at": soon()}),
    ],
    "crm:todo-detail": [get(web(), obj="todo")],
    "crm:todo-edit": [
        get(web(), obj="todo"),
        post(web(302, compliance=403), obj="todo", body={"title": "准备材料", "due_at": soon(2)}),
    ],
    "crm:todo-action": [
        post(web(302, compliance=403), obj="todo", kwargs={"action": a})
        for a in ("complete", "cancel")
    ],
    "crm:calendar": [get(web())],
    "crm:calendar-edit": [
        get(web(allow={HQ})),
        post(
            web(302, allow={HQ}), body={"year": 2099, "schedule": "2099-10-01~2099-10-03 休 国庆节"}
        ),
    ],
    "crm:access-log": [get(web(allow=ANALYSTS))],
    # Unmasked exports: requested by those who may reveal, decided by the branch's managers
    # and compliance or HQ (never the requester), downloaded once by the requester only.
    "crm:exports": [get(web(allow=REVEALERS))],
    "crm:export-request": [
        get(web(allow=REVEALERS), query={"kind": "clients", "tier": "vip"}),
        post(
            web(302, allow=REVEALERS),
            body={"kind": "clients", "query": "tier=vip", "reason": "年度回访核对联系方式"},
        ),
    ],
    "crm:export-decide": [
        post(
            web(302, allow=ANALYSTS),
            obj="exportrequest:pending",
            kwargs={"decision": d},
            body={"note": "核对后决定"},
        )
        for d in ("approve", "reject")
    ],
    "crm:export-download": [
        post(web(200, allow={AM}, deny=403), obj="exportrequest:approved", body={"format": "csv"})
    ],
    # Kernel API ---------------------------------------------------------------------------
    "api:api-root": [get(api())],
    "api:me": [get(api())],
    "api:metrics": [get(api())],
    "api:branch-list": [get(api())],
    "api:branch-detail": [get(api(), obj="branch")],
    "api:staff-list": [get(api())],
    "api:staff-detail": [get(api(), obj="staff")],
    # the organisation is headquarters' (staff or an HQ system; a branch system 403)
    "api:staff-bulk": [post(api(allow=ORG_IMPORTERS), body=staff_rows)],
    "api:staff-deactivate": [post(api(allow=ORG_IMPORTERS), obj="staff", body={"reason": "离职"})],
    "api:branch-bulk": [post(api(allow=ORG_IMPORTERS), body=branch_rows)],
    "api:holiday-list": [get(api())],
    "api:holiday-detail": [get(api(), obj="holiday")],
    "api:notification-list": [get(api())],
    "api:notification-detail": [get(api(), obj="notification")],
    # Compliance reads only: the API refuses it every write, its own notifications too.
    "api:notification-read": [post(api(compliance=403), obj="notification")],
    "api:notification-read-all": [post(api(compliance=403))],
    "api:todo-list": [
        get(api()),
        post(api(201, compliance=403), body={"title": "准备材料", "due_at": soon_iso()}),
    ],
    "api:todo-detail": [
        get(api(), obj="todo"),
        Case("patch", api(compliance=403), obj="todo", body={"title": "改期"}),
        Case("put", api(compliance=403), obj="todo", body={"title": "改期", "due_at": soon_iso(2)}),
    ],
    "api:todo-complete": [post(api(compliance=403), obj="todo")],
    "api:todo-cancel": [post(api(compliance=403), obj="todo")],
    "api:access-log-list": [get(api(allow=ANALYSTS))],
    "api:access-log-detail": [get(api(allow=ANALYSTS), obj="accesslog")],
    # Clients (web) --------------------------------------------------------------------------
    "clients:list": [get(web())],
    "clients:export": [get(web())],
    "clients:create": [get(web(allow=EDITORS)), post(web(302, allow=EDITORS), body=new_client)],
    "clients:pick": [get(web(), query={"q": "11"})],  # results only from the user's scope
    "clients:reassign": [
        post(
            web(302, allow=MANAGERS),
            body=lambda w, role: {
                "client": w.clients["mine"].pk,
                "owner": w.users["am2"].pk,
                "reason": "岗位调整",
            },
        ),
    ],
    "clients:leavers": [get(web(allow=MANAGERS))],  # clients of staff who left
    "clients:import": [get(web(allow=MANAGERS)), post(web(400, allow=MANAGERS))],  # no file
    "clients:import-status": [get(web(allow=MANAGERS), obj="importjob")],
    "clients:import-errors": [get(web(allow=MANAGERS), obj="importjob")],
    # the matrix's jobs are real imports, not dry runs: nothing to import from
    "clients:import-run": [post(web(302, allow=MANAGERS), obj="importjob")],
    "clients:import-template": [get(web(allow=MANAGERS))],
    "clients:segments": [get(web(allow=STAFF - {AM, ADV}))],  # branch-wide figures
    # saved client lists: everyone's own and the branch's shared ones; used on one's scope
    "clients:saved-lists": [
        get(web()),
        post(web(302), body={"name": "矩阵名单", "query": "tier=vip&grade=A"}),
    ],
    # only the owner deletes (the others are told so: 302); out of scope 404
    "clients:saved-list-delete": [post(web(302), obj="savedlist")],
    "clients:churn": [get(web())],
    "clients:retention-board": [get(web())],
    "clients:retention-case": [
        get(web(), obj="retentioncase"),
        post(
            web(302, allow=EDITORS), obj="retentioncase", body={"kind": "call", "note": "电话挽留"}
        ),
    ],
    "clients:detail": [get(web(), obj="client")],
    "clients:detail-assets": [get(web(), obj="client")],  # the 360 page's parts (HTMX)
    "clients:detail-timeline": [get(web(), obj="client")],
    "clients:detail-history": [get(web(), obj="client")],
    "clients:edit": [
        get(web(allow=EDITORS), obj="client"),
        post(web(302, allow=EDITORS), obj="client", body=client_form),
    ],
    "clients:reveal": [
        post(web(200, allow={AM, BM, COMP, HQ}), obj="client", kwargs={"field": f})
        for f in ("id_number", "phone", "phone_alt", "name")
    ],
    "clients:risk-assessment": [
        get(web(allow=EDITORS), obj="client"),
        post(
            web(302, allow=EDITORS),
            obj="client",
            body={"assessed_on": today(), "score": 60, "risk_level": "C4"},
        ),
    ],
    "clients:open-account": [
        get(web(allow=EDITORS), obj="client:potential"),
        post(
            web(302, allow=EDITORS),
            obj="client:potential",
            body={"client_no": "1100000099", "opened_on": today()},
        ),
    ],
    "clients:identity-change": [
        get(web(allow=EDITORS), obj="client"),
        post(web(302, allow=EDITORS), obj="client", body={"note": "换发新身份证"}),
    ],
    "clients:reviewed": [post(web(302, allow=EDITORS), obj="client")],
    # Clients (API) --------------------------------------------------------------------------
    "api:client-list": [get(api()), post(api(201, allow=EDITORS), body=new_client_api)],
    "api:client-lookup": [get(api(), query={"phone": "13800130001"})],
    "api:client-detail": [
        get(api(), obj="client", query={"reveal": "id_number"}),
        Case("patch", api(allow=EDITORS), obj="client", body={"email": "k@example.com"}),
        Case(
            "put",
            api(allow=EDITORS),
            obj="client",
            body={"name": "客户1", "client_type": "individual", "phone": "13800130001"},
        ),
    ],
    "api:client-timeline": [get(api(), obj="client")],
    "api:riskassessment-list": [
        get(api()),
        post(
            api(201, allow=EDITORS),
            body=lambda w, role: {
                "client": w.clients["mine"].pk,
                "assessed_on": today(),
                "score": 60,
                "risk_level": "C4",
            },
        ),
    ],
    "api:riskassessment-detail": [get(api(), obj="riskassessment")],
    "api:snapshot-bulk": [post(api(allow=SNAPSHOT_POSTERS), body=snapshot_rows)],
    "api:client-bulk": [post(api(allow=SNAPSHOT_POSTERS), body=client_master_rows)],
    "api:holding-bulk": [post(api(allow=SNAPSHOT_POSTERS), body=holding_rows)],
    "api:retentioncase-list": [get(api())],
    "api:retentioncase-detail": [get(api(), obj="retentioncase")],
    "api:retentioncase-add-action": [
        post(api(allow=EDITORS), obj="retentioncase", body={"kind": "call", "note": "电话"})
    ],
    "api:retentioncase-close": [
        post(api(allow=EDITORS), obj="retentioncase", body={"outcome": "retained"})
    ],
    # Complaints -------------------------------------------------------------------------------
    "complaints:desk": [get(web())],
    "complaints:intake": [
        get(web(allow=COMPLAINT_WORKERS)),
        post(
            web(302, allow=COMPLAINT_WORKERS),
            body=lambda w, role: {
                "client": f"id:{w.clients['mine'].pk}",  # the client picker's value
                "channel": "phone",
                "category": "general",
                "severity": 2,
                "topic": "trading",
                "description": "委托未成交",
            },
        ),
    ],
    "complaints:analysis": [get(web(allow=ANALYSTS))],
    "complaints:regulator": [get(web(allow=ANALYSTS))],
    "complaints:detail": [get(web(), obj="complaint")],
    "complaints:print": [get(web(), obj="complaint")],
    "complaints:pdf": [get(web(), obj="complaint")],
    "complaints:attach": [
        post(web(302, allow=COMPLAINT_WORKERS), obj="complaint", body={"recording_ref": "R-1"})
    ],
    "complaints:attachment": [get(web(), obj="attachment")],
    **COMPLAINT_WEB_STEPS,
    "api:complaint-list": [
        get(api()),
        post(
            api(201, allow=COMPLAINT_WORKERS),
            body=lambda w, role: {
                "client": w.clients["mine"].pk,
                "channel": "phone",
                "topic": "trading",
                "description": "委托未成交",
            },
        ),
    ],
    "api:complaint-detail": [get(api(), obj="complaint")],
    "api:complaint-events": [get(api(), obj="complaint")],
    **COMPLAINT_API_STEPS,
    # Service requests -------------------------------------------------------------------------
    "servicedesk:desk": [get(web())],
    "servicedesk:intake": [
        get(web(allow=COMPLAINT_WORKERS)),
        post(
            web(302, allow=COMPLAINT_WORKERS),
            body=lambda w, role: {
                "client": f"id:{w.clients['mine'].pk}",
                "channel": "phone",
                "category": w.obj("servicecategory", role).pk,
                "priority": 2,
                "description": "咨询开户材料",
            },
        ),
    ],
    "servicedesk:categories": [
        get(web()),
        post(
            web(302, allow={HQ}),
            body={"code": "matrix_cat", "name": "测试分类", "sort_order": 5, "is_active": "on"},
        ),
    ],
    "servicedesk:detail": [get(web(), obj="servicerequest")],
    **SERVICE_REQUEST_WEB_STEPS,
    "api:servicerequest-list": [
        get(api()),
        post(
            api(201, allow=COMPLAINT_WORKERS),
            body=lambda w, role: {
                "client": w.clients["mine"].pk,
                "channel": "phone",
                "category": "account",
                "description": "咨询开户材料",
            },
        ),
    ],
    "api:servicerequest-detail": [get(api(), obj="servicerequest")],
    "api:servicerequest-events": [get(api(), obj="servicerequest")],
    **SERVICE_REQUEST_API_STEPS,
    "api:servicecategory-list": [get(api())],
    "api:servicecategory-detail": [get(api(), obj="servicecategory")],
    # Reaching clients: the message record, templates, sending one ------------------------------
    "outreach:messages": [
        get(web()),
        get(
            web(),
            query={"channel": "sms", "status": "sent", "created_after": "2026-01-01"},
            label="filtered",
        ),
    ],
    "outreach:message-detail": [get(web(), obj="message")],
    "outreach:templates": [get(web())],
    "outreach:template-create": [
        get(web(allow=MANAGERS)),
        post(web(302, allow=MANAGERS), body=OUTREACH_TEMPLATE),
    ],
    "outreach:template-edit": [
        get(web(allow=MANAGERS), obj="messagetemplate"),
        post(
            web(302, allow=MANAGERS),
            obj="messagetemplate",
            body={**OUTREACH_TEMPLATE, "code": "world-bj"},
        ),
    ],
    "outreach:send": [
        get(web(allow=COMPLAINT_WORKERS), obj="client"),
        post(
            web(302, allow=COMPLAINT_WORKERS),
            obj="client",
            body={"channel": "sms", "purpose": "service", "body": "您好，您的业务已办结。"},
        ),
    ],
    "outreach:client-messages": [get(web(), obj="client")],
    "complaints:send-progress": [post(web(302, allow=COMPLAINT_WORKERS), obj="complaint:received")],
    "api:message-list": [
        get(api()),
        post(
            api(201, allow=COMPLAINT_WORKERS),
            body=lambda w, role: {
                "client": w.clients["mine"].pk,
                "channel": "sms",
                "purpose": "service",
                "body": "您好",
                "idempotency_key": f"matrix-{role}",
            },
        ),
    ],
    "api:message-detail": [get(api(), obj="message")],
    "api:messagetemplate-list": [
        get(api()),
        post(api(201, allow=MANAGERS), body={**OUTREACH_TEMPLATE, "active": True}),
    ],
    "api:messagetemplate-detail": [
        get(api(), obj="messagetemplate"),
        Case("patch", api(allow=MANAGERS), obj="messagetemplate", body={"name": "改名"}),
        Case(
            "put",
            api(allow=MANAGERS),
            obj="messagetemplate",
            body={**OUTREACH_TEMPLATE, "code": "world-bj", "active": True},
        ),
    ],
    # Client opinions (the register, its analysis, manual entry, the workflow) -------------------
    "opinions:register": [
        get(web()),
        get(web(), query={"pending": "true", "month": "2026-11"}, label="filtered"),
    ],
    "opinions:analysis": [get(web()), get(web(), query={"format": "xlsx"}, label="xlsx")],
    "opinions:create": [
        get(web(allow=COMPLAINT_WORKERS)),
        post(
            web(302, allow=COMPLAINT_WORKERS),
            body=lambda w, role: {
                "client": f"id:{w.clients['mine'].pk}",
                "category": "fees",
                "text": "希望降低佣金",
            },
        ),
    ],
    "opinions:detail": [get(web(), obj="opinion")],
    **OPINION_WEB_STEPS,
    "api:opinion-list": [
        get(api()),
        post(
            api(201, allow=COMPLAINT_WORKERS),
            body=lambda w, role: {
                "client": w.clients["mine"].pk,
                "category": "fees",
                "text": "希望降低佣金",
            },
        ),
    ],
    "api:opinion-detail": [get(api(), obj="opinion")],
    **OPINION_API_STEPS,
    # The product catalogue (HQ writes, everyone reads) ----------------------------------------
    "products:catalogue": [
        get(web()),
        get(web(), query={"q": "jz", "risk_level": "R2", "ordering": "-code"}, label="filtered"),
    ],
    "products:create": [get(web(allow={HQ})), post(web(302, allow={HQ}), body=product_form())],
    "products:pick": [get(web(), query={"q": "矩阵"})],
    "products:detail": [
        get(web(), obj="product"),
        post(
            web(302, allow={HQ}),
            obj="product",
            label="document",
            body={"title": "产品说明书", "url": "https://docs.example.com/m0001.pdf"},
        ),
    ],
    "products:edit": [
        get(web(allow={HQ}), obj="product"),
        post(web(302, allow={HQ}), obj="product", body={**product_form(), "risk_level": "R3"}),
    ],
    "api:product-list": [get(api()), post(api(201, allow={HQ}), body=product_form())],
    "api:product-detail": [
        get(api(), obj="product"),
        Case("patch", api(allow={HQ}), obj="product", body={"issuer": "资管部"}),
    ],
    "api:product-bulk": [post(api(allow=PRODUCT_LOADERS), body=product_rows)],
    "api:advisedproduct-list": [
        get(api(allow=INSPECTORS)),
        get(
            api(allow=INSPECTORS),
            query={"recorded": "true", "client_no": "1100000001"},
            label="filtered",
        ),
    ],
    "api:advisedproduct-detail": [get(api(allow=INSPECTORS), obj="advisedproduct")],
    "visits:recordings": [
        get(web(allow=INSPECTORS)),
        get(web(allow=INSPECTORS), query={"product_code": "M0001"}, label="filtered"),
    ],
    "visits:affected-advice": [get(web(allow=INSPECTORS))],
    # Compliance cases (the list, the trend, opening by hand, the workflow) --------------------
    "compliance:list": [
        get(web(allow=CASE_WORKERS)),
        get(
            web(allow=CASE_WORKERS), query={"open": "true", "source": "callback"}, label="filtered"
        ),
    ],
    "compliance:trend": [get(web(allow=CASE_WORKERS))],
    "compliance:create": [
        get(web(allow=CASE_WORKERS)),
        post(
            web(302, allow=CASE_WORKERS),
            body=lambda w, role: {
                "source_kind": "manual",
                "client": f"id:{w.clients['mine'].pk}",
                "summary": "客户经理承诺保本收益",
            },
        ),
    ],
    "compliance:detail": [get(web(allow=CASE_WORKERS), obj="compliancecase")],
    **CASE_WEB_STEPS,
    # Staff conduct: self-checks (everyone their own), the misconduct register (compliance
    # and HQ, 404 for everyone else), investor education -------------------------------------
    "conduct:selfchecks": [
        get(web()),
        get(web(), query={"status": "pending", "overdue": "true"}, label="filtered"),
    ],
    # nothing to sign in the world: the page says so (a redirect)
    "conduct:my-selfcheck": [get(web()), post(web(302), body={"declaration_accepted": "on"})],
    "conduct:form-create": [
        get(web(allow=CASE_WORKERS)),
        post(
            web(302, allow=CASE_WORKERS),
            body=lambda w, role: {
                "year": {HQ: 2041, COMP: 2042}.get(role, 2043),
                "title": "年度员工执业行为自查表",
                "questions": "是否存在代客操作？\n是否接受全权委托？",
                "declaration": "本人承诺以上内容属实。",
                "due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
            },
        ),
    ],
    "conduct:misconduct": [get(web(allow=CASE_WORKERS, deny=404))],
    "conduct:misconduct-create": [
        get(web(allow=CASE_WORKERS, deny=404)),
        post(
            web(302, allow=CASE_WORKERS, deny=404),
            body=lambda w, role: {
                "staff": w.users[AM].pk,
                "occurred_on": today(),
                "summary": "未经审批发布产品宣传材料",
            },
        ),
    ],
    "conduct:education": [get(web())],
    "conduct:education-create": [
        get(web(allow=EDUCATORS)),
        post(
            web(302, allow=EDUCATORS),
            body=lambda w, role: {
                "client": f"id:{w.clients['mine'].pk}",
                "kind": "video",
                "topic": "融资融券风险揭示",
                "on": today(),
            },
        ),
    ],
    "conduct:suggestions": [get(web()), get(web(), query={"open": "true"}, label="filtered")],
    "api:compliancecase-list": [
        get(api(allow=CASE_WORKERS)),
        post(
            api(201, allow=CASE_WORKERS),
            body=lambda w, role: {
                "source_kind": "manual",
                "client": w.clients["mine"].pk,
                "summary": "客户经理承诺保本收益",
            },
        ),
    ],
    "api:compliancecase-detail": [get(api(allow=CASE_WORKERS), obj="compliancecase")],
    "api:compliancecase-events": [get(api(allow=CASE_WORKERS), obj="compliancecase")],
    **CASE_API_STEPS,
    # Professional investors (request, a second person decides) and AML ratings ----------
    "suitability:pro-list": [
        get(web(allow=PRO_ROLES)),
        get(
            web(allow=PRO_ROLES),
            query={"status": "requested", "review_due": "true"},
            label="filtered",
        ),
    ],
    "suitability:pro-create": [
        get(web(allow=PRO_ROLES), obj="client"),
        post(
            web(302, allow=PRO_ROLES),
            obj="client",
            body=lambda w, role: {
                "kind": "professional",
                "financial_assets": "6000000",
                "experience_years": "3",
                "evidence": "资产证明",
                "evidence_date": today(),
            },
        ),
    ],
    "suitability:pro-detail": [get(web(allow=PRO_ROLES), obj="proclassification")],
    "suitability:pro-action": [
        post(
            web(302, allow=PRO_APPROVERS),
            obj="proclassification:requested",
            kwargs={"action": "approve"},
            body={"approve-note": "同意"},
        ),
        post(
            web(302, allow=PRO_APPROVERS),
            obj="proclassification:requested",
            kwargs={"action": "reject"},
            body={"reject-note": "资产证明不足"},
        ),
    ],
    "suitability:aml-list": [
        get(web(allow=AML_READERS)),
        get(
            web(allow=AML_READERS), query={"high": "true", "reverify_due": "true"}, label="filtered"
        ),
    ],
    "suitability:aml-detail": [get(web(allow=AML_READERS), obj="amlprofile")],
    "suitability:aml-client": [get(web(302, allow=AML_READERS), obj="client")],
    "suitability:aml-action": [
        post(
            web(302, allow=AML_WORKERS),
            obj="amlprofile",
            kwargs={"action": "override"},
            body={"override-rating": "high", "override-reason": "可疑交易"},
        ),
        post(
            web(302, allow=AML_WORKERS),
            obj="amlprofile",
            kwargs={"action": "verify"},
            body=lambda w, role: {"verify-verified_on": today()},
        ),
        post(
            web(302, allow=AML_WORKERS),
            obj="amlprofile",
            kwargs={"action": "residence"},
            body={"residence-nationality": "CN", "residence-residence": "HK"},
        ),
    ],
    "api:amlrating-list": [
        get(api(allow=AML_READERS)),
        get(
            api(allow=AML_READERS),
            query={"rating": "high", "reverify_due": "true"},
            label="filtered",
        ),
    ],
    "api:amlrating-detail": [get(api(allow=AML_READERS), obj="amlprofile")],
    # Campaigns (the list, the form, the page, the workflow) ----------------------------------
    "campaigns:list": [get(web()), get(web(), query={"status": "submitted"}, label="filtered")],
    "campaigns:create": [
        get(web(allow=CAMPAIGN_BUILDERS)),
        post(web(302, allow=CAMPAIGN_BUILDERS), body=campaign_form),
    ],
    "campaigns:detail": [get(web(service_agent=404), obj="campaign")],
    "campaigns:edit": [
        get(web(allow=CAMPAIGN_BUILDERS, service_agent=404), obj="campaign"),
        post(
            web(302, allow=CAMPAIGN_BUILDERS, service_agent=404), obj="campaign", body=campaign_form
        ),
    ],
    **CAMPAIGN_WEB_STEPS,
    "api:campaign-list": [
        get(api()),
        post(api(201, allow=CAMPAIGN_BUILDERS), body=campaign_api),
    ],
    "api:campaign-detail": [
        get(api(**NO_CAMPAIGNS), obj="campaign"),
        # a role that may not build is refused (403) before the campaign is looked up
        Case("patch", api(allow=CAMPAIGN_BUILDERS), obj="campaign", body={"name": "改名"}),
        Case("put", api(allow=CAMPAIGN_BUILDERS), obj="campaign", body=campaign_api),
    ],
    "api:campaign-recipients": [get(api(**NO_CAMPAIGNS), obj="campaign")],
    "api:campaign-progress": [get(api(**NO_CAMPAIGNS), obj="campaign")],
    **CAMPAIGN_API_STEPS,
    # Scorecards (the ranking, my scorecard, the weights, the API) -----------------------------
    "scorecards:ranking": [
        get(web(allow=ANALYSTS)),
        get(web(allow=ANALYSTS), query={"export": "xlsx"}, label="export"),
    ],
    "scorecards:mine": [get(web())],
    "scorecards:weights": [
        get(web(allow=MANAGERS)),
        post(web(302, allow=MANAGERS), body=scorecard_weights),
    ],
    "api:scorecard-list": [get(api()), get(api(), query={"level": "person"}, label="filtered")],
    # Visits, consultation sheets, events ------------------------------------------------------
    "visits:list": [get(web())],
    "visits:calendar": [get(web())],
    "visits:calendar-feed": [
        get(web(), query={"start": "2026-11-30T00:00:00", "end": "2027-01-11T00:00:00"})
    ],
    "visits:approvals": [get(web(allow=MANAGERS))],
    "visits:create": [
        get(web()),
        post(
            web(302, allow=PLANNERS),
            body={
                "client": "1100000001",  # typed: the picker's plain-input fallback
                "kind": "door_to_door",
                "planned_at": soon(3),
                "place": "客户公司",
                "purpose": "资产配置",
            },
        ),
    ],
    "visits:detail": [get(web(), obj="visitplan")],
    **VISIT_PLAN_WEB_STEPS,
    "visits:quota": [
        get(web()),
        post(web(302, allow={AM}), body={"kind": "patrol", "room": "大户室1"}, label="log"),
        post(
            web(302, allow=MANAGERS),
            body=lambda w, role: {
                "account_manager": w.users[AM].pk,
                "contacts_target": 3,
                "patrols_target": 1,
            },
            label="set",
        ),
    ],
    "visits:consultations": [get(web())],
    "visits:consultation-create": [
        get(web()),
        post(
            web(302, allow=PLANNERS),
            body=lambda w, role: {
                "client": "1100000001",
                "advisor": w.users[ADV].pk,
                "question": "是否适合加仓？",
            },
        ),
    ],
    "visits:consultation": [
        get(web(), obj="consultation"),
        post(
            web(302, allow={ADV, BM, HQ}),
            obj="consultation:open",
            label="answer",
            body={
                "analysis": "分析",
                "advice": "建议",
                "products-TOTAL_FORMS": 0,
                "products-INITIAL_FORMS": 0,
            },
        ),
        post(
            web(302, allow={AM, ADV, BM, HQ}),
            obj="consultation:answered",
            label="deliver",
            body={"note": "当面交付"},
        ),
    ],
    # research requests from visits: the advisory side answers (service agents see none)
    "visits:research": [get(web())],
    "visits:research-detail": [
        get(web(service_agent=404), obj="research"),
        post(
            web(302, allow={ADV, BM, HQ}, service_agent=404),
            obj="research:open",
            body={"answer": "建议关注可转债基金"},
        ),
    ],
    "visits:events": [
        get(web()),
        post(
            web(302, allow=EDITORS),
            body={
                "kind": "education",
                "title": "投资者教育",
                "starts_at": soon(5),
                "place": "营业部",
            },
        ),
    ],
    "visits:event": [
        get(web(), obj="event"),
        post(web(302, allow=EDITORS), obj="event", body={"tiers": "vip"}, label="invite"),
        post(
            web(302, allow=EDITORS),
            obj="event",
            label="invite client",
            body=lambda w, role: {"invite-client": f"id:{w.clients['mine'].pk}"},
        ),
        post(
            web(302, allow=EDITORS),
            obj="event",
            label="invite_saved",
            body=lambda w, role: {"invite_saved": "1", "saved": w.obj("savedlist", role).pk},
        ),
        post(
            web(302, allow={AM, AGENT, BM, HQ}),
            obj="event",
            label="invitation",
            body=lambda w, role: {"invitation": w.obj("invitation", role).pk, "status": "accepted"},
        ),
    ],
    # A pass (入场码) and the check-in its QR code opens at the door (`checkin`: the signed
    # token of an invitation); the world's event is next week, so the check-in is refused
    # with a message (302) by the roles that work the door, 403 by the others.
    "visits:invitation-pass": [get(web(), obj="invitation")],
    "visits:check-in": [
        get(web(), obj="checkin"),
        post(web(302, allow={AM, AGENT, BM, HQ}), obj="checkin"),
    ],
    "api:visitplan-list": [
        get(api()),
        post(
            api(201, allow=PLANNERS),
            body=lambda w, role: {
                "client": w.clients["mine"].pk,
                "kind": "door_to_door",
                "planned_at": soon_iso(3),
                "place": "客户公司",
                "purpose": "资产配置",
            },
        ),
    ],
    "api:visitplan-detail": [get(api(), obj="visitplan")],
    "api:visitplan-calendar": [
        get(api(), query={"start": "2026-11-30T00:00:00", "end": "2027-01-11T00:00:00"})
    ],
    **VISIT_PLAN_API_STEPS,
    "api:consultation-list": [
        get(api()),
        post(
            api(201, allow=PLANNERS),
            body=lambda w, role: {
                "client": w.clients["mine"].pk,
                "advisor": "advisor",
                "question": "是否适合加仓？",
            },
        ),
    ],
    "api:consultation-detail": [get(api(), obj="consultation")],
    "api:consultation-answer": [
        post(
            api(allow={ADV, BM, HQ}),
            obj="consultation:open",
            body={"analysis": "分析", "advice": "建议"},
        ),
    ],
    "api:consultation-deliver": [
        post(api(allow={AM, ADV, BM, HQ}), obj="consultation:answered", body={"note": "当面"})
    ],
    "api:event-list": [
        get(api()),
        post(
            api(201, allow=EDITORS),
            body={
                "kind": "education",
                "title": "投资者教育",
                "starts_at": soon_iso(5),
                "place": "营业部",
            },
        ),
    ],
    "api:event-detail": [get(api(), obj="event")],
    "api:event-invitations": [get(api(), obj="event")],
    "api:event-invite": [post(api(allow=EDITORS), obj="event", body={"tiers": ["vip"]})],
    "api:event-invite-clients": [
        post(
            api(allow=EDITORS),
            obj="event",
            body=lambda w, role: {"clients": [w.clients["mine"].pk]},
        ),
    ],
    # Call center --------------------------------------------------------------------------------
    "callcenter:queue": [get(web())],
    # Callbacks hang on the client's account manager or the agent working them: an advisor
    # has none in scope.
    "callcenter:callback": [
        get(web(advisor=404), obj="callback"),
        post(
            web(302, allow=CALLERS, advisor=404),
            obj="callback",
            label="claim",
            body={"action": "claim"},
        ),
        post(
            web(302, allow=CALLERS, advisor=404),
            obj="callback:held",
            label="fail",
            body={"action": "fail", "outcome": "no_answer"},
        ),
        post(
            web(302, allow=CALLERS, advisor=404),
            obj="callback:held",
            label="complete",
            body=registration_web,
        ),
    ],
    "callcenter:calls": [get(web())],
    "callcenter:pop": [get(web(), query={"phone": "13800130001"})],
    "callcenter:call_new": [get(web(allow=CALLERS)), post(web(302, allow=CALLERS), body=call_log)],
    # the call's agent or a manager sets its wrap-up code; an account manager sees the call
    # (their client's) but is refused by the service
    "callcenter:call_wrap_up": [
        post(web(302, allow={AGENT, BM, HQ}), obj="call", body=_wrap_up_web),
    ],
    "callcenter:policies": [
        get(web(allow=MANAGERS)),
        post(
            web(302, allow=MANAGERS),
            label="policy",
            body={
                "tier": "vip",
                "stage": "",
                "interval_days": 90,
                "channel": "phone",
                "assignee": "owner",
                "is_active": "on",
            },
        ),
        post(
            web(302, allow=MANAGERS),
            label="script",
            body={"reason": "periodic", "title": "定期回访", "body": "您好"},
        ),
    ],
    "callcenter:stats": [get(web(allow={AGENT, BM, COMP, HQ}))],
    "callcenter:inspections": [
        get(web()),
        post(
            web(302, allow={HQ}),
            body=lambda w, role: {
                "branch": w.obj("branch", HQ).pk,
                "period_start": today(),
                "period_end": today(),
            },
        ),
    ],
    "callcenter:inspection": [
        get(web(), obj="inspection"),
        post(
            web(302, allow={HQ}),
            obj="inspection",
            body=lambda w, role: {
                "item": w.obj("inspection", HQ).items.get().pk,
                "identity": "on",
                "comment": "规范",
            },
        ),
    ],
    "api:callback-list": [get(api())],
    "api:callback-detail": [get(api(advisor=404), obj="callback")],
    "api:callback-claim": [post(api(allow=CALLERS), obj="callback")],
    "api:callback-complete": [post(api(allow=CALLERS), obj="callback:held", body=REGISTRATION)],
    "api:callback-fail": [
        post(api(allow=CALLERS), obj="callback:held", body={"outcome": "no_answer"})
    ],
    "api:call-list": [get(api()), post(api(201, compliance=403), body=call_body)],
    "api:call-detail": [get(api(advisor=404), obj="call")],
    "api:call-wrap-up": [
        post(api(allow={AGENT, BM, HQ}), obj="call", body={"wrap_up": "consultation"})
    ],
    "api:wrap-up-code-list": [get(api())],
    # Knowledge base -----------------------------------------------------------------------------
    "knowledge:list": [get(web()), get(web(), query={"q": "转托管"}, label="search")],
    "knowledge:create": [
        get(web(allow=KB_EDITORS)),
        post(web(302, allow=KB_EDITORS), body=kb_article),
    ],
    "knowledge:article": [
        get(web(), obj="article"),
        post(web(302), obj="article", label="helpful", body={"action": "helpful"}),
        post(
            web(302, allow=KB_EDITORS), obj="article", label="reviewed", body={"action": "reviewed"}
        ),
    ],
    "knowledge:edit": [
        get(web(allow=KB_EDITORS), obj="article"),
        post(web(302, allow=KB_EDITORS), obj="article", body=kb_article),
    ],
    "api:article-list": [
        get(api()),
        get(api(), query={"q": "转托管"}, label="search"),
        post(api(201, allow=KB_EDITORS), body=kb_article_api),
    ],
    "api:article-detail": [
        get(api(), obj="article"),
        Case("patch", api(allow=KB_EDITORS), obj="article", body={"body": "更新后的正文"}),
    ],
    # SMS providers' push callbacks (outreach/callbacks.py): the shared secret only, no
    # session or token counts; without it (and with none configured, as here) 403 for all
    # (the secret's cases: tests/outreach/test_callbacks.py)
    "outreach:callback-receipts": [
        post(everyone(403), kwargs={"provider": "aliyun"}),
        post(everyone(403), kwargs={"provider": "tencent"}),
    ],
    "outreach:callback-replies": [
        post(everyone(403), kwargs={"provider": "aliyun"}),
        post(everyone(403), kwargs={"provider": "tencent"}),
    ],
}

# Unnamed patterns allowed without an entry: the admin's own redirects (covered by the
# admin rule below) and the media server that only DEBUG adds.
UNNAMED_PREFIXES = ("admin/", "^media/")
# The Django admin, by prefix: only HQ staff (is_staff) get in; everyone else is sent to
# the admin's login page. HQ gets a page, a redirect, 403 for a model its role may not
# touch, or 404 for a missing object, never a 500.
ADMIN_PREFIX = "admin:"
ADMIN_ROLES = frozenset({HQ})
ADMIN_ALLOWED_STATUSES = frozenset({200, 302, 403, 404})


# --- Assignments: naming a person or client out of scope is refused ------------------------
PERSON_REFUSED = "本营业部中您可以指派的员工"  # the field message, whoever is named
CLIENT_REFUSED = ("您可查看的客户中没有这个客户", "您的客户中没有该编号的客户")


@dataclass(frozen=True)
class Refusal:
    """A write naming, in `names`, a person of another branch (or a client the role may
    not see): every role of `roles`, each of which may make the write with an in-scope
    value (the table above), gets 400 with the field's message, and nothing changes."""

    name: str
    method: str
    roles: frozenset
    body: Callable  # body(world, role) -> dict
    names: str
    obj: str | None = None
    kwargs: dict = field(default_factory=dict)
    label: str = ""

    @property
    def variant(self) -> str:
        return " ".join([self.name, self.method.upper(), self.names, self.label]).strip()


def _sh(w, who):  # the Shanghai namesake of a BJ01 person (world.py)
    return w.users[f"{who}_sh"]


def _new_client_api(extra):
    def body(w, role):
        return {**new_client_api(w, role), **extra(w, role)}

    return body


def _complaint_api(w, role, **extra):
    return {"client": w.clients["mine"].pk, "channel": "phone", "topic": "trading",
            "description": "委托未成交", **extra}  # fmt: skip


def _web_client_form(w, role):
    return {**client_form(w, role), "advisor": _sh(w, "advisor").pk}


def _web_new_client(w, role):
    return {**new_client(w, role), "advisor": _sh(w, "advisor").pk}


def _intake(w, role):
    return {"client": f"id:{w.clients['mine'].pk}", "channel": "phone", "category": "general",
            "severity": 2, "topic": "trading", "description": "委托未成交",
            "handler": _sh(w, "agent").pk}  # fmt: skip


def _sr_api(w, role, **extra):
    return {"client": w.clients["mine"].pk, "channel": "phone", "category": "account",
            "description": "咨询开户材料", **extra}  # fmt: skip


def _sr_intake(w, role):
    return {"client": f"id:{w.clients['mine'].pk}", "channel": "phone", "priority": 2,
            "category": w.obj("servicecategory", role).pk, "description": "咨询开户材料",
            "handler": _sh(w, "agent").pk}  # fmt: skip


# fmt: off
REFUSALS = [
    # Persons of another branch (HQ, who sees everyone, is refused by the object's branch)
    Refusal("api:client-list", "post", EDITORS, names="advisor",
            body=_new_client_api(lambda w, r: {"advisor": "advisor_sh"})),
    Refusal("api:client-list", "post", frozenset({AM, BM}), names="owner",
            body=_new_client_api(lambda w, r: {"owner": "am_sh"})),
    Refusal("api:client-detail", "patch", EDITORS, obj="client", names="advisor",
            body=lambda w, r: {"advisor": "advisor_sh"}),
    Refusal("api:complaint-list", "post", COMPLAINT_WORKERS, names="handler",
            body=lambda w, r: _complaint_api(w, r, handler="agent_sh")),
    Refusal("api:complaint-transfer", "post", COMPLAINT_WORKERS, obj="complaint:received",
            names="handler", body=lambda w, r: {"handler": "agent_sh", "note": "转交"}),
    Refusal("api:consultation-list", "post", PLANNERS, names="advisor",
            body=lambda w, r: {"client": w.clients["mine"].pk, "advisor": "advisor_sh",
                               "question": "是否适合加仓？"}),
    Refusal("api:todo-list", "post", frozenset({BM}), names="assignee",
            body=lambda w, r: {"title": "准备材料", "assignee": "am_sh"}),
    Refusal("api:call-list", "post", frozenset({AGENT, AM, BM, INT}), names="agent",
            body=lambda w, r: {**call_body(w, r), "call_id": f"matrix-ref-{r}",
                               "agent": "agent_sh"}),
    Refusal("callcenter:call_new", "post", frozenset({AM}), names="client",
            label="colleague's client",
            body=lambda w, r: {**call_log(w, r), "client": f"id:{w.clients['other'].pk}"}),
    Refusal("clients:edit", "post", EDITORS, obj="client", names="advisor",
            body=_web_client_form),
    Refusal("clients:create", "post", EDITORS, names="advisor", body=_web_new_client),
    Refusal("complaints:intake", "post", COMPLAINT_WORKERS, names="handler", body=_intake),
    Refusal("complaints:action", "post", COMPLAINT_WORKERS, obj="complaint:received",
            kwargs={"action": "transfer"}, names="handler",
            body=lambda w, r: {"transfer-handler": _sh(w, "agent").pk}),
    Refusal("visits:consultation-create", "post", PLANNERS, names="advisor",
            body=lambda w, r: {"client": "1100000001", "advisor": _sh(w, "advisor").pk,
                               "question": "是否适合加仓？"}),
    Refusal("visits:quota", "post", frozenset({BM}), names="account_manager", label="set",
            body=lambda w, r: {"account_manager": _sh(w, "am").pk, "contacts_target": 3,
                               "patrols_target": 1}),
    Refusal("crm:todo-create", "post", frozenset({BM}), names="assignee",
            body=lambda w, r: {"title": "准备材料", "due_at": soon(),
                               "assignee": _sh(w, "am").pk}),
    Refusal("api:servicerequest-list", "post", COMPLAINT_WORKERS, names="handler",
            body=lambda w, r: _sr_api(w, r, handler="agent_sh")),
    Refusal("api:servicerequest-transfer", "post", COMPLAINT_WORKERS,
            obj="servicerequest:received", names="handler",
            body=lambda w, r: {"handler": "agent_sh", "note": "转交"}),
    Refusal("servicedesk:intake", "post", COMPLAINT_WORKERS, names="handler", body=_sr_intake),
    Refusal("servicedesk:action", "post", COMPLAINT_WORKERS, obj="servicerequest:received",
            kwargs={"action": "transfer"}, names="handler",
            body=lambda w, r: {"transfer-handler": _sh(w, "agent").pk}),
    # Clients of another branch, or of another account manager
    Refusal("api:complaint-list", "post", frozenset({AM, ADV}), names="client",
            label="colleague's client",
            body=lambda w, r: {**_complaint_api(w, r), "client": w.clients["other"].pk}),
    Refusal("api:servicerequest-list", "post", frozenset({AM, ADV}), names="client",
            label="colleague's client",
            body=lambda w, r: {**_sr_api(w, r), "client": w.clients["other"].pk}),
    Refusal("servicedesk:intake", "post", frozenset({AM, ADV}), names="client",
            label="colleague's client",
            body=lambda w, r: {**_sr_intake(w, r), "handler": "",
                               "client": f"id:{w.clients['other'].pk}"}),
    Refusal("api:visitplan-list", "post", PLANNERS, names="client", label="other branch",
            body=lambda w, r: {"client": w.clients["sh"].pk, "kind": "door_to_door",
                               "planned_at": soon_iso(3), "place": "客户公司",
                               "purpose": "资产配置"}),
    Refusal("api:riskassessment-list", "post", frozenset({AM}), names="client",
            label="colleague's client",
            body=lambda w, r: {"client": w.clients["other"].pk, "assessed_on": today(),
                               "score": 60, "risk_level": "C4"}),
    Refusal("complaints:intake", "post", frozenset({AM, ADV}), names="client",
            label="colleague's client",
            body=lambda w, r: {**_intake(w, r), "handler": "",
                               "client": f"id:{w.clients['other'].pk}"}),
    Refusal("visits:consultation-create", "post", frozenset({AM}), names="client",
            label="colleague's client",
            body=lambda w, r: {"client": f"id:{w.clients['other'].pk}", "advisor": w.users[ADV].pk,
                               "question": "是否适合加仓？"}),
]
# fmt: on


# --- Nested lists: rows of a colleague's clients on an object in scope ------------------------
@dataclass(frozen=True)
class Nested:
    """A nested list (or a change of one of its rows) on an object every role below may
    see, whose row `row` (a kind of world.py) hangs on another account manager's client:
    `hidden_from` roles never see the row (its client's name and number) and get
    `refused` when they change it; `shown_to` roles see it (the control)."""

    name: str
    method: str
    obj: str
    row: str
    hidden_from: frozenset
    shown_to: frozenset = frozenset()
    body: Callable | None = None  # body(world, role, row) -> dict
    refused: int = 404
    label: str = ""

    @property
    def variant(self) -> str:
        return " ".join([self.name, self.method.upper(), self.label]).strip()


# fmt: off
NESTED = [
    Nested("api:event-invitations", "get", "event", "invitation:other_owner",
           hidden_from=frozenset({AM, ADV}), shown_to=frozenset({BM, COMP, HQ})),
    Nested("visits:event", "get", "event", "invitation:other_owner",
           hidden_from=frozenset({AM, ADV}), shown_to=frozenset({BM, COMP, HQ})),
    Nested("visits:event", "post", "event", "invitation:other_owner", label="invitation",
           hidden_from=frozenset({AM}),
           body=lambda w, role, row: {"invitation": row.pk, "status": "accepted"}),
]
# fmt: on
