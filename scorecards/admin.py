from django.contrib import admin

from crm.admin import ModelAdmin

from .models import ScorecardLine, ScorecardPeriod, ScorecardWeights


@admin.register(ScorecardWeights)
class ScorecardWeightsAdmin(ModelAdmin):
    list_display = ["__str__", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(ScorecardPeriod)
class ScorecardPeriodAdmin(ModelAdmin):
    """Derived data: computed nightly, read here."""

    list_display = ["kind", "start", "branch", "final", "computed_at"]
    list_filter = ["kind", "final"]
    readonly_fields = ["kind", "start", "end", "branch", "weights", "targets", "computed_at",
                       "final"]  # fmt: skip

    def has_add_permission(self, request):
        return False


@admin.register(ScorecardLine)
class ScorecardLineAdmin(ModelAdmin):
    list_display = ["kind", "start", "level", "branch", "team", "person", "score", "rank"]
    list_filter = ["kind", "level"]
    list_select_related = ["branch", "person"]
    raw_id_fields = ["period", "person"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
