"""Every write of the kernel that carries a business rule, one module per concern.

The package hands on the names of each module, so `from crm import services` and
`services.todo_create(...)` read as before; new code may import the concern module.
Notifications are a kernel module of their own (crm.notifications), below the SLA clock
that sends its reminders with them; their names are handed on here too.
"""

from ..notifications import notification_mark_read, notifications_deliver, notify
from .access_log import access_log_export_record, access_log_record
from .agenda import morning_agenda_send
from .calendar import ScheduleLine, calendar_changed, holidays_enter_schedule, parse_schedule
from .errors import ConcurrentUpdate, TransitionNotAllowed, check_version
from .export_requests import (
    export_request_approvers,
    export_request_can_decide,
    export_request_create,
    export_request_decide,
    export_request_download,
)
from .staff import (
    LeaverWork,
    branches_upsert,
    leaver_work,
    register_leaver_work,
    staff_assign,
    staff_deactivate,
    staff_upsert,
)
from .todos import TODO_POLICY, todo_cancel, todo_complete, todo_create, todo_update
from .tokens import (
    TOKEN_MAX_DAYS,
    integration_token_issue,
    integration_token_revoke,
    token_digest,
    token_expiry_check,
    token_lifetime_message,
)

__all__ = [
    "TODO_POLICY",
    "TOKEN_MAX_DAYS",
    "ConcurrentUpdate",
    "LeaverWork",
    "ScheduleLine",
    "TransitionNotAllowed",
    "access_log_export_record",
    "access_log_record",
    "branches_upsert",
    "calendar_changed",
    "check_version",
    "export_request_approvers",
    "export_request_can_decide",
    "export_request_create",
    "export_request_decide",
    "export_request_download",
    "holidays_enter_schedule",
    "integration_token_issue",
    "integration_token_revoke",
    "leaver_work",
    "morning_agenda_send",
    "notification_mark_read",
    "notifications_deliver",
    "notify",
    "parse_schedule",
    "register_leaver_work",
    "staff_assign",
    "staff_deactivate",
    "staff_upsert",
    "todo_cancel",
    "todo_complete",
    "todo_create",
    "todo_update",
    "token_digest",
    "token_expiry_check",
    "token_lifetime_message",
]
