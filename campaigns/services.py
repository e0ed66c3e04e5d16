"""The campaign's writes: building and editing one (draft only), the workflow steps of
campaigns/workflow.py (`campaign_<step>`), counting its recipients after consent and caps,
and running it (queueing its messages through outreach).

Recipients are counted with outreach.rules, the rules that outreach.services.messages
applies when it queues, in the same order (no address, then no consent for marketing,
then the monthly cap): the numbers the page shows are the numbers the run queues.

A run queues through `messages_queue_bulk` with the key prefix
`campaign:<id>:<run date>` (the scheduled date of a one-off campaign, today for a
recurring one), so a run repeated (a second beat, a retried task, two workers) queues
nothing twice: the keys exist.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import AccountStatus, Client
from crm.models import Branch, Holiday, Role, staff_of
from crm.references import people_in_scope
from crm.services import TransitionNotAllowed, check_version, notify
from outreach import rules
from outreach.models import Channel, Message, MessageTemplate, Purpose, SourceKind
from outreach.services.messages import messages_queue_bulk

from . import segments
from .models import (
    LIVE_STATUSES,
    Campaign,
    CampaignRun,
    DormantRecipient,
    Kind,
    Status,
)
from .workflow import BUILDER_ROLES, CAMPAIGN_WORKFLOW, OWN_CLIENT_ROLES

DEFAULT_SEND_TIME = time(9, 0)
NAME_LIMIT = 100
STALE = "Someone else changed this campaign since you opened it. Reload it."


# --- Permissions ----------------------------------------------------------------------------
def can_build(user) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role in BUILDER_ROLES


def may_edit(user, campaign: Campaign) -> bool:
    """The owner, or a manager of its scope, edits a draft (or a rejected campaign)."""
    staff = staff_of(user)
    if staff is None or campaign.status not in (Status.DRAFT, Status.REJECTED):
        return False
    return campaign.owner_id == user.pk or staff.role in (Role.BRANCH_MANAGER, Role.HQ)


# --- Build and edit -------------------------------------------------------------------------
def _clean(*, user, data: dict, instance: Campaign | None) -> dict:
    """Every field checked, every error at once (ValidationError per field)."""
    staff = staff_of(user)
    if staff is None or staff.role not in BUILDER_ROLES:
        raise PermissionDenied(_("Your role may not build campaigns."))
    current = {}
    if instance is not None:
        current = {f: getattr(instance, f) for f in (
            "name", "branch", "owner", "purpose", "channel", "template", "segment", "kind",
            "scheduled_at", "send_time", "ends_on", "note")}  # fmt: skip
    values = {**current, **data}
    errors: dict[str, list[str]] = {}

    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Name the campaign.")]
    elif len(name) > NAME_LIMIT:
        errors["name"] = [_("At most %(n)d characters.") % {"n": NAME_LIMIT}]

    # the branch: a branch role's own; HQ chooses one, or none (every branch)
    if staff.sees_all_branches:
        branch = values.get("branch")
        if branch is not None and not isinstance(branch, Branch):
            branch = Branch.objects.filter(pk=branch).first()
            if branch is None:
                errors["branch"] = [_("Choose the branch.")]
    else:
        branch = Branch.objects.get(pk=staff.branch_id)
    branch_id = branch.pk if isinstance(branch, Branch) else None

    # the owner: account managers and advisors own their campaigns; a manager names one
    owner = values.get("owner") or (instance.owner if instance else None) or user
    if staff.role in OWN_CLIENT_ROLES:
        if owner.pk != user.pk:
            errors["owner"] = [_("Choose a member of staff of this branch whom you may assign.")]
    else:
        people = people_in_scope(user, BUILDER_ROLES, branch_id)
        if branch_id is None:
            people = get_user_model().objects.filter(staff__role=Role.HQ, is_active=True)
        if not people.filter(pk=owner.pk).exists():
            errors["owner"] = [_("Choose a member of staff of this branch whom you may assign.")]

    purpose = values.get("purpose") or ""
    if purpose not in Purpose.values:
        errors["purpose"] = [_("Choose the purpose.")]
    channel = values.get("channel") or ""
    if channel not in Channel.values:
        errors["channel"] = [_("Choose the channel.")]

    template = values.get("template")
    if template is not None and not isinstance(template, MessageTemplate):
        template = MessageTemplate.objects.filter(pk=template).first()
    if template is None:
        errors["template"] = [_("Choose the message template.")]
    elif (
        not template.active
        or not MessageTemplate.objects.visible_to(user).filter(pk=template.pk).exists()
        or (template.branch_id is not None and template.branch_id != branch_id)
    ):
        errors["template"] = [_("Choose one of the templates in use for this branch.")]
    elif channel in Channel.values and template.channel != channel:
        errors["template"] = [_("The template is for another channel.")]
    elif purpose in Purpose.values and template.purpose != purpose:
        errors["template"] = [_("The template is for another purpose.")]

    kind = values.get("kind") or Kind.ONE_OFF
    scheduled_at, send_time = values.get("scheduled_at"), values.get("send_time")
    ends_on = values.get("ends_on")
    today = timezone.localdate()
    if kind not in Kind.values:
        errors["kind"] = [_("Choose the kind of campaign.")]
    elif kind == Kind.ONE_OFF:
        if scheduled_at is None:
            errors["scheduled_at"] = [_("Give the time to send it.")]
        elif scheduled_at < timezone.now() - timedelta(minutes=5) and (
            instance is None or scheduled_at != instance.scheduled_at
        ):
            errors["scheduled_at"] = [_("The time to send cannot be in the past.")]
        send_time, ends_on = None, None
    else:
        scheduled_at = None
        send_time = send_time or DEFAULT_SEND_TIME
        if ends_on is not None and ends_on < today:
            errors["ends_on"] = [_("The last day cannot be in the past.")]

    try:
        segment = segments.clean_segment(values.get("segment") or {}, user=owner)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        segment = {}
    if errors:
        raise ValidationError(errors)
    return {"name": name, "branch_id": branch_id, "owner": owner, "purpose": purpose,
            "channel": channel, "template": template, "segment": segment, "kind": kind,
            "scheduled_at": scheduled_at, "send_time": send_time, "ends_on": ends_on,
            "note": (values.get("note") or "").strip()}  # fmt: skip


def campaign_create(*, user, data: dict) -> Campaign:
    """A new campaign, in draft."""
    fields = _clean(user=user, data=data, instance=None)
    return Campaign.objects.create(**fields, created_by=user)


def campaign_update(*, user, campaign: Campaign, data: dict, version=None) -> Campaign:
    """Edit a draft; a rejected campaign edited goes back to draft (to be resubmitted)."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        check_version(locked, version, _(STALE))
        if not may_edit(user, locked):
            if locked.status not in (Status.DRAFT, Status.REJECTED):
                raise TransitionNotAllowed(
                    _("Only a draft campaign can be edited; this one is %(status)s.")
                    % {"status": locked.get_status_display()}
                )
            raise PermissionDenied(_("Only the owner or a manager edits this campaign."))
        fields = _clean(user=user, data=data, instance=locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.status = Status.DRAFT
        locked.rejected_reason = ""
        locked.version += 1
        locked.save()
    return locked


# --- Workflow steps -------------------------------------------------------------------------
def _step(*, user, campaign, action: str, version=None, change=None) -> Campaign:
    """Check the role (403), then lock, version (412), state (409), predicate (403)."""
    step = CAMPAIGN_WORKFLOW[action]
    staff = staff_of(user)
    roles = step.roles if step.roles is not None else CAMPAIGN_WORKFLOW.roles
    if staff is None or (roles is not None and staff.role not in roles):
        raise PermissionDenied(_("Your role may not take this step on campaigns."))

    def guarded(locked, now):
        if step.when is not None and not step.when(user, locked):
            if action in ("approve", "reject"):
                raise PermissionDenied(
                    _("A branch manager of its branch (or HQ) decides, never its owner.")
                )
            raise PermissionDenied(_("Only the owner or a manager takes this step."))
        if change is not None:
            change(locked, now)

    return CAMPAIGN_WORKFLOW.take(action, campaign, version=version, change=guarded,
                                  stale=_(STALE))  # fmt: skip


def campaign_submit(*, user, campaign: Campaign, version=None) -> Campaign:
    """To the approver; a service campaign needs no approval and is approved at once."""

    def change(c, now):
        c.submitted_at = now
        if c.needs_approval:
            c.status = Status.SUBMITTED
        else:
            c.status, c.approved_at, c.approved_by = Status.APPROVED, now, None

    submitted = _step(user=user, campaign=campaign, action="submit", version=version,
                      change=change)  # fmt: skip
    if submitted.status == Status.SUBMITTED:
        transaction.on_commit(lambda: notify(
            users=list(_approvers(submitted)), title=_("A campaign awaits your approval"),
            body=submitted.name, url=submitted.get_absolute_url(), kind="campaign.submitted",
        ))  # fmt: skip
    return submitted


def _approvers(campaign: Campaign) -> QuerySet:
    users = get_user_model().objects.filter(is_active=True).exclude(pk=campaign.owner_id)
    if campaign.branch_id is None:
        return users.filter(staff__role=Role.HQ)
    return users.filter(staff__role=Role.BRANCH_MANAGER, staff__branch_id=campaign.branch_id)


def campaign_approve(*, user, campaign: Campaign, note: str = "", version=None) -> Campaign:
    def change(c, now):
        c.approved_by, c.approved_at = user, now
        if note:
            c.note = (note or "").strip()

    approved = _step(user=user, campaign=campaign, action="approve", version=version,
                     change=change)  # fmt: skip
    transaction.on_commit(lambda: notify(
        users=[approved.owner], title=_("Your campaign is approved"), body=approved.name,
        url=approved.get_absolute_url(), kind="campaign.approved",
    ))  # fmt: skip
    return approved


def campaign_reject(*, user, campaign: Campaign, reason: str, version=None) -> Campaign:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason.")]})

    def change(c, now):
        c.rejected_reason = reason[:300]

    rejected = _step(user=user, campaign=campaign, action="reject", version=version,
                     change=change)  # fmt: skip
    transaction.on_commit(lambda: notify(
        users=[rejected.owner], title=_("Your campaign is rejected"), body=reason[:80],
        url=rejected.get_absolute_url(), kind="campaign.rejected",
    ))  # fmt: skip
    return rejected


def campaign_cancel(*, user, campaign: Campaign, version=None) -> Campaign:
    """Nothing more is queued; messages already queued still go out (they are the
    communication record of what was decided)."""

    def change(c, now):
        c.cancelled_at = now

    return _step(user=user, campaign=campaign, action="cancel", version=version, change=change)


# --- Recipients -----------------------------------------------------------------------------
def base_clients(campaign: Campaign) -> QuerySet:
    """The clients a campaign may reach: those its owner may see (an account manager's
    or advisor's: their own), of its branch (HQ's: every branch), no closed account."""
    qs = Client.objects.visible_to(campaign.owner).exclude(account_status=AccountStatus.CLOSED)
    if campaign.branch_id is not None:
        qs = qs.filter(branch_id=campaign.branch_id)
    return qs


def segment_clients(campaign: Campaign, day: date | None = None) -> QuerySet:
    """The segment's clients; a birthday campaign's on `day` are those born that day."""
    day = day or timezone.localdate()
    qs = segments.segment_clients(campaign.segment or {}, base_clients(campaign),
                                  user=campaign.owner, today=day)  # fmt: skip
    if campaign.kind == Kind.BIRTHDAY:
        qs = qs.filter(segments.birthday_q(day))
    return qs


@dataclass
class Recipients:
    clients: QuerySet  # the segment, before the rules
    total: int = 0
    eligible: int = 0
    no_address: int = 0
    no_consent: int = 0
    capped: int = 0

    @property
    def withheld(self) -> int:
        return self.no_address + self.no_consent + self.capped


def allowed_q(campaign: Campaign) -> Q:
    """What the rules let through before the cap: an address, and for marketing consent."""
    q = rules.address_q(campaign.channel)
    if campaign.purpose == Purpose.MARKETING:
        q &= rules.marketing_allowed_q(campaign.channel)
    return q


def campaign_recipients(campaign: Campaign, *, at: datetime | None = None,
                        day: date | None = None) -> Recipients:  # fmt: skip
    """The segment counted after the rules, in the order outreach applies them: no
    address, no consent (marketing), at the monthly cap (marketing). Three queries: one
    aggregate, the ids that pass, their capped ones (outreach.rules.capped_client_ids).
    A birthday campaign is counted for `day` (today): whose birthday it is."""
    at = at or timezone.now()
    qs = segment_clients(campaign, day or timezone.localdate(at))
    address = rules.address_q(campaign.channel)
    counts = {"total": Count("pk"), "no_address": Count("pk", filter=~address)}
    marketing = campaign.purpose == Purpose.MARKETING
    if marketing:
        consent = rules.marketing_allowed_q(campaign.channel)
        counts["no_consent"] = Count("pk", filter=address & ~consent)
    row = qs.order_by().aggregate(**counts)
    result = Recipients(clients=qs, total=row["total"], no_address=row["no_address"],
                        no_consent=row.get("no_consent") or 0)  # fmt: skip
    if marketing:
        passing = qs.filter(allowed_q(campaign)).order_by()
        result.capped = len(rules.capped_client_ids(passing.values("pk"), at))
    result.eligible = result.total - result.withheld
    return result


def eligible_clients(campaign: Campaign, day: date | None = None) -> QuerySet:
    """The segment's clients who pass address and consent (the cap is per page: the
    caller marks the capped ones of what it shows)."""
    return segment_clients(campaign, day).filter(allowed_q(campaign))


# --- Running --------------------------------------------------------------------------------
def run_date(campaign: Campaign, at: datetime) -> date:
    """The date in the key: a one-off campaign's scheduled date (whenever the run), a
    recurring one's day of the run."""
    if campaign.kind == Kind.ONE_OFF and campaign.scheduled_at is not None:
        return timezone.localdate(campaign.scheduled_at)
    return timezone.localdate(at)


def key_prefix(campaign: Campaign, day: date) -> str:
    return f"campaign:{campaign.pk}:{day.isoformat()}"


def holiday_today(day: date) -> Holiday | None:
    """The holiday starting on `day` (its first day: a holiday of several days greets once)."""
    holidays = {h.date: h for h in Holiday.objects.filter(
        date__in=[day, day - timedelta(days=1)], kind=Holiday.Kind.HOLIDAY)}  # fmt: skip
    if day in holidays and day - timedelta(days=1) not in holidays:
        return holidays[day]
    return None


def campaign_start(*, campaign: Campaign) -> Campaign:
    """approved → sending: the first run (taken by the run, never by a person)."""
    return CAMPAIGN_WORKFLOW.take("start", campaign, stale=_(STALE))


def campaign_finish(*, campaign: Campaign) -> Campaign:
    """sending → done for one campaign (`finish_done` takes it for all at once)."""

    def change(c, now):
        c.done_at = now

    return CAMPAIGN_WORKFLOW.take("finish", campaign, stale=_(STALE), change=change)


def campaign_run(campaign: Campaign, at: datetime | None = None) -> CampaignRun | None:
    """Queue the campaign's messages for the run of `at` (now). Only an approved or
    sending campaign runs (None otherwise). Idempotent: a repeated run finds its keys and
    queues nothing twice; its line counts what was queued the first time."""
    at = at or timezone.now()
    started = clock.perf_counter()
    with transaction.atomic():
        locked = (
            Campaign.objects.select_for_update()
            .select_related("template", "owner")
            .get(pk=campaign.pk)
        )
        if locked.status not in LIVE_STATUSES:
            return None
        if locked.status == Status.APPROVED:
            campaign_start(campaign=locked)
            locked.status = Status.SENDING
        day = run_date(locked, at)
        context_for = None
        if locked.kind == Kind.HOLIDAY:
            holiday = holiday_today(timezone.localdate(at))
            name = holiday.name if holiday else ""
            context_for = lambda client: {"holiday": name}  # noqa: E731
        clients = segment_clients(locked, timezone.localdate(at))
        result = messages_queue_bulk(
            clients=clients, channel=locked.channel, purpose=locked.purpose,
            template=locked.template, source_kind=SourceKind.CAMPAIGN, source_id=locked.pk,
            key_prefix=key_prefix(locked, day), context_for=context_for, by=locked.owner, at=at,
        )  # fmt: skip
        _remember_dormant(locked, day)
        run, created = CampaignRun.objects.get_or_create(campaign=locked, run_on=day)
        if created or result.queued:
            run.queued = F("queued") + result.queued
            run.withheld_no_consent = result.withheld_no_consent
            run.withheld_cap = result.withheld_cap
            run.withheld_no_address = result.withheld_no_address
        run.already_queued = result.already_queued
        run.ran_at = at
        run.seconds = clock.perf_counter() - started
        run.save()
        Campaign.objects.filter(pk=locked.pk).update(last_run_on=timezone.localdate(at))
    run.refresh_from_db()
    return run


def _remember_dormant(campaign: Campaign, day: date) -> None:
    """The dormant accounts among the run's recipients, as they are now (one INSERT … SELECT)."""
    dormant = segments.dormant_q()
    clients = Client.objects.filter(dormant).values("pk")
    messages = Message.objects.filter(
        source_kind=SourceKind.CAMPAIGN, source_id=campaign.pk,
        idempotency_key__startswith=key_prefix(campaign, day) + ":",
        client_id__in=clients,
    ).values_list("client_id", flat=True)  # fmt: skip
    sql, params = messages.query.sql_with_params()
    table = DormantRecipient._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (campaign_id, client_id, messaged_on) "
            f"SELECT %s, m.client_id, %s FROM ({sql}) m "
            "ON CONFLICT (campaign_id, client_id) DO NOTHING",
            [campaign.pk, day, *params],
        )


def due_campaigns(now: datetime) -> list[Campaign]:
    """What runs now: approved one-off campaigns whose time came; live birthday campaigns
    not yet run today once their time of day is past; holiday ones likewise on the first
    day of a holiday. One query (plus the holiday look-up)."""
    local = timezone.localtime(now)
    today = local.date()
    not_today = Q(last_run_on__isnull=True) | Q(last_run_on__lt=today)
    running = Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    recurring_kinds = [Kind.BIRTHDAY]
    if holiday_today(today) is not None:
        recurring_kinds.append(Kind.HOLIDAY)
    q = Q(status=Status.APPROVED, kind=Kind.ONE_OFF, scheduled_at__lte=now) | (
        Q(status__in=LIVE_STATUSES, kind__in=recurring_kinds, send_time__lte=local.time())
        & not_today
        & running
    )
    return list(Campaign.objects.filter(q).order_by("id"))


def finish_done(now: datetime) -> int:
    """Sending → done (the workflow's `finish` for every campaign at once), set-based: a
    one-off campaign none of whose messages waits (queued or sending), a recurring one past
    its last day."""
    waiting = Message.objects.filter(
        source_kind=SourceKind.CAMPAIGN, source_id=OuterRef("pk"),
        status__in=[Message.Status.QUEUED, Message.Status.SENDING],
    )  # fmt: skip
    today = timezone.localdate(now)
    q = Q(kind=Kind.ONE_OFF) & ~Exists(waiting) | Q(kind__in=[Kind.BIRTHDAY, Kind.HOLIDAY],
                                                    ends_on__lt=today)  # fmt: skip
    return Campaign.objects.filter(Q(status=Status.SENDING) & q).update(
        status=Status.DONE, done_at=now, version=F("version") + 1
    )


def run_due(now: datetime | None = None) -> dict:
    """The beat task's body (campaigns.run_due): run what is due, finish what is done."""
    now = now or timezone.now()
    ran = {}
    for campaign in due_campaigns(now):
        run = campaign_run(campaign, now)
        if run is not None:
            ran[campaign.pk] = run.queued
    return {"ran": ran, "finished": finish_done(now)}
