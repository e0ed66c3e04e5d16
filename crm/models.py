"""The shared kernel: branches, staff and roles, the working-day calendar, SLA policies,
reminders and notifications, the access log, integration tokens and personal to-dos."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm import scoping
from crm.scoping import Role, ScopedQuerySet

READ_ONLY_ROLES = {Role.COMPLIANCE}


class BranchQuerySet(ScopedQuerySet):
    scope_branch = "pk"


class Branch(models.Model):
    class Kind(models.TextChoices):
        HEADQUARTERS = "hq", _("Headquarters")
        BRANCH = "branch", _("Branch")

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.BRANCH)
    is_active = models.BooleanField(_("active"), default=True)

    objects = BranchQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["name", "id"], name="branch_name_idx")]  # ordering
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="hq"), name="branch_single_headquarters"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StaffProfileQuerySet(ScopedQuerySet):
    scope_branch = "branch"


class StaffProfile(models.Model):
    """A member of staff (or an integration system's service account) and their role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="staff", verbose_name=_("branch")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    team = models.CharField(_("team"), max_length=50, blank=True)
    phone = models.CharField(_("office phone"), max_length=20, blank=True)
    # 工号 from the personnel system: the key of the staff import (empty until imported)
    staff_no = models.CharField(_("staff number"), max_length=32, blank=True)
    # the day they left (the user is deactivated, never deleted); empty while employed
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = StaffProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        indexes = [
            models.Index(fields=["branch", "role"]),
            models.Index(fields=["role", "id"], name="staff_role_idx"),  # ordering
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["staff_no"], condition=~Q(staff_no=""), name="staff_no_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_role_display()})"

    @property
    def display_name(self) -> str:
        return person_name(self.user)

    @property
    def sees_all_branches(self) -> bool:
        if self.role == Role.HQ:
            return True
        return self.role == Role.INTEGRATION and self.branch.kind == Branch.Kind.HEADQUARTERS

    @property
    def is_read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.BRANCH_MANAGER, Role.HQ)


def person_name(user) -> str:
    """A person's name in Chinese order (family name first, no space), or the username."""
    if user is None:
        return ""
    return name_in_order(user.last_name, user.first_name, user.username)


def name_in_order(last: str, first: str, username: str) -> str:
    """person_name() from the columns of a user."""
    last, first = last.strip(), first.strip()
    if not (last or first):
        return username
    if any("\u4e00" <= ch <= "\u9fff" for ch in last + first):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def staff_of(user) -> StaffProfile | None:
    """The staff profile of a user, or None for anonymous and inactive users and users
    without one. Superusers without a profile act as headquarters staff at the
    headquarters branch. (Decided in crm.scoping; typed here with the model.)"""
    return cast("StaffProfile | None", scoping.staff_of(user))


class Holiday(models.Model):
    """One day that departs from the Monday-to-Friday rule (调休 included)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (day off)")
        WORKDAY = "workday", _("Adjusted working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or adjusted working day")
        verbose_name_plural = _("working-day calendar")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class SlaPolicy(models.Model):
    """A time limit: target, when to warn, and whom to escalate to on breach."""

    class Unit(models.TextChoices):
        OFFICE_MINUTES = "office_minutes", _("minutes in office hours")
        HOURS = "hours", _("hours")
        WORKDAYS = "workdays", _("working days")
        DAYS = "days", _("calendar days")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    target_value = models.PositiveIntegerField(_("target"))
    target_unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    warn_before_minutes = models.PositiveIntegerField(_("warn before (minutes)"), default=60)
    escalation_roles = ArrayField(
        models.CharField(max_length=20, choices=Role.choices),
        default=list,
        blank=True,
        verbose_name=_("escalation chain (roles)"),
        help_text=_("Notified one after the other once the deadline has passed."),
    )
    escalation_interval_minutes = models.PositiveIntegerField(
        _("minutes between escalation levels"), default=24 * 60
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(condition=Q(target_value__gt=0), name="sla_target_positive")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.target_value} {self.get_target_unit_display()})"


class Reminder(models.Model):
    """A reminder that was sent: the unique key makes each one go out exactly once."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.BigIntegerField()
    clock = models.CharField(max_length=60)
    kind = models.CharField(max_length=20)  # "warning", "breach", "escalation-2", ...
    deadline = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "clock", "kind", "deadline"],
                name="reminder_once_per_deadline",
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="reminder_created_idx")]  # purge

    def __str__(self) -> str:
        return f"{self.clock} {self.kind} {self.object_id} @ {self.deadline:%Y-%m-%d %H:%M}"


class NotificationQuerySet(ScopedQuerySet):
    scope_recipient = "recipient"  # a user's notifications are theirs alone, HQ's too

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class Level(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        DANGER = "danger", _("Overdue")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default=Level.INFO)
    # what it is about, for grouping: "<clock>:<warning|breach|escalation>" for reminders;
    # empty: grouped by its title
    kind = models.CharField(_("kind"), max_length=80, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread_idx"
            ),
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True),
                name="notif_email_pending_idx",
            ),
            models.Index(  # the purge of old read notifications
                fields=["created_at"], condition=Q(read_at__isnull=False), name="notif_read_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title


ACCESS_LOG_ROLES = frozenset({Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ})


class AccessLogQuerySet(ScopedQuerySet):
    """Compliance and branch managers: their branch's entries; HQ: all."""

    scope_branch = "branch"
    scope_roles = ACCESS_LOG_ROLES


class AccessLog(models.Model):
    """Who saw which sensitive value, when and from where; kept for the retention period
    (crm/retention.py), never edited. A list export has no single object."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("Revealed a masked value")
        EXPORT = "export", _("Exported unmasked data")
        REQUEST = "request", _("Requested an unmasked export")
        APPROVE = "approve", _("Approved an unmasked export")
        REJECT = "reject", _("Rejected an unmasked export")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("branch")
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("record type")
    )
    object_id = models.BigIntegerField(_("object"), null=True, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    field = models.CharField(_("field"), max_length=50)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("page"), max_length=300, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["-occurred_at"]),
            models.Index(fields=["user", "-occurred_at"]),
            models.Index(fields=["branch", "-occurred_at"]),
            # the action filter: exports and approvals are rare among reveals
            models.Index(fields=["action", "-occurred_at"]),
            models.Index(fields=["branch", "action", "-occurred_at"]),
            models.Index(fields=["content_type", "object_id"]),
            # search by the beginning of the record's name or number
            models.Index(
                fields=["object_repr"],
                name="accesslog_repr_prefix_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.field}"


EXPORT_APPROVER_ROLES = frozenset({Role.BRANCH_MANAGER, Role.COMPLIANCE})
# Who uses the unmasked-export pages (each export kind says who may request it).
EXPORT_PAGE_ROLES = frozenset({Role.ACCOUNT_MANAGER, *EXPORT_APPROVER_ROLES, Role.HQ})


class ExportRequestQuerySet(ScopedQuerySet):
    """Everyone their own requests; branch managers and compliance also the branch's
    (they decide them); HQ all."""

    scope_branch = "branch"
    scope_branch_roles = EXPORT_APPROVER_ROLES
    scope_owner = ("requested_by",)
    scope_owner_roles = frozenset(Role)
    scope_owner_within_branch = False


class ExportRequest(models.Model):
    """A request for an export without masking: a branch manager or compliance (never the
    requester) approves it, and the requester may then download it once, within
    `CRM_UNMASKED_EXPORT_HOURS` of the approval. Every step is in the access log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        DOWNLOADED = "downloaded", _("Downloaded")

    kind = models.CharField(_("export"), max_length=30)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    reason = models.TextField(_("reason"))
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_requests",
        verbose_name=_("requested by"),
    )  # fmt: skip
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("decided by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    expires_at = models.DateTimeField(_("download until"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("downloaded at"), null=True, blank=True)

    objects = ExportRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("unmasked export request")
        verbose_name_plural = _("unmasked export requests")
        indexes = [
            models.Index(fields=["branch", "status", "-requested_at"]),
            models.Index(fields=["requested_by", "-requested_at"]),
            models.Index(fields=["requested_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decided_by=models.F("requested_by")),
                name="export_not_decided_by_requester",
            )
        ]

    def __str__(self) -> str:
        return _("Unmasked export #%(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("crm:exports") + f"#export-{self.pk}"

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == self.Status.APPROVED
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )


class IntegrationToken(models.Model):
    """A revocable, expiring API token for one integration system (trading, telephony...).

    Only a SHA-256 digest of the key is stored; the key is shown once when issued.
    """

    name = models.CharField(_("system"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("service account"),
    )
    prefix = models.CharField(_("key prefix"), max_length=8)
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("integration token")
        verbose_name_plural = _("integration tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class TodoQuerySet(ScopedQuerySet):
    """Branch managers and compliance: the branch's to-dos; everyone else the to-dos they
    were given or wrote, in whichever branch; HQ all."""

    scope_branch = "branch"
    scope_branch_roles = frozenset({Role.BRANCH_MANAGER, Role.COMPLIANCE})
    scope_owner = ("assignee", "created_by")
    scope_owner_roles = frozenset(Role) - scope_branch_roles
    scope_owner_within_branch = False

    def open(self) -> TodoQuerySet:
        return self.filter(status=Todo.Status.OPEN)


class Todo(models.Model):
    """A to-do (待办事项) for one member of staff, with a deadline on the SLA clock."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="todos", verbose_name=_("branch")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="todos",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"))
    policy = models.ForeignKey(
        SlaPolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("follows SLA policy"),
        help_text=_("When set, the due time follows the policy and the working-day calendar."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = TodoQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("to-do")
        verbose_name_plural = _("to-dos")
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"]),
            models.Index(fields=["branch", "status", "due_at"]),
            models.Index(fields=["due_at"], condition=Q(status="open"), name="todo_open_due_idx"),
            # the list's `ordering` (crm.filters.TodoFilterSet)
            models.Index(fields=["created_at", "id"], name="todo_created_idx"),
            models.Index(fields=["title", "id"], name="todo_title_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("crm:todo-detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_at < timezone.now()


class FormSubmission(models.Model):
    """A create form sent once (crm.once): its token, who sent it and where it led."""

    token = models.UUIDField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=200)
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("submitted form")
        verbose_name_plural = _("submitted forms")

    def __str__(self) -> str:
        return f"{self.path} {self.token}"


class TablePreference(models.Model):
    """The columns a person chose to see in one list (crm.tables): the names are checked
    against the table's columns when saved and again when shown."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="table_preferences",
        verbose_name=_("user"),
    )  # fmt: skip
    table = models.CharField(_("list"), max_length=40)
    columns = ArrayField(models.CharField(max_length=40), verbose_name=_("columns shown"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("list columns")
        verbose_name_plural = _("list columns")
        constraints = [
            models.UniqueConstraint(fields=["user", "table"], name="table_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.table}"


class MonthlyFigure(models.Model):
    """A rollup cell (crm/rollups.py): one measure's numerator and denominator for one
    month, one branch and the people the counted rows name (the fields the dashboard's
    person filter matches, either of which may match). Derived data: rebuilt from the
    facts by `rebuild_rollups` at any time."""

    source = models.CharField(_("figure source"), max_length=40)
    key = models.CharField(_("measure"), max_length=60)
    month = models.DateField(_("month"))  # the first day of the month (Shanghai)
    branch_id = models.BigIntegerField(_("branch"), null=True)
    person_id = models.BigIntegerField(_("person"), null=True)
    other_person_id = models.BigIntegerField(_("other person"), null=True)
    num = models.DecimalField(_("numerator"), max_digits=30, decimal_places=6)
    den = models.DecimalField(_("denominator"), max_digits=30, decimal_places=6, null=True)

    class Meta:
        verbose_name = _("monthly figure")
        verbose_name_plural = _("monthly figures")
        indexes = [models.Index(fields=["source", "month", "branch_id"])]

    def __str__(self) -> str:
        return f"{self.source} {self.key} {self.month} {self.branch_id}"


class RollupMonth(models.Model):
    """A month whose rollup of one source was computed from the facts (and when): the
    dashboards read a closed month from the rollup only once it is recorded here."""

    source = models.CharField(_("figure source"), max_length=40)
    month = models.DateField(_("month"))
    refreshed_at = models.DateTimeField(_("refreshed at"), default=timezone.now)

    class Meta:
        verbose_name = _("rolled-up month")
        verbose_name_plural = _("rolled-up months")
        constraints = [
            models.UniqueConstraint(fields=["source", "month"], name="rollup_month_once")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.month}"


class JobRun(models.Model):
    """One day's run of a nightly job split into chunks (crm/chunks.py): finished once
    every chunk is done; starting it again the same day only sends the chunks not done."""

    job = models.CharField(_("job"), max_length=40)
    day = models.DateField(_("day"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="job_run_once_a_day")]
        indexes = [
            models.Index(
                fields=["started_at"], condition=Q(finished_at__isnull=True),
                name="job_run_unfinished",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.job} {self.day}"


class JobChunk(models.Model):
    """A part of a job run: the branches it covers (none: the part not split by branch),
    done in the same transaction as its work, so a chunk sent twice runs once."""

    run = models.ForeignKey(
        JobRun, on_delete=models.CASCADE, related_name="chunks", verbose_name=_("job run")
    )
    number = models.PositiveIntegerField(_("number"))
    branch_ids = ArrayField(
        models.BigIntegerField(), null=True, blank=True, verbose_name=_("branches")
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("job chunk")
        verbose_name_plural = _("job chunks")
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="job_chunk_number_once")
        ]
        indexes = [
            models.Index(fields=["run"], condition=Q(done_at__isnull=True), name="job_chunk_open")
        ]

    def __str__(self) -> str:
        return f"{self.run} #{self.number}"
