"""The workbench: each member of staff's queues, counted, most urgent first."""

from __future__ import annotations

from django.utils import timezone
from django.views.generic import TemplateView

from .. import workbench
from .base import StaffRequiredMixin


class WorkbenchView(StaffRequiredMixin, TemplateView):
    template_name = "crm/workbench.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        today = timezone.localdate(now)
        panels = workbench.panels_for(self.request.user, self.staff.role, now, today)
        return super().get_context_data(
            panels=panels,
            overdue_total=sum(p.overdue for p in panels),
            today=today,
            now=now,
            **kwargs,
        )
