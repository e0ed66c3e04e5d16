"""Record keeping (DOMAIN.md, "record keeping"): what is kept, for how long, and the
nightly purge of what may go.

- **Regulated records** (suitability records and recordings ≥ 20 years, callback records
  ≥ 3 years, complaint files ≥ 3 years) are archived, never deleted: the numbers below are
  the minimum the law asks for, and the CRM keeps them for good. Three locks hold that:
  their admin pages offer no delete, a `pre_delete` guard refuses any ORM delete
  (`RegulatedRecordError`, a 403 in views and the API), and a PostgreSQL trigger
  (installed after every `migrate`) refuses a `DELETE` from any client, raw SQL included.
- **The access log** is kept `CRM_RETENTION_ACCESS_LOG_MONTHS` (36; never less than the
  legal 6 months, which the database trigger enforces on its own) and purged after that.
- **Purgeable data** (read notifications, expired sessions, reminders of finished work,
  expired or revoked integration tokens, uploaded import files, export requests as old
  as the access log entries that record them) is
  deleted by `purge()` (Celery beat nightly, or `manage.py purge_expired_data`), set-based
  in batches, idempotent. Apps add their own with `register_purge`.

Complaints are archived by closing them (`closed_at`, read-only from then on); the other
regulated records have no end state to archive: they simply stay.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.db import connections, models, transaction
from django.db.models.signals import pre_delete
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

ACCESS_LOG_MINIMUM_MONTHS = 6  # the legal minimum; the database refuses to delete sooner


@dataclass(frozen=True)
class RecordKind:
    """A kind of regulated record: kept at least `years` (a setting), never deleted."""

    key: str
    label: str
    years_setting: str
    models: tuple[str, ...]  # "app_label.ModelName"

    @property
    def years(self) -> int:
        return getattr(settings, self.years_setting)


REGULATED = (
    RecordKind(
        "suitability",
        _("Suitability records and recordings"),
        "CRM_RETENTION_SUITABILITY_YEARS",
        (
            "clients.RiskAssessment",
            "clients.HistoricalClient",  # the ledger of the client file
            "visits.Consultation",
            "visits.AdvisedProduct",
            "visits.VisitPlan",
            "visits.VisitRecord",
            "callcenter.Call",  # with the telephony system's recording reference
            "suitability.ProClassification",  # professional-investor evidence and approval
        ),
    ),
    RecordKind(
        "callbacks",
        _("Callback records"),
        "CRM_RETENTION_CALLBACK_YEARS",
        ("callcenter.Callback", "callcenter.Attempt", "callcenter.RegistrationForm"),
    ),
    RecordKind(
        "complaints",
        _("Complaint files"),
        "CRM_RETENTION_COMPLAINT_YEARS",
        ("complaints.Complaint", "complaints.ComplaintEvent", "complaints.Attachment"),
    ),
)


class RegulatedRecordError(PermissionDenied):
    """A regulated record (or a too recent access log entry) cannot be deleted."""


def regulated_models() -> list[type[models.Model]]:
    return [apps.get_model(label) for kind in REGULATED for label in kind.models]


def access_log_cutoff(now: datetime | None = None) -> datetime:
    """Access log entries older than this may be purged."""
    months = max(settings.CRM_RETENTION_ACCESS_LOG_MONTHS, ACCESS_LOG_MINIMUM_MONTHS)
    return (now or timezone.now()) - relativedelta(months=months)


def keep_until(kind_key: str, archived_on):
    """The earliest day a regulated record archived on `archived_on` could go (it stays)."""
    kind = next(k for k in REGULATED if k.key == kind_key)
    return archived_on + relativedelta(years=kind.years)


# --- Delete guards ------------------------------------------------------------------
def _refuse_delete(sender, instance, **kwargs):
    raise RegulatedRecordError(
        _("%(record)s is a regulated record: it is archived, never deleted.")
        % {"record": sender._meta.verbose_name}
    )


def _refuse_recent_access_log_delete(sender, instance, **kwargs):
    if instance.occurred_at >= access_log_cutoff():
        raise RegulatedRecordError(
            _("Access log entries are kept for the retention period and not deleted before.")
        )


def connect_delete_guards() -> None:
    """Called once at start-up (crm's AppConfig.ready, every app being loaded)."""
    for model in regulated_models():
        pre_delete.connect(_refuse_delete, sender=model, dispatch_uid=f"retention.{model._meta}")
    pre_delete.connect(
        _refuse_recent_access_log_delete,
        sender=apps.get_model("crm.AccessLog"),
        dispatch_uid="retention.crm.accesslog",
    )


_TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION crm_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'regulated record (%): archived, never deleted', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE OR REPLACE FUNCTION crm_refuse_recent_access_log_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.occurred_at > now() - interval '{months} months' THEN
        RAISE EXCEPTION 'access log entries are kept at least {months} months'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
END $$;
"""


def install_delete_triggers(using: str = "default") -> int:
    """(Re)create the BEFORE DELETE triggers of every regulated table; idempotent."""
    tables = [(m._meta.db_table, "crm_refuse_delete") for m in regulated_models()]
    tables.append(
        (apps.get_model("crm.AccessLog")._meta.db_table, "crm_refuse_recent_access_log_delete")
    )
    installed = 0
    with connections[using].cursor() as cur, transaction.atomic(using=using):
        cur.execute(_TRIGGER_SQL.replace("{months}", str(ACCESS_LOG_MINIMUM_MONTHS)))
        for table, function in tables:
            cur.execute("SELECT to_regclass(%s)", [table])
            if cur.fetchone()[0] is None:
                continue  # not migrated yet
            cur.execute(f'DROP TRIGGER IF EXISTS crm_retention_guard ON "{table}"')
            cur.execute(
                f'CREATE TRIGGER crm_retention_guard BEFORE DELETE ON "{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
            installed += 1
    return installed


def install_triggers_after_migrate(app_config=None, using="default", **kwargs) -> None:
    """post_migrate: once per migrate, after the last app."""
    if app_config is not list(apps.get_app_configs())[-1]:
        return
    install_delete_triggers(using)


@checks.register(checks.Tags.compatibility)
def check_retention_settings(app_configs=None, **kwargs):
    if settings.CRM_RETENTION_ACCESS_LOG_MONTHS < ACCESS_LOG_MINIMUM_MONTHS:
        return [
            checks.Warning(
                "CRM_RETENTION_ACCESS_LOG_MONTHS is below the legal minimum of 6 months; "
                "the access log is kept 6 months.",
                id="crm.W001",
            )
        ]
    return []


# --- The purge ----------------------------------------------------------------------
@dataclass(frozen=True)
class Purge:
    key: str
    label: str
    run: Callable[[datetime, bool], int]  # (now, dry_run) -> rows purged (or to purge)


_purges: dict[str, Purge] = {}


def register_purge(key: str, label: str, run: Callable[[datetime, bool], int]) -> None:
    _purges[key] = Purge(key, label, run)


def registered_purges() -> list[Purge]:
    return list(_purges.values())


def delete_in_batches(queryset, *, dry_run: bool = False, batch_size: int = 5000) -> int:
    """Delete what `queryset` matches, `batch_size` rows per statement and transaction.

    Only for plain tables that nothing references (no cascade, no signal is sent): the
    batches find their rows through the queryset's index, so a large backlog is purged
    without one long lock."""
    if dry_run:
        return queryset.count()
    model, total = queryset.model, 0
    while True:
        ids = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
        if not ids:
            return total
        with transaction.atomic():
            total += model._base_manager.filter(pk__in=ids)._raw_delete(queryset.db)


def purge(now: datetime | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Run every registered purge; {key: rows}. Never touches regulated records."""
    now = now or timezone.now()
    done = {}
    for item in _purges.values():
        done[item.key] = item.run(now, dry_run)
        if done[item.key] and not dry_run:
            logger.info("purge %s: %d", item.key, done[item.key])
    return done


# --- What the kernel purges ---------------------------------------------------------
def _purge_access_log(now, dry_run):
    from .models import AccessLog

    return delete_in_batches(
        AccessLog.objects.filter(occurred_at__lt=access_log_cutoff(now)), dry_run=dry_run
    )


def _purge_export_requests(now, dry_run):
    """Requests for unmasked exports go with the access log entries that record them."""
    from .models import ExportRequest

    return delete_in_batches(
        ExportRequest.objects.filter(requested_at__lt=access_log_cutoff(now)), dry_run=dry_run
    )


def _purge_notifications(now, dry_run):
    from .models import Notification

    cutoff = now - timedelta(days=settings.CRM_RETENTION_NOTIFICATION_DAYS)
    return delete_in_batches(
        Notification.objects.filter(read_at__isnull=False, created_at__lt=cutoff),
        dry_run=dry_run,
    )


def _purge_sessions(now, dry_run):
    from django.contrib.sessions.models import Session

    return delete_in_batches(Session.objects.filter(expire_date__lt=now), dry_run=dry_run)


def _purge_tokens(now, dry_run):
    """Tokens revoked or expired long ago: nothing can use them; their digest goes."""
    from .models import IntegrationToken

    cutoff = now - timedelta(days=settings.CRM_RETENTION_TOKEN_DAYS)
    qs = IntegrationToken.objects.filter(
        models.Q(revoked_at__lt=cutoff) | models.Q(expires_at__lt=cutoff)
    )
    if dry_run:
        return qs.count()
    return qs.delete()[0]


def _purge_reminders(now, dry_run):
    """The send-once ledger of reminders, for objects no longer open on their clock (an
    open object keeps its reminders, so nothing is ever sent twice)."""
    from django.contrib.contenttypes.models import ContentType

    from .models import Reminder
    from .sla import registered_clocks

    cutoff = now - timedelta(days=settings.CRM_RETENTION_REMINDER_DAYS)
    old = Reminder.objects.filter(created_at__lt=cutoff)
    clocks = registered_clocks()
    total = delete_in_batches(old.exclude(clock__in=[c.name for c in clocks]), dry_run=dry_run)
    for clock in clocks:
        still_open = clock.model._default_manager.filter(clock.open_filter).filter(
            pk=models.OuterRef("object_id")
        )
        total += delete_in_batches(
            old.filter(
                clock=clock.name, content_type=ContentType.objects.get_for_model(clock.model)
            ).exclude(models.Exists(still_open)),
            dry_run=dry_run,
        )
    return total


def _purge_form_submissions(now, dry_run):
    """Tokens of create forms (crm.once): a day is longer than any double click."""
    from .models import FormSubmission

    old = FormSubmission.objects.filter(created_at__lt=now - timedelta(days=1))
    return delete_in_batches(old, dry_run=dry_run)


def register_kernel_purges() -> None:
    register_purge(
        "access_log", _("Access log entries past the retention period"), _purge_access_log
    )
    register_purge(
        "export_requests", _("Unmasked export requests past the access log period"),
        _purge_export_requests,
    )  # fmt: skip
    register_purge("notifications", _("Read notifications"), _purge_notifications)
    register_purge("sessions", _("Expired sessions"), _purge_sessions)
    register_purge("tokens", _("Expired or revoked integration tokens"), _purge_tokens)
    register_purge("reminders", _("Reminders of finished work"), _purge_reminders)
    register_purge("form_submissions", _("Tokens of submitted forms"), _purge_form_submissions)
