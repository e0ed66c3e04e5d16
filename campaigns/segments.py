"""A campaign's segment: which clients it reaches, stored as a validated JSON document.

    {"tiers": ["vip", "hnw"], "stages": ["active"], "risk_levels": ["C3"],
     "tags": ["两融"], "dormant": true, "birthday_this_month": true, "event": 12,
     "saved_list": 3, "client_query": "tier=vip&churn_min=60"}

Every key is optional and the keys combine with AND (the values of one list with OR).

- `dormant`: dormant accounts, by the account status (休眠) or by the lifecycle stage the
  nightly segmentation computes from DOMAIN.md's rule (no securities, cash ≤ 100 yuan, no
  trade for three years: clients/segmentation.py).
- `event`: the clients invited to one client event (visits.Invitation), those who declined
  left out.
- `saved_list`: a saved client list (clients.SavedClientFilter) the owner may use, its
  filters applied to the clients the owner may see (never more).
- `client_query`: the client list's filters as its address bar shows them
  (`/clients/?tier=vip&sleeping=true`), validated by the client list's own filter set
  (clients.filters.ClientFilterSet). The client list has no saved views (the table
  preferences keep columns only), so a saved list is this query string.

A campaign reaches only clients its owner may see (an account manager's: their own), of
its branch (every branch for an HQ campaign), closed accounts never.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from clients.filters import ClientFilterSet, saved_filter_apply
from clients.models import AccountStatus, Client, RiskLevel, SavedClientFilter, Stage, Tier
from visits.models import Event, Invitation

LIST_KEYS = {"tiers": Tier.values, "stages": Stage.values, "risk_levels": RiskLevel.values}
BOOL_KEYS = ("dormant", "birthday_this_month")
KEYS = (*LIST_KEYS, "tags", *BOOL_KEYS, "event", "saved_list", "client_query")
# list parameters that are not filters
QUERY_IGNORED = ("ordering", "page", "per_page", "sort", "columns")
TAG_LIMIT = 10


def clean_segment(raw, *, user) -> dict:
    """The segment as stored, or ValidationError with one message per key (the form's
    field names). `user` is the owner: an event or a query must be theirs to see."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationError({"segment": [_("The segment must be an object.")]})
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        errors["segment"] = [_("Unknown segment keys: %(keys)s.") % {"keys": ", ".join(unknown)}]
    segment: dict = {}
    for key, allowed in LIST_KEYS.items():
        values = raw.get(key) or []
        if not isinstance(values, list) or any(v not in allowed for v in values):
            errors[key] = [_("Choose from the list.")]
        elif values:
            segment[key] = sorted(set(values))
    tags = raw.get("tags") or []
    if isinstance(tags, str):
        tags = tags.replace("，", ",").split(",")
    if not isinstance(tags, list) or any(not isinstance(t, str) for t in tags):
        errors["tags"] = [_("Give the tags separated by commas.")]
    else:
        tags = sorted({t.strip() for t in tags if t.strip()})
        if len(tags) > TAG_LIMIT or any(len(t) > 30 for t in tags):
            errors["tags"] = [_("At most 10 tags of at most 30 characters.")]
        elif tags:
            segment["tags"] = tags
    for key in BOOL_KEYS:
        value = raw.get(key, False)
        if not isinstance(value, bool):
            errors[key] = [_("Yes or no.")]
        elif value:
            segment[key] = True
    event = raw.get("event")
    if event not in (None, ""):
        if isinstance(event, Event):
            event = event.pk
        try:
            event_id = int(event)
        except (TypeError, ValueError):
            event_id = 0
        if not Event.objects.visible_to(user).filter(pk=event_id).exists():
            errors["event"] = [_("No such event among the events you may see.")]
        else:
            segment["event"] = event_id
    saved = raw.get("saved_list")
    if saved not in (None, ""):
        if isinstance(saved, SavedClientFilter):
            saved = saved.pk
        try:
            saved_id = int(saved)
        except (TypeError, ValueError):
            saved_id = 0
        if not SavedClientFilter.objects.visible_to(user).filter(pk=saved_id).exists():
            errors["saved_list"] = [_("No such list among the lists you may use.")]
        else:
            segment["saved_list"] = saved_id
    query = (raw.get("client_query") or "").strip()
    if query:
        query = query.split("?", 1)[1] if "?" in query else query
        params = QueryDict(query, mutable=True)
        for name in QUERY_IGNORED:
            params.pop(name, None)
        filterset = ClientFilterSet(params, queryset=Client.objects.none(), user=user)
        unknown = sorted(set(params) - set(filterset.filters))
        if unknown:
            errors["client_query"] = [
                _("The client list has no filter %(names)s.") % {"names": ", ".join(unknown)}
            ]
        elif not filterset.is_valid():
            errors["client_query"] = [
                f"{filterset.filters[name].label}: {' '.join(messages)}"
                for name, messages in filterset.errors.items()
            ]
        elif params:
            segment["client_query"] = params.urlencode()
    if errors:
        raise ValidationError(errors)
    return segment


def birthday_q(day: date) -> Q:
    """Born on this day of the year (on 28 February of a common year, 29 February too)."""
    q = Q(birth_date__month=day.month, birth_date__day=day.day)
    if day.month == 2 and day.day == 28 and not _leap(day.year):
        q |= Q(birth_date__month=2, birth_date__day=29)
    return q


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def dormant_q() -> Q:
    return Q(account_status=AccountStatus.DORMANT) | Q(stage=Stage.DORMANT)


def segment_clients(segment: dict, base: QuerySet, *, user, today: date) -> QuerySet:
    """The clients of `base` the segment selects (one query, no rows read here)."""
    qs = base
    if segment.get("tiers"):
        qs = qs.filter(tier__in=segment["tiers"])
    if segment.get("stages"):
        qs = qs.filter(stage__in=segment["stages"])
    if segment.get("risk_levels"):
        qs = qs.filter(risk_level__in=segment["risk_levels"])
    if segment.get("tags"):
        qs = qs.filter(tags__overlap=segment["tags"])
    if segment.get("dormant"):
        qs = qs.filter(dormant_q())
    if segment.get("birthday_this_month"):
        qs = qs.filter(birth_date__month=today.month)
    if segment.get("event"):
        invited = Invitation.objects.filter(event_id=segment["event"]).exclude(
            status=Invitation.Status.DECLINED
        )
        qs = qs.filter(pk__in=invited.values("client_id"))
    if segment.get("saved_list"):
        saved = SavedClientFilter.objects.filter(pk=segment["saved_list"]).first()
        qs = saved_filter_apply(saved, qs, user=user) if saved else qs.none()
    if segment.get("client_query"):
        params = QueryDict(segment["client_query"])
        filterset = ClientFilterSet(params, queryset=qs, user=user)
        qs = filterset.qs if filterset.is_valid() else qs.none()
    return qs


def describe(segment: dict) -> list[str]:
    """The segment in words, for the campaign page."""
    from clients.models import RiskLevel as R

    words = []
    labels = {"tiers": dict(Tier.choices), "stages": dict(Stage.choices),
              "risk_levels": dict(R.choices)}  # fmt: skip
    names = {"tiers": _("Tier"), "stages": _("Stage"), "risk_levels": _("Risk level")}
    for key in LIST_KEYS:
        if segment.get(key):
            values = "、".join(str(labels[key].get(v, v)) for v in segment[key])
            words.append(f"{names[key]}：{values}")
    if segment.get("tags"):
        words.append(f"{_('Tags')}：{'、'.join(segment['tags'])}")
    if segment.get("dormant"):
        words.append(_("Dormant accounts"))
    if segment.get("birthday_this_month"):
        words.append(_("Birthday this month"))
    if segment.get("event"):
        event = Event.objects.filter(pk=segment["event"]).only("title").first()
        words.append(f"{_('Invitees of the event')}：{event.title if event else '—'}")
    if segment.get("saved_list"):
        saved = SavedClientFilter.objects.filter(pk=segment["saved_list"]).only("name").first()
        words.append(f"{_('Saved client list')}：{saved.name if saved else '—'}")
    if segment.get("client_query"):
        words.append(f"{_('Client list filter')}：{segment['client_query']}")
    return words or [_("Every client in reach")]
