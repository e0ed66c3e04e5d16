"""Every write to the client file, with its rules, shared by web views, API and tasks.

One module per concern: `profiles` (the client file), `snapshots` (account facts from the
trading system), `keys` (data key rotation), `bulk` (the client master and holdings in
bulk). The package hands on their names, so `from clients import services` and
`services.client_update(...)` read as before.
"""

from crm.services.errors import ConcurrentUpdate, TransitionNotAllowed

from .bulk import CLIENT_ROW_KEYS, HOLDING_ROW_KEYS, clients_upsert, holdings_upsert
from .keys import RotationResult, data_keys_rotate, encrypted_columns
from .lists import saved_filter_clean_query, saved_filter_create, saved_filter_delete
from .profiles import (
    COMPLETE_INDIVIDUAL,
    COMPLETE_INSTITUTION,
    EDITABLE_FIELDS,
    IDENTITY_FIELDS,
    IDENTITY_POLICY,
    OWNER_ROLES,
    PROFILE_POLICY,
    REVEAL_ROLES,
    REVIEW_POLICY,
    SENSITIVE_FIELDS,
    can_edit,
    can_reveal,
    client_create,
    client_mark_reviewed,
    client_open_account,
    client_report_identity_change,
    client_reveal,
    client_update,
    clients_reassign,
    completeness,
    name_initials,
    risk_assessment_record,
)
from .snapshots import (
    SNAPSHOT_NUMBERS,
    SNAPSHOT_VERSION_KEY,
    BulkResult,
    snapshot_version,
    snapshots_changed,
    snapshots_upsert,
)

__all__ = [
    "CLIENT_ROW_KEYS",
    "COMPLETE_INDIVIDUAL",
    "COMPLETE_INSTITUTION",
    "EDITABLE_FIELDS",
    "HOLDING_ROW_KEYS",
    "IDENTITY_FIELDS",
    "IDENTITY_POLICY",
    "OWNER_ROLES",
    "PROFILE_POLICY",
    "REVEAL_ROLES",
    "REVIEW_POLICY",
    "SENSITIVE_FIELDS",
    "SNAPSHOT_NUMBERS",
    "SNAPSHOT_VERSION_KEY",
    "BulkResult",
    "ConcurrentUpdate",
    "RotationResult",
    "TransitionNotAllowed",
    "can_edit",
    "can_reveal",
    "client_create",
    "client_mark_reviewed",
    "client_open_account",
    "client_report_identity_change",
    "client_reveal",
    "client_update",
    "clients_reassign",
    "clients_upsert",
    "completeness",
    "data_keys_rotate",
    "encrypted_columns",
    "holdings_upsert",
    "name_initials",
    "risk_assessment_record",
    "saved_filter_clean_query",
    "saved_filter_create",
    "saved_filter_delete",
    "snapshot_version",
    "snapshots_changed",
    "snapshots_upsert",
]
