from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from simple_history.admin import SimpleHistoryAdmin

from crm.admin import (
    ModelAdmin,
    SafeExportMixin,
    ServiceMadeAdmin,
    ServiceMadeInline,
    WorkflowStateMixin,
)

from .masking import mask_id, mask_phone
from .models import (
    AccountSnapshot,
    ChurnSignal,
    Client,
    Holding,
    ImportJob,
    LossReason,
    RetentionAction,
    RetentionCase,
    RiskAssessment,
    SavedClientFilter,
    TierChange,
    TierRule,
)


class ClientResource(resources.ModelResource):
    """Admin export: sensitive values masked like every other export."""

    id_number = fields.Field(column_name="id_number")
    owner = fields.Field(attribute="owner__username", column_name="owner")
    branch = fields.Field(attribute="branch__code", column_name="branch")

    class Meta:
        model = Client
        fields = ["client_no", "name", "client_type", "id_type", "id_number", "phone", "branch",
                  "owner", "stage", "tier", "risk_level", "risk_assessed_on", "opened_on",
                  "account_status"]  # fmt: skip
        export_order = fields

    def dehydrate_id_number(self, client):
        return mask_id(client.id_number)

    def dehydrate_phone(self, client):
        return mask_phone(client.phone)


@admin.register(Client)
class ClientAdmin(SafeExportMixin, WorkflowStateMixin, SimpleHistoryAdmin):
    resource_classes = [ClientResource]
    # set by the suitability assessment, the nightly segmentation and churn scoring, and
    # the profile duties of clients.services
    workflow_state = ["risk_level", "lowest_category", "risk_assessed_on", "risk_expires_on",
                      "tier", "tier_since", "avg_assets", "last_trade_on", "sleeping",
                      "rfm_recency", "rfm_frequency", "rfm_monetary", "churn_score",
                      "churn_reasons", "segmented_at", "reviewed_on",
                      "identity_change_reported_at"]  # fmt: skip
    list_display = ["client_no", "name", "client_type", "branch", "owner", "stage", "tier",
                    "risk_level", "account_status"]  # fmt: skip
    list_filter = ["branch", "client_type", "stage", "tier", "risk_level", "account_status"]
    search_fields = ["client_no", "name", "name_initials"]
    list_select_related = ["branch", "owner"]
    raw_id_fields = ["owner", "advisor"]
    readonly_fields = ["id_number_encrypted", "completeness", "version", "created_at",
                       "updated_at"]  # fmt: skip

    def has_delete_permission(self, request, obj=None):
        return False  # closing an account is a status; profiles are archived, not deleted


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(ServiceMadeAdmin):
    """Recorded by clients.services (it sets the client's risk level with it)."""

    workflow_state = ["client", "assessed_on", "score", "risk_level", "lowest_category",
                      "valid_until", "questionnaire", "recorded_by", "created_at"]  # fmt: skip
    list_display = ["client", "assessed_on", "risk_level", "score", "valid_until",
                    "lowest_category"]  # fmt: skip
    list_filter = ["risk_level", "lowest_category"]
    raw_id_fields = ["client", "recorded_by"]
    search_fields = ["client__client_no", "client__name"]


@admin.register(AccountSnapshot)
class AccountSnapshotAdmin(ServiceMadeAdmin):
    """Posted by the trading system (snapshots_upsert, which keeps the rollups)."""

    workflow_state = ["received_at"]
    list_display = ["client", "date", "total_assets", "net_inflow", "commission"]
    raw_id_fields = ["client"]
    date_hierarchy = "date"
    search_fields = ["client__client_no"]


@admin.register(Holding)
class HoldingAdmin(ModelAdmin):
    list_display = ["client", "date", "security_code", "security_name", "quantity", "price"]
    raw_id_fields = ["client"]
    search_fields = ["client__client_no", "security_code"]


class ImportKindFilter(admin.SimpleListFilter):
    title = _("kind of import")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        from .imports import KINDS

        return [(key, kind.label) for key, kind in KINDS.items()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(ImportJob)
class ImportJobAdmin(ServiceMadeAdmin):
    """Queued on the import page (clients.imports.import_job_create), run by its task."""

    workflow_state = ["branch", "dry_run", "total_rows", "processed_rows",
                      "stored_rows", "error_rows", "created_rows", "updated_rows",
                      "unchanged_rows", "message", "created_by", "created_at", "started_at",
                      "finished_at"]  # fmt: skip
    list_display = ["original_name", "kind_name", "dry_run", "status", "total_rows",
                    "stored_rows", "error_rows", "created_by", "created_at"]  # fmt: skip
    list_filter = ["status", ImportKindFilter, "dry_run"]
    # Files come in through the import page (checked by content there) and are never
    # served by URL: the admin shows the name only. The kind is shown by its name.
    exclude = ["file", "kind"]
    readonly_fields = ["original_name", "kind_name", "error_report"]

    @admin.display(description=_("kind of import"), ordering="kind")
    def kind_name(self, job):
        from .imports import KINDS

        kind = KINDS.get(job.kind)
        return kind.label if kind is not None else job.kind


@admin.action(description=_("Run the nightly segmentation now"))
def run_segmentation_now(modeladmin, request, queryset):
    from crm.jobs import enqueue_on_commit

    from .tasks import nightly_segmentation

    enqueue_on_commit(nightly_segmentation)
    messages.info(request, _("The segmentation job was queued; results appear in a minute."))


@admin.register(TierRule)
class TierRuleAdmin(ModelAdmin):
    list_display = ["tier", "min_avg_assets", "min_commission", "min_volume", "queue_priority"]
    list_editable = ["queue_priority"]
    actions = [run_segmentation_now]


@admin.register(SavedClientFilter)
class SavedClientFilterAdmin(ModelAdmin):
    list_display = ["name", "owner", "branch", "shared", "created_at"]
    list_filter = ["shared", "branch"]
    raw_id_fields = ["owner"]


@admin.register(ChurnSignal)
class ChurnSignalAdmin(ModelAdmin):
    list_display = ["code", "name", "weight", "is_active"]
    list_editable = ["weight", "is_active"]
    actions = [run_segmentation_now]


class RetentionActionInline(ServiceMadeInline):
    model = RetentionAction
    workflow_state = ["kind", "note", "at", "by"]


@admin.register(RetentionCase)
class RetentionCaseAdmin(ServiceMadeAdmin):
    """Opened by the nightly churn scoring, worked and closed through clients.retention."""

    workflow_state = ["client", "branch", "opened_at", "score_at_open", "reasons", "outcome",
                      "loss_reason", "closed_at", "assets_at_close"]  # fmt: skip
    list_display = ["client", "owner", "status", "score_at_open", "outcome", "opened_at"]
    list_filter = ["status", "outcome", "branch"]
    raw_id_fields = ["client", "owner"]
    inlines = [RetentionActionInline]


@admin.register(LossReason)
class LossReasonAdmin(ModelAdmin):
    """The managed list of loss reasons (HQ keeps it); a reason in use is deactivated,
    not deleted."""

    list_display = ["name", "code", "order", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(TierChange)
class TierChangeAdmin(ServiceMadeAdmin):
    """Written by the nightly segmentation."""

    workflow_state = ["client", "changed_on", "old_tier", "new_tier", "avg_assets"]
    list_display = ["client", "changed_on", "old_tier", "new_tier", "avg_assets"]
    list_filter = ["new_tier"]
    raw_id_fields = ["client"]
