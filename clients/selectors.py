"""Reads of the client file that need thought."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AccountSnapshot, Client, ClientQuerySet, Holding, Stage

CJK = re.compile(r"[\u4e00-\u9fff]")


def search_clients(qs: ClientQuerySet, text: str) -> QuerySet:
    """Search by name (prefix), client number, the last 4 digits of a phone, a whole
    phone number, or the pinyin initials of the name; each served by an index."""
    text = (text or "").strip()
    if not text:
        return qs
    if text.isdigit():
        if len(text) == 4:
            return qs.with_phone_last4().filter(Q(phone_last4=text) | Q(client_no=text))
        if len(text) == 11 and text.startswith("1"):
            return qs.filter(Q(phone=text) | Q(phone_alt=text) | Q(client_no=text))
        return qs.filter(client_no__startswith=text)
    if CJK.search(text):
        return qs.filter(name__startswith=text)
    if text.isascii() and text.isalpha():
        return qs.filter(Q(name_initials__startswith=text.lower()) | Q(name__istartswith=text))
    return qs.filter(Q(client_no__startswith=text) | Q(name__startswith=text))


# The client list's sort orders (`?sort=`), each served by an index per scope (branch for
# managers, owner for account managers): names sort by pinyin initials, then the name.
def client_list(user) -> QuerySet:
    return Client.objects.visible_to(user).select_related("owner", "branch")


def asset_series(client: Client, months: int = 24) -> tuple[list[dict], AccountSnapshot | None]:
    """Month-end total assets and the month's commission, oldest first, and the latest
    snapshot, in one query."""
    since = timezone.localdate().replace(day=1) - timedelta(days=31 * months)
    rows = list(AccountSnapshot.objects.filter(client=client, date__gte=since).order_by("date"))
    by_month: dict[str, dict] = {}
    for row in rows:
        key = row.date.strftime("%Y-%m")
        entry = by_month.setdefault(key, {"month": key, "commission": 0})
        entry["total_assets"] = float(row.total_assets)  # the month's last snapshot
        entry["commission"] += float(row.commission)
    latest = rows[-1] if rows else latest_snapshot(client)
    return list(by_month.values())[-months:], latest


def latest_holdings(client: Client) -> tuple[date | None, list[Holding]]:
    from django.db.models import Subquery

    latest = Holding.objects.filter(client=client).order_by("-date").values("date")[:1]
    holdings = list(
        Holding.objects.filter(client=client, date=Subquery(latest)).order_by("security_code")
    )
    return (holdings[0].date if holdings else None), holdings


def latest_snapshot(client: Client) -> AccountSnapshot | None:
    return AccountSnapshot.objects.filter(client=client).order_by("-date").first()


# --- workbench queues: (user, now) -> the queue, ordered; the workbench lists its first
# rows and counts it in one query


def duties_due(user, now):
    """The user's clients with a data duty due within a week (profile, review, risk,
    identity)."""
    horizon = timezone.localdate(now) + timedelta(days=7)
    return (
        Client.objects.filter(owner=user)
        .exclude(stage=Stage.POTENTIAL)
        .filter(
            Q(profile_due_on__lte=horizon)
            | Q(review_due_on__lte=horizon)
            | Q(risk_expires_on__lte=horizon)
            | Q(identity_change_due_at__date__lte=horizon)
        )
        .order_by("risk_expires_on", "id")
    )


def potential_contacts_due(user, now):
    """The user's potential clients whose next contact date has come."""
    return Client.objects.filter(
        owner=user, stage=Stage.POTENTIAL, next_contact_on__lte=timezone.localdate(now)
    ).order_by("next_contact_on", "id")


def segment_overview(scope) -> dict:
    """Clients, assets and commission by tier and by stage (two grouped queries)."""
    from django.db.models import Count, Sum

    qs = scope.apply(Client.objects.exclude(client_no=None))
    from .models import TIER_ORDER

    order = {t: i for i, t in enumerate(["", *TIER_ORDER])}
    by_tier = sorted(qs.values("tier").annotate(n=Count("id"), assets=Sum("avg_assets")),
                     key=lambda r: order.get(r["tier"], 99))  # fmt: skip
    by_stage = list(qs.values("stage").annotate(n=Count("id"), assets=Sum("avg_assets"))
                    .order_by("stage"))  # fmt: skip
    return {"by_tier": by_tier, "by_stage": by_stage}


def pareto(scope, points: int = 20) -> list[dict]:
    """Cumulative share of commission (12 months) and of assets against the share of
    clients, richest first, at `points` evenly spaced cuts (one query)."""
    from crm.db import read_connection

    branch_filter, params = "", []
    if scope.branch_ids is not None:
        branch_filter, params = "AND c.branch_id = ANY(%s)", [list(scope.branch_ids)]
    sql = f"""
        WITH v AS (
            SELECT c.id, COALESCE(sum(s.commission), 0) AS commission,
                   COALESCE(max(c.avg_assets), 0) AS assets
            FROM clients_client c
            LEFT JOIN clients_accountsnapshot s
              ON s.client_id = c.id AND s.date > current_date - 365
            WHERE c.client_no IS NOT NULL {branch_filter}
            GROUP BY c.id
        ), r AS (
            SELECT commission, assets,
                   row_number() OVER (ORDER BY commission DESC, id) AS rn,
                   count(*) OVER () AS total,
                   sum(commission) OVER (ORDER BY commission DESC, id) AS cum_commission,
                   sum(commission) OVER () AS all_commission,
                   sum(assets) OVER (ORDER BY commission DESC, id) AS cum_assets,
                   sum(assets) OVER () AS all_assets
            FROM v
        )
        SELECT rn * 100.0 / total, cum_commission * 100.0 / NULLIF(all_commission, 0),
               cum_assets * 100.0 / NULLIF(all_assets, 0)
        FROM r WHERE rn = total OR rn %% GREATEST(1, total / %s) = 0 ORDER BY rn
    """
    with read_connection().cursor() as cur:
        cur.execute(sql, [*params, points])
        return [
            {"clients": float(a), "commission": float(b or 0), "assets": float(c or 0)}
            for a, b, c in cur.fetchall()
        ]


def rfm_grid(scope) -> list[list[dict]]:
    """Recency (rows, 5 = most recent) by frequency (columns): clients and average M."""
    from django.db.models import Avg, Count

    qs = scope.apply(Client.objects.exclude(rfm_recency=None))
    cells = {
        (r["rfm_recency"], r["rfm_frequency"]): r
        for r in qs.values("rfm_recency", "rfm_frequency").annotate(
            n=Count("id"), m=Avg("rfm_monetary")
        )
    }
    return [
        [{"r": r, "f": f, **cells.get((r, f), {"n": 0, "m": None})} for f in range(1, 6)]
        for r in range(5, 0, -1)
    ]


def at_risk_for(user, now):
    return (
        Client.objects.filter(owner=user, churn_score__gt=0)
        .exclude(account_status="closed")
        .order_by("-churn_score", "id")
    )


def open_cases_for(user, now):
    from .models import RetentionCase

    return (
        RetentionCase.objects.filter(owner=user, status="open")
        .select_related("client")
        .order_by("-score_at_open", "opened_at", "id")
    )


def leaver_clients(user) -> QuerySet:
    """The clients the user may see whose account manager has left (their login is
    deactivated), closed accounts aside: the reassignment list of crm.services.staff."""
    return (
        Client.objects.visible_to(user)
        .filter(owner__is_active=False)
        .exclude(account_status="closed")
        .select_related("owner__staff")
    )


def leaver_clients_due(user, now):
    """The branch manager's workbench section: the first of them, longest waiting first."""
    return leaver_clients(user).order_by("owner__staff__left_on", "owner_id", "id")


# --- Tier priority in the queues (callback queue, complaint desk, service desk) -----------
NO_TIER_RANK = 99  # no tier (a potential client, a caller not yet a client): last


def tier_rank(path: str = "client__tier"):
    """The queue place of the tier at `path` as HQ orders it (TierRule.queue_priority; 1
    first), for `order_by(deadline, "tier_rank", "id")`: a subquery in the same statement,
    so a queue page runs no extra query. The deadline's index still serves the sort
    (PostgreSQL sorts only the rows of equal deadline by it: an incremental sort)."""
    from django.db.models import IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from .models import TierRule

    rank = TierRule.objects.filter(tier=OuterRef(path)).order_by().values("queue_priority")[:1]
    return Coalesce(Subquery(rank, output_field=IntegerField()), Value(NO_TIER_RANK))
