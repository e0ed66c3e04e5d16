"""Build a large data set with set-based SQL (generate_series), in a few minutes.

Used by `make bench`; the data goes into its own database (crm_bench_<size>). Sizes are
in `tests/bench/run.py`: 100,000 clients by default across 5 branches and 100 staff, with
12 monthly snapshots each, holdings, callbacks and calls, complaints and visit records.
Every statement is one INSERT ... SELECT over generate_series (or over the rows already
made), so the whole set builds in a few minutes.
"""

from __future__ import annotations

import time

from dateutil.relativedelta import relativedelta
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models

from clients.models import Client  # imported once Django is set up (tests/bench/run.py)

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰辉鹏晨颖建国红梅飞宇浩然雪琳欣怡子轩思远"
)
# Three branches beyond the demo's BJ01 and SH01, and the staff each of the five gets.
EXTRA_BRANCHES = [
    ("GZ01", "广州天河营业部"),
    ("SZ01", "深圳福田营业部"),
    ("HZ01", "杭州钱江营业部"),
]
STAFF_PER_BRANCH = {
    "account_manager": 12,
    "advisor": 2,
    "service_agent": 4,
    "branch_manager": 1,
    "compliance": 1,
}  # 20 per branch, 100 in all
# The brokerage size (issue #22): 60 branches of 25 staff, 1,500 in all.
BROKERAGE_STAFF_PER_BRANCH = {
    "account_manager": 16,
    "advisor": 2,
    "service_agent": 5,
    "branch_manager": 1,
    "compliance": 1,
}
CITIES = list("京沪广深杭宁苏锡甬温蓉渝汉长郑济青厦福合昆贵南沈大哈津石太呼西兰乌银")


def timed(label: str, report: dict):
    class _Timer:
        def __enter__(self):
            self.start = time.perf_counter()

        def __exit__(self, *exc):
            report[label] = time.perf_counter() - self.start

    return _Timer()


def insert_select(model, values: dict[str, str], source: str, params=None) -> int:
    """INSERT INTO <model's table> (...) SELECT <values> FROM <source>.

    `values` maps field names to SQL expressions; every other concrete column gets the
    empty value of its type (NULL when nullable), so a model's new blank field does not
    break the generator. Returns the number of rows inserted.
    """
    columns, exprs = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.name not in values:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in values:
            exprs.append(values[field.name])
        elif field.null:
            exprs.append("NULL")
        elif isinstance(field, models.BooleanField):
            exprs.append("false")
        elif isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
            exprs.append(str(field.default if isinstance(field.default, int) else 0))
        elif isinstance(field, ArrayField):
            exprs.append("'{}'")
        elif isinstance(field, models.JSONField):
            exprs.append("'[]'::jsonb" if field.default is list else "'{}'::jsonb")
        elif isinstance(field, models.DateTimeField):
            exprs.append("now()")
        elif isinstance(field, (models.CharField, models.TextField)):
            exprs.append(f"'{field.default}'" if isinstance(field.default, str) else "''")
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs a value")
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(exprs)} FROM {source}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params or {})
        return cur.rowcount


def ensure_staff(branches: int = 5, per_branch: dict | None = None) -> None:
    """Five branches and 100 staff with the demo password (the demo users included); or
    `branches` branches with `per_branch` staff each (the brokerage size: 60 and 25)."""
    from django.contrib.auth import get_user_model

    from crm import services
    from crm.models import Branch, StaffProfile

    user_model = get_user_model()
    password = user_model.objects.get(username="am_bj").password  # the demo password's hash
    extra = list(EXTRA_BRANCHES)
    for i in range(len(extra) + 3, branches + 1):  # B006 ... B060 beyond the five
        extra.append((f"B{i:03d}", f"{CITIES[i % len(CITIES)]}城第{i}营业部"))
    for code, name in extra[: max(0, branches - 2)]:
        Branch.objects.get_or_create(code=code, defaults={"name": name})
    for branch in Branch.objects.filter(kind=Branch.Kind.BRANCH).order_by("code"):
        for role, wanted in (per_branch or STAFF_PER_BRANCH).items():
            have = StaffProfile.objects.filter(branch=branch, role=role).count()
            for i in range(have + 1, wanted + 1):
                user, _created = user_model.objects.get_or_create(
                    username=f"{role[:3]}_{branch.code.lower()}_{i:02d}",
                    defaults={"password": password, "last_name": SURNAMES[i],
                              "first_name": GIVEN[i + len(role)]},
                )  # fmt: skip
                services.staff_assign(user=user, branch=branch, role=role, team=f"{i % 3 + 1}组")


# Clients: one row per generate_series value; `c.rn` numbers them 1..n so other tables can
# pick "the k-th client" by arithmetic (g * 7919 is a bijection mod n: 7919 is prime).
NUMBERED_CLIENTS = (
    "(SELECT id, branch_id, owner_id, phone, row_number() OVER (ORDER BY id) AS rn "
    "FROM clients_client)"
)
AGENT_OF_BRANCH = (
    "LEFT JOIN LATERAL (SELECT s.user_id FROM crm_staffprofile s WHERE s.branch_id = "
    "c.branch_id AND s.role = 'service_agent' ORDER BY s.user_id OFFSET g %% 4 LIMIT 1) a "
    "ON true"
)


def trading_days(days: int) -> list:
    """The last `days` weekdays before today, oldest first (the daily facts' dates)."""
    from datetime import timedelta

    from django.utils import timezone

    day, found = timezone.localdate(), []
    while len(found) < days:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            found.append(day)
    return found[::-1]


def generate(n_clients: int, months: int, report: dict, days: int = 0) -> None:
    """Clients spread over the account managers of the branches, `months` month-end
    snapshots each (before the first daily one), `days` trading days of daily facts
    each, and three holdings at the last month end."""
    from datetime import date

    from clients import partitions
    from clients.models import AccountSnapshot, Holding
    from crm.models import Role, StaffProfile

    owners = list(
        StaffProfile.objects.filter(role=Role.ACCOUNT_MANAGER)
        .order_by("user_id")
        .values_list("user_id", "branch_id")
    )
    with timed("generate clients", report):
        insert_select(
            Client,
            {
                "client_type": "'individual'",
                "client_no": "'8' || lpad(g::text, 9, '0')",
                "name": "(%(s)s::text[])[1 + g %% array_length(%(s)s::text[], 1)]"
                " || (%(g)s::text[])[1 + (g / 7) %% array_length(%(g)s::text[], 1)]"
                " || (%(g)s::text[])[1 + (g / 11) %% array_length(%(g)s::text[], 1)]",
                "name_initials": "chr(97 + g %% 26) || chr(97 + (g / 26) %% 26)",
                "id_type": "'id_card'",
                "gender": "CASE WHEN g %% 2 = 0 THEN 'female' ELSE 'male' END",
                "phone": "'13' || lpad((g::bigint * 7919 %% 1000000000)::text, 9, '0')",
                "branch": "(%(b)s::bigint[])[1 + g %% %(k)s]",
                "owner": "(%(o)s::bigint[])[1 + g %% %(k)s]",
                "opened_on": "current_date - (g %% 3650)",
                "account_status": "'normal'",
                "stage": "(ARRAY['new','active','active','active','dormant'])[1 + g %% 5]",
                "tier": "(ARRAY['mass','mass','potential','vip','hnw'])[1 + g %% 5]",
                "investor_class": "'ordinary'",
                "risk_level": "(ARRAY['C1','C2','C3','C4','C5'])[1 + g %% 5]",
                "risk_assessed_on": "current_date - (g %% 700)",
                "risk_expires_on": "current_date - (g %% 700) + 730",
                "tags": "'{}'",
                "consent_sms": "true",
                "completeness": "60 + g %% 41",
                "reviewed_on": "current_date - (g %% 365)",
                "review_due_on": "current_date - (g %% 365) + 365",
                "version": "1",
            },
            "generate_series(1, %(n)s) AS g",
            {"s": SURNAMES, "g": GIVEN, "b": [b for _o, b in owners],
             "o": [o for o, _b in owners], "k": len(owners), "n": n_clients},
        )  # fmt: skip
    daily = trading_days(days)
    since = daily[0] if daily else date.today()
    today = date.today()
    # every month's partition first: no row goes through the default one
    partitions.ensure(today.replace(day=1) - relativedelta(months=months), today)
    if daily:
        with timed(f"generate daily facts ({days} trading days)", report):
            insert_select(
                AccountSnapshot,
                {
                    "client": "c.id",
                    "date": "d.day",
                    "total_assets": "a.assets",
                    "cash": "round(a.assets * 0.2, 2)",
                    "market_value": "round(a.assets * 0.8, 2)",
                    "net_inflow": "round(a.assets * ((c.id + d.k) %% 11 - 5) / 1000.0, 2)",
                    "trading_volume": "CASE WHEN (c.id + d.k) %% 4 = 0 THEN "
                    "round(a.assets * 0.05, 2) ELSE 0 END",
                    "trade_count": "CASE WHEN (c.id + d.k) %% 4 = 0 THEN 1 + c.id %% 5 ELSE 0 END",
                    "commission": "CASE WHEN (c.id + d.k) %% 4 = 0 THEN "
                    "round(a.assets * 0.000012, 2) ELSE 0 END",
                },
                # the day is the outer loop: rows arrive in date order, partition by partition
                "unnest(%(days)s::date[]) WITH ORDINALITY AS d(day, k) "
                "CROSS JOIN clients_client c CROSS JOIN LATERAL (SELECT round((20000 + "
                "(c.id * 7919 %% 5000000)) * (1 + d.k %% 7 / 100.0), 2) AS assets) a",
                {"days": daily},
            )
    with timed("generate snapshots and holdings", report):
        insert_select(
            AccountSnapshot,
            {
                "client": "c.id",
                "date": "(date_trunc('month', current_date)"
                " - make_interval(months => m))::date - 1",
                "total_assets": "a.assets",
                "cash": "round(a.assets * 0.2, 2)",
                "market_value": "round(a.assets * 0.8, 2)",
                "net_inflow": "round(a.assets * ((c.id + m) %% 11 - 5) / 100.0, 2)",
                "trading_volume": "round(a.assets * 0.5, 2)",
                "trade_count": "(c.id + m) %% 30",
                "commission": "round(a.assets * 0.00012, 2)",
            },
            "clients_client c CROSS JOIN generate_series(0, %(m)s - 1) AS m "
            "CROSS JOIN LATERAL (SELECT round((20000 + (c.id * 7919 %% 5000000))"
            " * (1 + m %% 4 / 10.0), 2) AS assets) a "
            # the month ends before the daily facts (those have their own)
            "WHERE (date_trunc('month', current_date) - make_interval(months => m))::date - 1"
            " < %(since)s",
            {"m": months, "since": since},
        )
        insert_select(
            Holding,
            {
                "client": "c.id",
                "date": "date_trunc('month', current_date)::date - 1",
                "security_code": "lpad(((c.id * 31 + h * 101) %% 900000 + 100000)::text, 6, '0')",
                "security_name": "'证券'",
                "quantity": "100 * (1 + h)",
                "cost": "10.5",
                "price": "11.2",
            },
            "clients_client c CROSS JOIN generate_series(1, 3) AS h",
        )
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def generate_complaints(n_open: int, n_closed: int, report: dict) -> None:
    """Open complaints with deadlines from 10 days overdue to 10 days ahead (the SLA scan's
    work), and closed ones over the past year (the dashboards' history)."""
    from complaints.models import Complaint

    common = {
        "ticket_no": "'BENCH-' || g",
        "branch": "c.branch_id",
        "client": "c.id",
        "complainant_name": "'投诉人' || g",
        "channel": "(ARRAY['phone','on_site','letter','email','hotline_12386'])[1 + g %% 5]",
        "first_responder": "a.user_id",
        "handler": "a.user_id",
        "category": "'general'",
        "severity": "1 + g %% 5",
        "topic": "(ARRAY['account','trading','advice','fees','systems'])[1 + g %% 5]",
        "description": "'基准数据'",
        "version": "1",
    }
    source = (
        f"generate_series(%(lo)s, %(hi)s) AS g JOIN {NUMBERED_CLIENTS} c "
        f"ON c.rn = 1 + (g::bigint * 7919) %% %(n)s {AGENT_OF_BRANCH}"
    )
    n_clients = Client.objects.count()
    with timed("generate complaints", report):
        insert_select(
            Complaint,
            {
                **common,
                "received_at": "now() - interval '10 days' + g * interval '40 seconds'",
                "status": "(ARRAY['received','acknowledged','investigating'])[1 + g %% 3]",
                "first_response_due_at": "now() - interval '10 days' + g * interval '40 s'"
                " + interval '30 min'",
                "acknowledge_due_at": "now() - interval '9 days' + g * interval '40 seconds'",
                "initial_handling_due_at": "now() - interval '7 days' + g * interval '40 s'",
                "resolution_due_at": "now() - interval '10 days' + g * interval '86 seconds'",
                "first_responded_at": "CASE WHEN g %% 3 = 0 THEN NULL ELSE now() END",
            },
            source,
            {"lo": 1, "hi": n_open, "n": n_clients},
        )
        received = "now() - make_interval(days => 11 + g %% 355, secs => g %% 30000)"
        insert_select(
            Complaint,
            {
                **common,
                "received_at": received,
                "status": "'closed'",
                "first_response_due_at": f"{received} + interval '1 day'",
                "acknowledge_due_at": f"{received} + interval '3 days'",
                "initial_handling_due_at": f"{received} + interval '5 days'",
                "resolution_due_at": f"{received} + interval '30 days'",
                "first_responded_at": f"{received} + interval '2 hours'",
                "acknowledged_at": f"{received} + interval '1 day'",
                "initial_handled_at": f"{received} + interval '2 days'",
                "resolved_at": f"{received} + make_interval(days => 3 + g %% 40)",
                "reviewed_at": f"{received} + make_interval(days => 4 + g %% 40)",
                "closed_at": f"{received} + make_interval(days => 5 + g %% 40)",
                "satisfaction": "1 + g %% 5",
                "first_response_met": "true",
                "acknowledge_met": "g %% 9 <> 0",
                "initial_handling_met": "g %% 7 <> 0",
                "resolution_met": "g %% 40 < 26",
                "resolution": "'已解决'",
            },
            source,
            {"lo": n_open + 1, "hi": n_open + n_closed, "n": n_clients},
        )
        with connection.cursor() as cur:
            cur.execute("ANALYZE complaints_complaint")


def generate_callcenter(n_callbacks: int, n_calls: int, report: dict) -> None:
    """Callbacks over the past year (most completed with a registration form, a few open
    per client and reason, as the constraint demands) and telephony call records."""
    from callcenter.models import Call, Callback, RegistrationForm

    n_clients = Client.objects.count()
    n_open = min(n_callbacks // 12, n_clients // 4)  # distinct clients: g < n is a bijection
    source = (
        f"generate_series(1, %(hi)s) AS g JOIN {NUMBERED_CLIENTS} c "
        f"ON c.rn = 1 + (g::bigint * 7919) %% %(n)s {AGENT_OF_BRANCH}"
    )
    done = "now() - make_interval(days => g %% 365, secs => g %% 30000)"
    with timed("generate callbacks and calls", report):
        insert_select(
            Callback,
            {
                "client": "c.id",
                "branch": "c.branch_id",
                "reason": "(ARRAY['periodic','new_account','visit','complaint_closed',"
                "'suitability','periodic'])[1 + g %% 6]",
                "channel": "'phone'",
                "due_at": "CASE WHEN g <= %(open)s THEN now() + make_interval(days => g %% 20 - 10)"
                f" ELSE {done} - interval '3 days' END",
                "assignee": "CASE WHEN g %% 3 = 0 THEN NULL ELSE a.user_id END",
                "status": "CASE WHEN g <= %(open)s THEN 'open' WHEN g %% 20 = 0 THEN "
                "'unreachable' ELSE 'completed' END",
                "attempts": "CASE WHEN g <= %(open)s THEN 0 WHEN g %% 20 = 0 THEN 3 ELSE 1 END",
                "created_at": f"{done} - interval '10 days'",
                "completed_at": f"CASE WHEN g <= %(open)s THEN NULL ELSE {done} END",
                "completed_by": "CASE WHEN g <= %(open)s THEN NULL ELSE a.user_id END",
            },
            source,
            {"hi": n_callbacks, "n": n_clients, "open": n_open},
        )
        insert_select(
            RegistrationForm,
            {
                "callback": "cb.id",
                "identity_verified": "true",
                "account_changes_confirmed": "true",
                "trading_by_staff": "'no'",
                "risks_disclosed": "'yes'",
                "discretionary_mandate": "'no'",
                "satisfaction": "(ARRAY[5,5,5,4,4,5,3,5,4,2])[1 + cb.id %% 10]",
                "negative": "cb.id %% 50 = 0",
                "filled_at": "cb.completed_at",
            },
            "callcenter_callback cb WHERE cb.status = 'completed'",
        )
        started = "now() - make_interval(days => g %% 365, secs => g %% 30000)"
        insert_select(
            Call,
            {
                "call_id": "'BENCH-' || g",
                "branch": "c.branch_id",
                "direction": "CASE WHEN g %% 3 = 0 THEN 'inbound' ELSE 'outbound' END",
                "phone": "c.phone",
                "client": "CASE WHEN g %% 17 = 0 THEN NULL ELSE c.id END",
                "agent": "a.user_id",
                "started_at": started,
                "ended_at": f"{started} + make_interval(secs => 30 + g %% 600)",
                "duration": "30 + g %% 600",
            },
            source,
            {"hi": n_calls, "n": n_clients},
        )
        with connection.cursor() as cur:
            cur.execute(
                "ANALYZE callcenter_callback; ANALYZE callcenter_registrationform; "
                "ANALYZE callcenter_call"
            )


def generate_visits(n_visits: int, report: dict) -> None:
    """Visit plans by each client's account manager over the past year, most completed with
    a record; the newest still submitted or approved."""
    from visits.models import VisitPlan, VisitRecord

    n_clients = Client.objects.count()
    planned = "now() - make_interval(days => g %% 365 - 14, secs => g %% 30000)"
    with timed("generate visits", report):
        insert_select(
            VisitPlan,
            {
                "client": "c.id",
                "branch": "c.branch_id",
                "owner": "c.owner_id",
                "kind": "(ARRAY['door_to_door','invitation','door_to_door','event'])[1 + g %% 4]",
                "planned_at": planned,
                "place": "'客户办公室'",
                "purpose": "'资产配置沟通'",
                "status": "CASE WHEN g %% 365 < 14 THEN (ARRAY['submitted','approved'])[1 + g %% 2]"
                " WHEN g %% 25 = 0 THEN 'cancelled' ELSE 'completed' END",
                "submitted_at": f"{planned} - interval '3 days'",
                "decided_at": f"{planned} - interval '2 days'",
                "record_due_at": f"{planned} + interval '2 days'",
                "created_at": f"{planned} - interval '4 days'",
            },
            f"generate_series(1, %(hi)s) AS g JOIN {NUMBERED_CLIENTS} c "
            "ON c.rn = 1 + (g::bigint * 7919) %% %(n)s",
            {"hi": n_visits, "n": n_clients},
        )
        insert_select(
            VisitRecord,
            {
                "plan": "p.id",
                "presented": "'介绍了资产配置方案'",
                "next_steps": "'下周电话跟进'",
                "recorded_by": "p.owner_id",
                "recorded_at": "LEAST(p.planned_at + interval '2 hours', now())",
            },
            "visits_visitplan p WHERE p.status = 'completed'",
        )
        with connection.cursor() as cur:
            cur.execute("ANALYZE visits_visitplan; ANALYZE visits_visitrecord")


def generate_service_requests(n: int, report: dict) -> None:
    """Service requests: 5% open with answer deadlines from 5 days overdue to 1 day ahead
    (the desk's default view and the SLA scan's work), the rest resolved or closed over the
    past year, three in ten on first contact (the dashboards' history)."""
    from servicedesk import services
    from servicedesk.models import ServiceCategory, ServiceRequest

    categories = list(ServiceCategory.objects.filter(parent__isnull=True).order_by("id"))
    category_ids = ",".join(str(c.pk) for c in categories)
    policy_ids = ",".join(str(services.policy_for(c, None).pk) for c in categories)
    k = len(categories)
    n_open = n // 20
    n_clients = Client.objects.count()
    common = {
        "number": "'SR-BENCH-' || g",
        "branch": "c.branch_id",
        "client": "c.id",
        "channel": "(ARRAY['phone','on_site','online','app','email'])[1 + g %% 5]",
        "category": f"(ARRAY[{category_ids}])[1 + g %% {k}]",
        "sla_policy": f"(ARRAY[{policy_ids}])[1 + g %% {k}]",
        "priority": "1 + g %% 4",
        "description": "'基准数据'",
        "taken_by": "a.user_id",
        "handler": "a.user_id",
        "version": "1",
    }
    source = (
        f"generate_series(%(lo)s, %(hi)s) AS g JOIN {NUMBERED_CLIENTS} c "
        f"ON c.rn = 1 + (g::bigint * 7919) %% %(n)s {AGENT_OF_BRANCH}"
    )
    with timed("generate service requests", report):
        received = "now() - interval '6 days' + g * interval '1 second' * (500000 / %(hi)s)"
        insert_select(
            ServiceRequest,
            {
                **common,
                "status": "(ARRAY['received','in_progress','waiting'])[1 + g %% 3]",
                "received_at": received,
                "clock_started_at": received,
                "due_at": f"{received} + interval '1 day'",
                "paused_at": "CASE WHEN g %% 3 = 2 THEN now() ELSE NULL END",
            },
            source,
            {"lo": 1, "hi": n_open, "n": n_clients},
        )
        received = "now() - make_interval(days => 1 + g %% 365, secs => g %% 30000)"
        resolved = f"LEAST({received} + make_interval(mins => 5 + g %% 2000), now())"
        insert_select(
            ServiceRequest,
            {
                **common,
                "status": "CASE WHEN g %% 4 = 0 THEN 'resolved' ELSE 'closed' END",
                "received_at": received,
                "clock_started_at": received,
                "due_at": f"{received} + interval '1 day'",
                "resolved_at": resolved,
                "closed_at": f"CASE WHEN g %% 4 = 0 THEN NULL "
                f"ELSE LEAST({resolved} + interval '1 hour', now()) END",
                "answer_met": "g %% 10 < 8",
                "first_contact_resolved": "g %% 10 < 3",
                "resolution": "'已解答'",
            },
            source,
            {"lo": n_open + 1, "hi": n, "n": n_clients},
        )
        with connection.cursor() as cur:
            cur.execute("ANALYZE servicedesk_servicerequest")


def fill_rollups(report: dict) -> None:
    """The dashboards' monthly rollups of the whole data set (crm/rollups.py): every
    registered rollup, 24 months back to this one, one set-based statement per query."""
    from datetime import date

    from django.db import connection
    from django.utils import timezone

    from crm import rollups

    today = timezone.localdate()
    with timed("rollups (24 months)", report):
        rollups.refresh(date(today.year - 2, today.month, 1), today)
    fill_client_summary(report)
    with connection.cursor() as cur:
        cur.execute("ANALYZE crm_monthlyfigure; ANALYZE clients_clientmonth")


def fill_client_summary(report: dict) -> None:
    """The dashboards' summary of the client master (clients.summary), as the nightly
    segmentation leaves it."""
    from django.db import connection, transaction

    from clients import summary

    with timed("client summary", report), transaction.atomic():
        summary.rebuild()
    with connection.cursor() as cur:
        cur.execute("ANALYZE clients_clientsummary")
