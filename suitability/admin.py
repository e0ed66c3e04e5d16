from django.contrib import admin

from crm.admin import ModelAdmin, ServiceMadeAdmin

from .models import AmlFactor, AmlProfile, ProClassification


@admin.register(ProClassification)
class ProClassificationAdmin(ServiceMadeAdmin):
    """Requested and decided through suitability.services (a second person approves);
    the admin shows them and changes nothing that decides."""

    workflow_state = ["client", "branch", "kind", "investor_type", "financial_assets",
                      "average_income", "experience_years", "net_assets", "evidence",
                      "evidence_date", "rule", "requested_by", "requested_at", "decided_by",
                      "decided_at", "decision_note", "review_due_on"]  # fmt: skip
    list_display = ["id", "client", "kind", "status", "requested_by", "decided_by",
                    "requested_at", "review_due_on"]  # fmt: skip
    list_filter = ["status", "kind", "branch"]
    search_fields = ["client__name", "client__client_no"]
    list_select_related = ["client", "requested_by", "decided_by"]


@admin.register(AmlFactor)
class AmlFactorAdmin(ModelAdmin):
    """The factors of the nightly AML rating: their points add up to the client's score."""

    list_display = ["label", "kind", "value", "points", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["points", "is_active"]
    search_fields = ["label", "value"]


@admin.register(AmlProfile)
class AmlProfileAdmin(ServiceMadeAdmin):
    """Rated by the nightly job; overridden and re-verified through the rating's page."""

    workflow_state = ["client", "branch", "score", "computed_rating", "override_rating",
                      "override_reason", "override_by", "override_at", "rating", "factors",
                      "rated_at", "last_verified_on", "nationality", "residence",
                      "id_expires_on"]  # fmt: skip
    list_display = ["client", "rating", "score", "reverify_due_on", "id_expires_on"]
    list_filter = ["rating", "branch"]
    search_fields = ["client__name", "client__client_no"]
    list_select_related = ["client"]
