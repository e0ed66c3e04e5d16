from django import template

from complaints.models import Status
from complaints.workflow import EVENT_LABELS

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


@register.filter
def status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status
