"""The workbench: each member of staff's sections of what is due."""

from __future__ import annotations

from django.utils import timezone
from django.views.generic import TemplateView

from .. import workbench
from .base import StaffRequiredMixin


class WorkbenchView(StaffRequiredMixin, TemplateView):
    template_name = "crm/workbench.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        sections = [
            {"section": s, "items": s.items(self.request.user, today)}
            for s in workbench.sections_for(self.staff.role)
        ]
        return super().get_context_data(
            sections=sections, today=today, now=timezone.now(), **kwargs
        )
