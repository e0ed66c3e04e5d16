"""What the client file plugs into the kernel: clocks, workbench, timeline, permissions."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.chunks import ChunkedJob, register_job
from crm.demo import register_seeder
from crm.metrics import register_gauge
from crm.models import Role
from crm.roles import ALL, grant
from crm.services.staff import LeaverWork, register_leaver_work
from crm.sla import Clock, declare_policy, register_clock
from crm.workbench import Section, register_section

from . import selectors
from .models import AccountStatus, Client, ImportJob, RiskAssessment, Stage
from .timeline import Entry, at_start_of, register_provider

DAY = 24 * 60


def _owner(clients):
    return {c.pk: {c.owner_id} for c in clients}


def _client_url(client):
    return reverse("clients:detail", args=[client.pk])


def _change_entries(client, limit):
    from .history import change_entries

    return change_entries(client, limit)


def _assessment_entries(client, limit):
    rows = RiskAssessment.objects.filter(client=client).order_by("-assessed_on")[:limit]
    return [
        Entry(
            at=at_start_of(r.assessed_on),
            kind="risk_assessment",
            title=_("Risk assessment: %(level)s, score %(score)s")
            % {"level": r.risk_level, "score": r.score},
            detail=_("Valid until %(day)s") % {"day": r.valid_until.isoformat()},
        )
        for r in rows
    ]


def _leaver_client_counts(user_ids):
    rows = (
        Client.objects.filter(owner_id__in=user_ids)
        .exclude(account_status=AccountStatus.CLOSED)
        .values("owner_id")
        .annotate(n=Count("id"))
    )
    return {r["owner_id"]: r["n"] for r in rows}


def _leaver_clients_text(n):
    return _("%(n)d clients to reassign") % {"n": n}


def _agenda_counts(today):
    rows = (
        Client.objects.filter(
            Q(profile_due_on__lte=today)
            | Q(review_due_on__lte=today)
            | Q(risk_expires_on__lte=today)
            | Q(identity_change_due_at__date__lte=today)
        )
        .exclude(stage=Stage.POTENTIAL)
        .values("owner_id")
        .annotate(n=Count("id"))
    )
    return {r["owner_id"]: r["n"] for r in rows}


def _potential_counts(today):
    rows = (
        Client.objects.filter(stage=Stage.POTENTIAL, next_contact_on__lte=today)
        .values("owner_id")
        .annotate(n=Count("id"))
    )
    return {r["owner_id"]: r["n"] for r in rows}


def _case_counts(today):
    from .models import RetentionCase

    rows = RetentionCase.objects.filter(status="open").values("owner_id").annotate(n=Count("id"))
    return {r["owner_id"]: r["n"] for r in rows}


def _tier_entries(client, limit):
    from .models import Tier, TierChange

    labels = dict(Tier.choices)
    return [
        Entry(at=at_start_of(t.changed_on), kind="tier",
              title=_("Tier: %(old)s → %(new)s") % {"old": labels.get(t.old_tier, "—"),
                                                   "new": labels.get(t.new_tier, "")})
        for t in TierChange.objects.filter(client=client).order_by("-changed_on")[:limit]
    ]  # fmt: skip


def _retention_entries(client, limit):
    from .models import RetentionCase

    return [
        Entry(at=c.opened_at, kind="retention",
              title=_("Retention case (risk %(score)s): %(status)s")
              % {"score": c.score_at_open, "status": c.get_outcome_display() or
                 c.get_status_display()}, url=c.get_absolute_url())
        for c in RetentionCase.objects.filter(client=client).order_by("-opened_at")[:limit]
    ]  # fmt: skip


def _seed_segmentation(users, stdout):
    from .demo import seed_segmentation

    seed_segmentation(users, stdout)


def _open_imports() -> dict[str, float]:
    """Snapshot imports waiting or running (/metrics), each status even at 0."""
    open_ = [ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    counts = dict.fromkeys(open_, 0)
    rows = ImportJob.objects.filter(status__in=open_).order_by().values("status")
    rows = rows.annotate(n=Count("id"))
    counts.update({row["status"]: row["n"] for row in rows})
    return {str(status): n for status, n in counts.items()}


def _segmentation_chunk(day, branch_ids):
    """The nightly segmentation and churn scores of a chunk of branches (crm/chunks.py)."""
    from dataclasses import asdict

    from .segmentation import run

    return asdict(run(day, branch_ids))


def register() -> None:
    register_job(ChunkedJob("segmentation", _segmentation_chunk))
    register_gauge(
        "crm_import_jobs_open", "Snapshot import jobs queued or running.", "status", _open_imports
    )
    from crm.exports import ExportKind, register_export
    from crm.retention import register_purge

    from . import measures
    from .exports import client_table
    from .filters import ClientFilterSet
    from .imports import purge_import_files
    from .services import REVEAL_ROLES

    measures.register()
    register_purge("import_files", _("Uploaded import files"), purge_import_files)
    register_export(
        ExportKind(
            key="clients", label=_("Client list"), roles=frozenset(REVEAL_ROLES),
            table=client_table, list_url_name="clients:list", filterset=ClientFilterSet,
        )
    )  # fmt: skip
    open_account = ~Q(account_status=AccountStatus.CLOSED) & ~Q(stage=Stage.POTENTIAL)
    declare_policy(
        "client.profile_completion",
        name="新开户客户档案完善",
        target_value=30,
        target_unit="days",
        warn_before_minutes=7 * DAY,
        escalation_roles=[Role.BRANCH_MANAGER],
        escalation_interval_minutes=DAY,
    )
    declare_policy(
        "client.review",
        name="客户档案年度复核",
        target_value=365,
        target_unit="days",
        warn_before_minutes=30 * DAY,
        escalation_roles=[Role.BRANCH_MANAGER],
        escalation_interval_minutes=7 * DAY,
    )
    declare_policy(
        "client.risk_reassessment",
        name="风险测评到期重测（期限为测评有效期）",
        target_value=730,
        target_unit="days",
        warn_before_minutes=30 * DAY,
        escalation_roles=[Role.BRANCH_MANAGER],
        escalation_interval_minutes=7 * DAY,
    )
    declare_policy(
        "client.identity_change",
        name="身份信息变更登记",
        target_value=3,
        target_unit="workdays",
        warn_before_minutes=DAY,
        escalation_roles=[Role.BRANCH_MANAGER, Role.COMPLIANCE],
        escalation_interval_minutes=DAY,
    )
    describe = {
        "client.profile_completion": _("complete the profile of %(name)s"),
        "client.review": _("yearly review of %(name)s"),
        "client.risk_reassessment": _("risk assessment of %(name)s expires"),
        "client.identity_change": _("record the identity change of %(name)s"),
    }
    fields = {
        "client.profile_completion": "profile_due_on",
        "client.review": "review_due_on",
        "client.risk_reassessment": "risk_expires_on",
        "client.identity_change": "identity_change_due_at",
    }
    for name, due_field in fields.items():
        register_clock(
            Clock(
                name=name,
                model=Client,
                due_field=due_field,
                policy_code=name,
                open_filter=open_account & Q(**{f"{due_field}__isnull": False}),
                recipients=_owner,
                describe=lambda c, text=describe[name]: text % {"name": c.name},
                url=_client_url,
                start_field="identity_change_reported_at"
                if name == "client.identity_change"
                else None,
            )
        )
    register_section(
        Section(
            key="client_duties",
            title=_("Client data duties"),
            template="clients/workbench/duties.html",
            queryset=selectors.duties_due,
            due_field="risk_expires_on",
            roles=frozenset({Role.ACCOUNT_MANAGER}),
            agenda_counts=_agenda_counts,
            url_name="clients:list",
            order=20,
        )
    )
    from .demo import seed_clients, seed_leaver, seed_sensitive_data

    register_seeder(10, "clients", seed_clients)
    register_section(
        Section(
            key="potential_contacts",
            title=_("Potential clients to contact"),
            template="clients/workbench/potential.html",
            queryset=selectors.potential_contacts_due,
            due_field="next_contact_on",
            roles=frozenset({Role.ACCOUNT_MANAGER}),
            agenda_counts=_potential_counts,
            url_name="clients:list",
            order=25,
        )
    )
    register_section(
        Section(key="at_risk", title=_("My clients at risk"),
                template="clients/workbench/at_risk.html", queryset=selectors.at_risk_for,
                roles=frozenset({Role.ACCOUNT_MANAGER}), url_name="clients:churn", order=30)
    )  # fmt: skip
    register_section(
        Section(key="retention", title=_("My open retention cases"),
                template="clients/workbench/cases.html", queryset=selectors.open_cases_for,
                roles=frozenset({Role.ACCOUNT_MANAGER}), agenda_counts=_case_counts,
                url_name="clients:retention-board", order=31)
    )  # fmt: skip
    register_section(
        Section(key="leaver_clients", title=_("Clients of staff who left"),
                template="clients/workbench/leavers.html",
                queryset=selectors.leaver_clients_due,
                roles=frozenset({Role.BRANCH_MANAGER}), url_name="clients:leavers", order=15,
                empty=_("No client waits for reassignment."))
    )  # fmt: skip
    register_leaver_work(
        "clients",
        LeaverWork(counts=_leaver_client_counts, describe=_leaver_clients_text,
                   url=lambda: reverse("clients:leavers"), order=10),
    )  # fmt: skip
    register_seeder(15, "clients of a leaver", seed_leaver)
    register_seeder(40, "segmentation", _seed_segmentation)
    # after every app's seeder: the reveals and export requests name demo clients
    register_seeder(90, "access log and unmasked exports", seed_sensitive_data)
    register_provider("tier", _tier_entries)
    register_provider("retention", _retention_entries)
    register_provider("change", _change_entries)
    register_provider("risk_assessment", _assessment_entries)
    grant(
        ALL - {Role.INTEGRATION},
        "clients.view_client",
        "clients.view_riskassessment",
        "clients.view_accountsnapshot",
        "clients.view_holding",
    )
    grant(
        {Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER, Role.HQ},
        "clients.add_client",
        "clients.change_client",
        "clients.add_riskassessment",
    )
    # the managed list of loss reasons: HQ keeps it (the admin)
    grant({Role.HQ}, "clients.view_lossreason", "clients.add_lossreason",
          "clients.change_lossreason")  # fmt: skip
    grant(
        {Role.INTEGRATION},
        "clients.view_client",
        "clients.add_accountsnapshot",
        "clients.change_accountsnapshot",
    )
