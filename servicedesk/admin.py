from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm.admin import ModelAdmin, ServiceMadeAdmin, ServiceMadeInline

from . import services
from .models import ServiceCategory, ServiceRequest, ServiceRequestEvent


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(ModelAdmin):
    """HQ edits the categories here or on the categories page, both through
    servicedesk.services.category_save; the time limits are the SLA policies
    `service_request.<code>`."""

    list_display = ["code", "name", "parent", "sort_order", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["code", "name"]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name) for name in
                ("code", "name", "parent", "sort_order", "is_active")}  # fmt: skip
        saved = services.category_save(user=request.user, data=data,
                                       instance=obj if change else None)  # fmt: skip
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False  # requests keep their category: deactivate it instead


class EventInline(ServiceMadeInline):
    model = ServiceRequestEvent
    readonly_fields = ["at", "by", "action", "from_status", "to_status", "note"]


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ServiceMadeAdmin):
    """Received and worked through servicedesk.services: each step sets its times, who
    took it, and writes an event. The admin shows them."""

    workflow_state = ["number", "branch", "received_at", "handler", "back_office", "resolution",
                      "first_contact_resolved", "sla_policy", "clock_started_at", "resolved_at",
                      "closed_at", "paused_at", "complaint", "taken_by", "created_at"]  # fmt: skip
    list_display = ["number", "branch", "requester_label", "category", "priority", "status",
                    "handler", "received_at", "due_at"]  # fmt: skip
    list_filter = ["branch", "status", "category", "priority", "channel"]
    search_fields = ["number", "caller_name", "client__name", "client__client_no"]
    list_select_related = ["branch", "client", "handler", "category"]
    raw_id_fields = ["client", "taken_by", "handler", "complaint"]
    inlines = [EventInline]
    date_hierarchy = "received_at"

    @admin.display(description=_("client or caller"))
    def requester_label(self, obj):
        return obj.requester
