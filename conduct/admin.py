from django.contrib import admin

from crm.admin import ServiceMadeAdmin

from .models import EducationRecord, EducationSuggestion, MisconductEntry, SelfCheck, SelfCheckForm


@admin.register(SelfCheckForm)
class SelfCheckFormAdmin(ServiceMadeAdmin):
    """Defined and sent by conduct.services; the admin may correct the title only."""

    workflow_state = ["year", "questions", "declaration", "due_on", "created_by", "created_at",
                      "sent_at"]  # fmt: skip
    list_display = ["year", "title", "due_on", "sent_at"]


@admin.register(SelfCheck)
class SelfCheckAdmin(ServiceMadeAdmin):
    """Sent by conduct.services and signed by the person in the browser: shown only."""

    workflow_state = ["form", "staff", "branch", "sent_at", "answers", "declaration_accepted",
                      "signature", "signed_at"]  # fmt: skip
    list_display = ["id", "form", "branch", "status", "due_at", "signed_at"]
    list_filter = ["status", "branch", "form"]
    list_select_related = ["form", "branch"]


@admin.register(MisconductEntry)
class MisconductEntryAdmin(ServiceMadeAdmin):
    """Registered by conduct.services (nightly from cases and complaints, or by hand);
    the admin may correct the wording only."""

    workflow_state = ["branch", "staff", "source_kind", "source_id", "recorded_by",
                      "recorded_at"]  # fmt: skip
    list_display = ["id", "occurred_on", "branch", "source_kind"]
    list_filter = ["branch", "source_kind"]
    list_select_related = ["branch"]


@admin.register(EducationRecord)
class EducationRecordAdmin(ServiceMadeAdmin):
    workflow_state = ["client", "branch", "kind", "event", "recorded_by", "recorded_at"]
    list_display = ["id", "on", "kind", "topic", "branch"]
    list_filter = ["kind", "branch"]
    list_select_related = ["branch"]
    raw_id_fields = ["client"]


@admin.register(EducationSuggestion)
class EducationSuggestionAdmin(ServiceMadeAdmin):
    workflow_state = ["client", "branch", "quarter", "reason", "complaints", "loss_months",
                      "suggested_at", "educated_at"]  # fmt: skip
    list_display = ["id", "quarter", "reason", "branch", "suggested_at", "educated_at"]
    list_filter = ["reason", "branch"]
    list_select_related = ["branch"]
