"""Reads of the client file that need thought."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AccountSnapshot, Client, Holding, Stage

CJK = re.compile(r"[\u4e00-\u9fff]")


def search_clients(qs: QuerySet, text: str) -> QuerySet:
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


def client_list(user) -> QuerySet:
    return Client.objects.visible_to(user).select_related("owner", "branch")


def asset_series(client: Client, months: int = 24) -> list[dict]:
    """Month-end total assets and the month's commission, oldest first (one query)."""
    since = timezone.localdate().replace(day=1) - timedelta(days=31 * months)
    rows = (
        AccountSnapshot.objects.filter(client=client, date__gte=since)
        .order_by("date")
        .values("date", "total_assets", "commission", "net_inflow")
    )
    by_month: dict[str, dict] = {}
    for row in rows:
        key = row["date"].strftime("%Y-%m")
        entry = by_month.setdefault(key, {"month": key, "commission": 0})
        entry["total_assets"] = float(row["total_assets"])  # the month's last snapshot
        entry["commission"] += float(row["commission"])
    return list(by_month.values())[-months:]


def latest_holdings(client: Client) -> tuple[date | None, list[Holding]]:
    latest = (
        Holding.objects.filter(client=client).order_by("-date").values_list("date", flat=True)
        .first()
    )  # fmt: skip
    if latest is None:
        return None, []
    holdings = list(Holding.objects.filter(client=client, date=latest).order_by("security_code"))
    return latest, holdings


def latest_snapshot(client: Client) -> AccountSnapshot | None:
    return AccountSnapshot.objects.filter(client=client).order_by("-date").first()


def duties_due(user, today: date) -> list[Client]:
    """The user's clients with a data duty due (profile, review, risk, identity)."""
    horizon = today + timedelta(days=7)
    return list(
        Client.objects.filter(owner=user)
        .exclude(stage=Stage.POTENTIAL)
        .filter(
            Q(profile_due_on__lte=horizon)
            | Q(review_due_on__lte=horizon)
            | Q(risk_expires_on__lte=horizon)
            | Q(identity_change_due_at__date__lte=horizon)
        )
        .order_by("risk_expires_on")[:10]
    )


def potential_contacts_due(user, today: date) -> list[Client]:
    """The user's potential clients whose next contact date has come (at most 10)."""
    return list(
        Client.objects.filter(
            owner=user, stage=Stage.POTENTIAL, next_contact_on__lte=today
        ).order_by("next_contact_on", "id")[:10]
    )
