"""Every write of professional classifications and AML ratings.

Professional investors: `pro_request` records the evidence and checks the thresholds
(suitability.rules); `pro_approve` / `pro_reject` are the workflow steps of
suitability.workflow, taken by a second person; approval is the one place the client's
investor class changes (`_set_investor_class`, kept in the client's history). The
nightly `pro_expire_due` lapses the approvals past their review date (the client is an
ordinary investor again until a new classification is approved).

AML: `aml_rate` rates every client (or some) in one INSERT … SELECT … ON CONFLICT
statement from the active factors; `aml_override` sets a rating by hand with its reason
(or clears it); `aml_verify` records an identity re-verification and the document's
expiry. The re-verification date follows the rating (suitability.rules).
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, InvestorClass, Stage
from clients.services.bulk import history_insert
from crm.models import Role, StaffProfile, staff_of
from crm.services import check_version, notify

from . import rules
from .models import (
    AML_WORKERS,
    APPROVER_ROLES,
    PRO_ROLES,
    AmlProfile,
    AmlRating,
    ProClassification,
    ProStatus,
    RequestKind,
)
from .workflow import PRO_WORKFLOW

TEXT_LIMIT = 4000
AMOUNT_FIELDS = ("financial_assets", "average_income", "experience_years", "net_assets")


# --- Professional investors -------------------------------------------------------------
def _staff(user, roles, message):
    staff = staff_of(user)
    if staff is None or staff.role not in roles:
        raise PermissionDenied(message)
    return staff


def _approvers(branch_id: int, requester_id: int) -> list:
    profiles = StaffProfile.objects.filter(
        branch_id=branch_id, role=Role.COMPLIANCE, user__is_active=True
    ).exclude(user_id=requester_id)
    return [p.user for p in profiles.select_related("user").order_by("user_id")]


def pro_request(*, user, client: Client, data: dict) -> ProClassification:
    """A classification request with its evidence: to professional (the thresholds must
    be met) or, for a professional investor, back to ordinary at the client's request."""
    _staff(user, PRO_ROLES, _("Your role may not request an investor classification."))
    current = Client.objects.visible_to(user).filter(pk=client.pk).first()  # as stored now
    if current is None:
        raise PermissionDenied(_("This client is not yours."))
    client = current
    kind = data.get("kind") or RequestKind.PROFESSIONAL
    errors: dict[str, list[str]] = {}
    if kind not in RequestKind.values:
        errors["kind"] = [_("Choose the request.")]
    if client.stage == Stage.POTENTIAL:
        errors["kind"] = [_("A potential client has no account to classify yet.")]
    if kind == RequestKind.ORDINARY and client.investor_class != InvestorClass.PROFESSIONAL:
        errors["kind"] = [_("The client is an ordinary investor already.")]
    evidence = (data.get("evidence") or "").strip()
    if not evidence:
        errors["evidence"] = [_("Say what evidence was seen (statements, certificates, the "
                                "client's written request).")]  # fmt: skip
    evidence_date = data.get("evidence_date")
    if not isinstance(evidence_date, date):
        errors["evidence_date"] = [_("Enter the date of the evidence.")]
    elif evidence_date > timezone.localdate():
        errors["evidence_date"] = [_("The date of the evidence cannot be in the future.")]
    amounts = {f: data.get(f) for f in AMOUNT_FIELDS}
    for field, value in amounts.items():
        if value is not None and value < 0:
            errors[field] = [_("Enter a positive amount.")]
    if errors:
        raise ValidationError(errors)
    assert isinstance(evidence_date, date)  # checked above
    check = rules.check_professional(kind, client.client_type, amounts)
    if not check.met:
        raise ValidationError(check.errors)
    try:
        with transaction.atomic():
            pro = ProClassification.objects.create(
                client=client, branch_id=client.branch_id, kind=kind,
                investor_type=client.client_type, evidence=evidence[:TEXT_LIMIT],
                evidence_date=evidence_date, rule=check.rule, requested_by=user, **amounts,
            )  # fmt: skip
    except IntegrityError:
        raise ValidationError(
            {"kind": [_("A classification of this client is waiting for approval already.")]}
        ) from None
    approvers = _approvers(client.branch_id, user.pk)
    url, ref = pro.get_absolute_url(), pro.reference
    transaction.on_commit(lambda: notify(
        users=approvers, title=_("Investor classification %(ref)s to approve") % {"ref": ref},
        url=url, kind="suitability.pro_requested",
    ))  # fmt: skip
    return pro


def _set_investor_class(client_id: int, value: str, user, reason: str) -> None:
    """The one write of a client's investor class (kept in the client's history)."""
    client = Client.objects.select_for_update().get(pk=client_id)
    if client.investor_class == value:
        return
    client.investor_class = value
    client.version += 1
    client._history_user = user  # type: ignore[attr-defined]  # read by simple_history
    client._change_reason = reason[:100]  # type: ignore[attr-defined]
    client.save(update_fields=["investor_class", "version", "updated_at"])


def _decide(*, user, pro, action, note, version):
    _staff(user, APPROVER_ROLES, _("Only compliance officers and HQ decide investor "
                                   "classifications."))  # fmt: skip
    if pro.requested_by_id == user.pk:
        raise PermissionDenied(_("A second person decides: not the one who made the request."))
    note = (note or "").strip()[:TEXT_LIMIT]

    def change(locked, now):
        locked.decided_by, locked.decided_at, locked.decision_note = user, now, note
        if action == "approve":
            # the current approval (if any) gives way to this one
            ProClassification.objects.filter(client_id=locked.client_id,
                                             status=ProStatus.APPROVED).update(
                status=ProStatus.SUPERSEDED)  # fmt: skip
            if locked.kind == RequestKind.PROFESSIONAL:
                locked.review_due_on = timezone.localdate(now) + relativedelta(
                    months=rules.pro_review_months()
                )
            value = (InvestorClass.PROFESSIONAL if locked.kind == RequestKind.PROFESSIONAL
                     else InvestorClass.ORDINARY)  # fmt: skip
            _set_investor_class(locked.client_id, value, user,
                                f"{locked.reference} {locked.get_kind_display()}")  # fmt: skip

    with transaction.atomic():
        return PRO_WORKFLOW.take(
            action, pro, version=version, change=change,
            stale=_("Someone else decided this classification since you opened it. Reload it."),
        )  # fmt: skip


def pro_approve(*, user, pro, note: str = "", version=None) -> ProClassification:
    return _decide(user=user, pro=pro, action="approve", note=note, version=version)


def pro_reject(*, user, pro, note: str = "", version=None) -> ProClassification:
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say why the classification is rejected.")]})
    return _decide(user=user, pro=pro, action="reject", note=note, version=version)


def pro_expire_due(today: date | None = None) -> int:
    """Approved professional classifications past their review date lapse, and their
    clients are ordinary investors again (set-based; safe to run twice)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        lapsed = list(
            ProClassification.objects.select_for_update()
            .filter(status=ProStatus.APPROVED, kind=RequestKind.PROFESSIONAL,
                    review_due_on__lt=today)
            .values_list("pk", "client_id")
        )  # fmt: skip
        if not lapsed:
            return 0
        ProClassification.objects.filter(pk__in=[pk for pk, _c in lapsed]).update(
            status=ProStatus.EXPIRED
        )
        clients = [c for _pk, c in lapsed]
        now = timezone.now()
        changed = list(Client.objects.filter(pk__in=clients,
                                             investor_class=InvestorClass.PROFESSIONAL)
                       .values_list("pk", flat=True))  # fmt: skip
        Client.objects.filter(pk__in=changed).update(
            investor_class=InvestorClass.ORDINARY, version=F("version") + 1, updated_at=now
        )
        # the clients' change history, as save() would write it (the class changed without
        # a person): one INSERT
        reason = _("Professional classification lapsed at its review date")
        with connection.cursor() as cur:
            history_insert(cur, changed, now=now, reason=reason)
    return len(lapsed)


# --- AML risk rating ----------------------------------------------------------------------
def _years_case(column: str) -> str:
    """SQL: the re-verification interval of the rating in `column`, in years."""
    years = rules.aml_reverify_years()
    whens = " ".join(f"WHEN '{k}' THEN {int(v)}" for k, v in years.items() if k in
                     AmlRating.values)  # fmt: skip
    return f"(CASE {column} {whens} ELSE {int(years[AmlRating.LOW])} END)"


def _rating_case(column: str) -> str:
    whens = " ".join(f"WHEN {column} >= {int(minimum)} THEN '{rating}'"
                     for minimum, rating in rules.aml_bands()
                     if rating in AmlRating.values)  # fmt: skip
    return f"(CASE {whens} ELSE 'low' END)"


RATE_SQL = """
WITH f AS (
    SELECT kind, value, label, points FROM suitability_amlfactor WHERE is_active
), c AS (
    SELECT id, branch_id, client_type, occupation, opened_on, created_at
    FROM clients_client WHERE stage <> 'potential' {client_filter}
), cash AS (
    SELECT s.client_id, max(abs(s.net_inflow)) AS max_day, sum(abs(s.net_inflow)) AS total
    FROM clients_accountsnapshot s JOIN c ON c.id = s.client_id
    WHERE s.date >= %(since)s GROUP BY s.client_id
), last_holding AS (
    SELECT h.client_id, max(h.date) AS d FROM clients_holding h JOIN c ON c.id = h.client_id
    GROUP BY h.client_id
), held AS (
    SELECT DISTINCT h.client_id, p.product_type
    FROM clients_holding h
    JOIN last_holding l ON l.client_id = h.client_id AND l.d = h.date
    JOIN products_product p ON p.code = h.security_code
), matches AS (
    SELECT c.id AS client_id, f.* FROM c
        JOIN f ON f.kind = 'client_type' AND f.value = c.client_type
    UNION ALL
    SELECT c.id, f.* FROM c JOIN f ON f.kind = 'occupation' AND c.occupation <> ''
        AND strpos(c.occupation, f.value) > 0
    UNION ALL
    SELECT a.client_id, f.* FROM suitability_amlprofile a JOIN c ON c.id = a.client_id
        JOIN f ON f.kind = 'nationality' AND f.value = a.nationality
    UNION ALL
    SELECT a.client_id, f.* FROM suitability_amlprofile a JOIN c ON c.id = a.client_id
        JOIN f ON f.kind = 'residence' AND f.value = a.residence
    UNION ALL
    SELECT held.client_id, f.* FROM held JOIN f ON f.kind = 'product_type'
        AND f.value = held.product_type
    UNION ALL
    SELECT cash.client_id, f.* FROM cash JOIN f ON f.kind = 'cash_day'
        AND cash.max_day >= {amount}
    UNION ALL
    SELECT cash.client_id, f.* FROM cash JOIN f ON f.kind = 'cash_90_days'
        AND cash.total >= {amount}
), scores AS (
    SELECT client_id, sum(points)::int AS score,
           jsonb_agg(jsonb_build_object('kind', kind, 'value', value, 'label', label,
                                        'points', points) ORDER BY points DESC, kind, value)
               AS factors
    FROM matches GROUP BY client_id
), rated AS (
    SELECT c.id AS client_id, c.branch_id, coalesce(s.score, 0) AS score,
           coalesce(s.factors, '[]'::jsonb) AS factors,
           coalesce(c.opened_on, (c.created_at AT TIME ZONE 'Asia/Shanghai')::date) AS since
    FROM c LEFT JOIN scores s ON s.client_id = c.id
)
INSERT INTO suitability_amlprofile AS p
    (client_id, branch_id, nationality, residence, score, computed_rating, override_rating,
     override_reason, rating, factors, rated_at, last_verified_on, reverify_due_on, version)
SELECT r.client_id, r.branch_id, 'CN', 'CN', r.score, {rating_of_score}, '', '',
       {rating_of_score}, r.factors, %(now)s, r.since,
       (r.since + make_interval(years => {years_of_new}))::date, 1
FROM rated r
ON CONFLICT (client_id) DO UPDATE SET
    branch_id = EXCLUDED.branch_id,
    score = EXCLUDED.score,
    computed_rating = EXCLUDED.computed_rating,
    rating = coalesce(nullif(p.override_rating, ''), EXCLUDED.computed_rating),
    factors = EXCLUDED.factors,
    rated_at = EXCLUDED.rated_at,
    reverify_due_on = (coalesce(p.last_verified_on, EXCLUDED.last_verified_on)
        + make_interval(years => {years_of_effective}))::date,
    version = p.version + 1
WHERE p.score IS DISTINCT FROM EXCLUDED.score
   OR p.computed_rating IS DISTINCT FROM EXCLUDED.computed_rating
   OR p.factors IS DISTINCT FROM EXCLUDED.factors
   OR p.branch_id IS DISTINCT FROM EXCLUDED.branch_id
   OR p.rated_at IS NULL
"""


def aml_rate(*, client_ids=None, now=None) -> int:
    """Rate every opened client (or those of `client_ids`) from the active factors, in one
    statement; a client whose score, factors and branch did not change is not rewritten.
    Returns the number of ratings written."""
    now = now or timezone.now()
    since = timezone.localdate(now) - timedelta(days=90)
    client_filter = "AND id = ANY(%(ids)s)" if client_ids is not None else ""
    sql = RATE_SQL.format(
        client_filter=client_filter,
        # an amount that is not a number matches nothing (CASE: evaluated before the cast)
        amount="(CASE WHEN f.value ~ '^[0-9]+(\\.[0-9]+)?$' THEN f.value::numeric END)",
        rating_of_score=_rating_case("r.score"),
        years_of_new=_years_case(_rating_case("r.score")),
        years_of_effective=_years_case(
            "coalesce(nullif(p.override_rating, ''), EXCLUDED.computed_rating)"
        ),
    )
    params = {"since": since, "now": now, "ids": list(client_ids or [])}
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def _due(last: date, rating: str) -> date:
    return last + relativedelta(years=rules.aml_reverify_years()[rating])


def _since(profile: AmlProfile) -> date:
    if profile.last_verified_on:
        return profile.last_verified_on
    client = profile.client
    return client.opened_on or timezone.localdate(client.created_at)


def aml_override(*, user, profile: AmlProfile, rating: str, reason: str,
                 version=None) -> AmlProfile:  # fmt: skip
    """A rating set by hand with its reason; an empty rating returns to the factors'."""
    _staff(user, AML_WORKERS, _("Only compliance officers and HQ set AML ratings."))
    reason = (reason or "").strip()
    if rating and rating not in AmlRating.values:
        raise ValidationError({"rating": [_("Choose a rating.")]})
    if rating and not reason:
        raise ValidationError({"reason": [_("Say why the rating is set by hand.")]})
    with transaction.atomic():
        locked = AmlProfile.objects.select_for_update().select_related("client").get(pk=profile.pk)
        check_version(locked, version, _("Someone else changed this rating since you opened "
                                         "it. Reload it."))  # fmt: skip
        locked.override_rating = rating or ""
        locked.override_reason = reason[:TEXT_LIMIT] if rating else ""
        locked.override_by = user if rating else None
        locked.override_at = timezone.now() if rating else None
        locked.rating = rating or locked.computed_rating
        locked.reverify_due_on = _due(_since(locked), locked.rating)
        locked.version += 1
        locked.save()
    return locked


def aml_verify(*, user, profile: AmlProfile, verified_on: date | None = None,
               id_expires_on: date | None = None, version=None) -> AmlProfile:  # fmt: skip
    """The identity re-verified (on `verified_on`, default today), with the identity
    document's expiry date: the next re-verification follows the rating."""
    _staff(user, AML_WORKERS, _("Only compliance officers and HQ record re-verifications."))
    today = timezone.localdate()
    verified_on = verified_on or today
    if verified_on > today:
        raise ValidationError({"verified_on": [_("The date cannot be in the future.")]})
    if id_expires_on is not None and id_expires_on <= verified_on:
        raise ValidationError(
            {"id_expires_on": [_("An expired identity document does not verify the client.")]}
        )
    with transaction.atomic():
        locked = AmlProfile.objects.select_for_update().get(pk=profile.pk)
        check_version(locked, version, _("Someone else changed this rating since you opened "
                                         "it. Reload it."))  # fmt: skip
        locked.last_verified_on = verified_on
        if id_expires_on is not None:
            locked.id_expires_on = id_expires_on
        locked.reverify_due_on = _due(verified_on, locked.rating)
        locked.version += 1
        locked.save()
    return locked


def aml_set_residence(*, user, profile: AmlProfile, nationality: str, residence: str,
                      version=None) -> AmlProfile:  # fmt: skip
    """The client's nationality and residence (country codes), then a re-rating."""
    _staff(user, AML_WORKERS, _("Only compliance officers and HQ change AML data."))
    errors = {}
    codes = {}
    for field, value in (("nationality", nationality), ("residence", residence)):
        value = (value or "").strip().upper()
        if len(value) != 2 or not value.isalpha() or not value.isascii():
            errors[field] = [_("Enter a two-letter country code (CN, HK, US…).")]
        codes[field] = value
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = AmlProfile.objects.select_for_update().get(pk=profile.pk)
        check_version(locked, version, _("Someone else changed this rating since you opened "
                                         "it. Reload it."))  # fmt: skip
        locked.nationality, locked.residence = codes["nationality"], codes["residence"]
        locked.version += 1
        locked.save()
        AmlProfile.objects.filter(pk=locked.pk).update(rated_at=None)  # rewrite it now
        aml_rate(client_ids=[locked.client_id])
    return AmlProfile.objects.get(pk=locked.pk)
