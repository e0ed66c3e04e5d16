from django import template

from servicedesk.models import Status
from servicedesk.workflow import EVENT_LABELS

register = template.Library()


@register.filter
def sr_action_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


@register.filter
def sr_status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status
