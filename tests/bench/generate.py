"""Build a large data set with set-based SQL (generate_series), in a few minutes.

Used by `make bench`; the data goes into its own database (crm_bench by default).
"""

from __future__ import annotations

import time

from django.db import connection

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰辉鹏晨颖建国红梅飞宇浩然雪琳欣怡子轩思远"
)


def timed(label: str, report: dict):
    class _Timer:
        def __enter__(self):
            self.start = time.perf_counter()

        def __exit__(self, *exc):
            report[label] = time.perf_counter() - self.start

    return _Timer()


def generate(n_clients: int, months: int, report: dict) -> None:
    """Clients spread over the account managers of the demo branches, `months` month-end
    snapshots each and three holdings at the last month end."""
    from crm.models import Role, StaffProfile

    owners = list(
        StaffProfile.objects.filter(role=Role.ACCOUNT_MANAGER).values_list("user_id", "branch_id")
    )
    owner_ids = [o for o, _b in owners]
    branch_ids = [b for _o, b in owners]
    with connection.cursor() as cur, timed("generate clients", report):
        cur.execute(
            """
            INSERT INTO clients_client (
                client_type, client_no, name, name_initials, id_type, id_number_encrypted,
                gender, phone, phone_alt, email, address, occupation, credit_code,
                credit_code_override_reason, legal_representative, contact_person, branch_id,
                owner_id, opened_on, account_status, stage, tier, investor_class, risk_level,
                lowest_category, risk_assessed_on, risk_expires_on, investment_direction,
                expected_return, risk_control, risk_preference, horizon, products_of_interest,
                tags, source, consent_sms, consent_email, grade, seeks, completeness,
                reviewed_on, review_due_on, created_at, updated_at, version)
            SELECT 'individual', '8' || lpad(g::text, 9, '0'),
                   (%(s)s::text[])[1 + g %% array_length(%(s)s::text[], 1)]
                     || (%(g)s::text[])[1 + (g / 7) %% array_length(%(g)s::text[], 1)]
                     || (%(g)s::text[])[1 + (g / 11) %% array_length(%(g)s::text[], 1)],
                   chr(97 + g %% 26) || chr(97 + (g / 26) %% 26), 'id_card', '',
                   CASE WHEN g %% 2 = 0 THEN 'female' ELSE 'male' END,
                   '13' || lpad((g * 7919 %% 1000000000)::text, 9, '0'), '', '', '', '', '',
                   '', '', '', (%(b)s::bigint[])[1 + g %% %(k)s], (%(o)s::bigint[])[1 + g %% %(k)s],
                   current_date - (g %% 3650), 'normal',
                   (ARRAY['new','active','active','active','dormant'])[1 + g %% 5],
                   (ARRAY['mass','mass','potential','vip','hnw'])[1 + g %% 5], 'ordinary',
                   (ARRAY['C1','C2','C3','C4','C5'])[1 + g %% 5], false,
                   current_date - (g %% 700), current_date - (g %% 700) + 730,
                   '', '', '', '', '', '', '{}', '', true, false, '', '', 60 + g %% 41,
                   current_date - (g %% 365), current_date - (g %% 365) + 365, now(), now(), 1
            FROM generate_series(1, %(n)s) AS g
            """,
            {"s": SURNAMES, "g": GIVEN, "b": branch_ids, "o": owner_ids, "k": len(owners),
             "n": n_clients},
        )  # fmt: skip
    with connection.cursor() as cur, timed("generate snapshots", report):
        cur.execute(
            """
            INSERT INTO clients_accountsnapshot (client_id, date, total_assets, cash,
                market_value, net_inflow, trading_volume, trade_count, commission, received_at)
            SELECT c.id, (date_trunc('month', current_date) - make_interval(months => m))::date - 1,
                   a.assets, round(a.assets * 0.2, 2), round(a.assets * 0.8, 2),
                   round(a.assets * ((c.id + m) %% 11 - 5) / 100.0, 2), round(a.assets * 0.5, 2),
                   (c.id + m) %% 30, round(a.assets * 0.00012, 2), now()
            FROM clients_client c
            CROSS JOIN generate_series(0, %(m)s - 1) AS m
            CROSS JOIN LATERAL (SELECT round((20000 + (c.id * 7919 %% 5000000))
                                * (1 + m %% 4 / 10.0), 2) AS assets) a
            """,
            {"m": months},
        )
        cur.execute(
            """
            INSERT INTO clients_holding (client_id, date, security_code, security_name,
                quantity, cost, price)
            SELECT c.id, (date_trunc('month', current_date))::date - 1,
                   lpad(((c.id * 31 + h * 101) %% 900000 + 100000)::text, 6, '0'), '证券',
                   100 * (1 + h), 10.5, 11.2
            FROM clients_client c CROSS JOIN generate_series(1, %s) AS h
            """,
            [3],
        )
        cur.execute("ANALYZE")


def generate_complaints(n_open: int, report: dict) -> None:
    """Open complaints with deadlines spread from 10 days overdue to 10 days ahead."""
    from crm.models import Role, StaffProfile

    agents = list(
        StaffProfile.objects.filter(role=Role.SERVICE_AGENT).values_list("user_id", "branch_id")
    )
    with connection.cursor() as cur, timed("generate complaints", report):
        cur.execute(
            """
            INSERT INTO complaints_complaint (
                ticket_no, branch_id, client_id, complainant_name, complainant_phone, channel,
                received_at, first_responder_id, handler_id, category, severity, topic,
                is_group, description, caused_by_department, caused_by_person, resolution,
                feedback, satisfaction_comment, root_cause, corrective_action, refused_reason,
                review_note, status, first_response_due_at, acknowledge_due_at,
                initial_handling_due_at, resolution_due_at, first_responded_at, created_at,
                version)
            SELECT 'BENCH-' || g, a.branch_id, NULL, '投诉人' || g, '', 'phone',
                   now() - make_interval(days => 10) + g * interval '1 second' * 40,
                   a.user_id, a.user_id, 'general', 1 + g %% 5, 'trading', false, '基准数据',
                   '', '', '', '', '', '', '', '', '',
                   (ARRAY['received','acknowledged','investigating'])[1 + g %% 3],
                   now() - interval '10 days' + g * interval '1 second' * 40 + interval '30 min',
                   now() - interval '9 days' + g * interval '1 second' * 40,
                   now() - interval '7 days' + g * interval '1 second' * 40,
                   now() - interval '10 days' + g * interval '1 second' * 86,
                   CASE WHEN g %% 3 = 0 THEN NULL ELSE now() END, now(), 1
            FROM generate_series(1, %(n)s) AS g
            CROSS JOIN LATERAL (SELECT (%(a)s::bigint[])[1 + g %% %(k)s] AS user_id,
                                       (%(b)s::bigint[])[1 + g %% %(k)s] AS branch_id) a
            """,
            {"n": n_open, "a": [u for u, _b in agents], "b": [b for _u, b in agents],
             "k": len(agents)},
        )  # fmt: skip
        cur.execute("ANALYZE complaints_complaint")
