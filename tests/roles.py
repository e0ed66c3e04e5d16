"""The roles the tests speak of, declared once: their names, the users that play them in
the two fixtures, and the named groups that access expectations are written with.

Role names are the values of `crm.models.Role`, plus two that exist only in tests:
"anonymous" (no user) and "integration_hq" (an integration token of a headquarters system,
where "integration" is a branch system's). tests/test_roles.py checks them against
`crm.models.Role`. This module imports nothing of Django, so tables of expectations can
be read and imported anywhere.

Two fixtures play the roles:
- `org` (tests/conftest.py), for the per-feature access cases of tests/access.py:
  `ORG_PEOPLE`, one user per role in branch BJ01 plus a few extra people; its
  "integration" user (`org.integration`) is the headquarters system.
- the access matrix's world (tests/security/world.py): `WORLD_PEOPLE`, keyed by role,
  where "integration" is the BJ01 system and "integration_hq" the headquarters one.
"""

from __future__ import annotations

ANON = "anonymous"
AM = "account_manager"
ADV = "advisor"
AGENT = "service_agent"
BM = "branch_manager"
COMP = "compliance"
HQ = "hq"
INT = "integration"  # a branch system's token (telephony)
INT_HQ = "integration_hq"  # a headquarters system's token (trading, data warehouse)

# People, signed in with a session; integration systems, `Authorization: Token <key>`.
STAFF_ROLES = [AM, ADV, AGENT, BM, COMP, HQ]
TOKEN_ROLES = [INT, INT_HQ]
# Every role of the access matrix, in the order of its tables.
MATRIX_ROLES = [ANON, *STAFF_ROLES, *TOKEN_ROLES]

# --- Named groups (the access matrix's `allow=` sets) ---------------------------------
STAFF = frozenset(STAFF_ROLES)
TOKENS = frozenset(TOKEN_ROLES)
API_ROLES = STAFF | TOKENS
MANAGERS = frozenset({BM, HQ})
ANALYSTS = frozenset({BM, COMP, HQ})  # dashboards, access log, complaint analysis
EDITORS = frozenset({AM, BM, HQ})  # change client profiles, work retention cases
PLANNERS = frozenset({AM, BM})  # visit plans and consultation sheets
COMPLAINT_WORKERS = frozenset({AGENT, AM, ADV, BM, HQ})
CALLERS = frozenset({AGENT, AM, BM, HQ})  # work callbacks
SNAPSHOT_POSTERS = frozenset({BM, HQ, INT, INT_HQ})  # account facts (trading system)
DASHBOARD_API = frozenset({BM, COMP, HQ, INT, INT_HQ})  # branch-wide metrics
REVEALERS = frozenset({AM, BM, COMP, HQ})  # unmask data; request unmasked exports
MASKED_READERS = [AGENT, INT, INT_HQ]  # read client profiles, always masked
# Roles that see every branch: they have no "other branch" object.
ALL_BRANCH_ROLES = frozenset({HQ, INT_HQ})
# Roles whose scope is personal inside the branch: they have an "other owner" object.
PERSONAL_ROLES = frozenset({AM, ADV})

# --- The people of the fixtures: name -> (username, branch code, role) ----------------
# Created in this order. Branch codes: HQ, BJ01 (where the tested roles work), SH01.
ORG_PEOPLE = {
    "am": ("am", "BJ01", AM),
    "am2": ("am2", "BJ01", AM),
    "advisor": ("advisor", "BJ01", ADV),
    "agent": ("agent", "BJ01", AGENT),
    "bm": ("bm", "BJ01", BM),
    "compliance": ("compliance", "BJ01", COMP),
    "hq": ("hq", "HQ", HQ),
    "integration": ("sys_hq", "HQ", INT),
    "integration_bj": ("sys_bj", "BJ01", INT),
    "am_sh": ("am_sh", "SH01", AM),
    "bm_sh": ("bm_sh", "SH01", BM),
    "agent_sh": ("agent_sh", "SH01", AGENT),
}
# The `org` attribute that plays each role in tests/access.py's cases.
ORG_ROLE_USERS = {
    AM: "am",
    ADV: "advisor",
    AGENT: "agent",
    BM: "bm",
    COMP: "compliance",
    HQ: "hq",
    INT: "integration",
}
# The roles of tests/access.py's cases: every one but the headquarters token.
ORG_ROLES = list(ORG_ROLE_USERS)
ORG_ACCESS_ROLES = [ANON, *ORG_ROLES]

WORLD_PEOPLE = {
    AM: ("am", "BJ01", AM),
    ADV: ("advisor", "BJ01", ADV),
    AGENT: ("agent", "BJ01", AGENT),
    BM: ("bm", "BJ01", BM),
    COMP: ("compliance", "BJ01", COMP),
    HQ: ("hq", "HQ", HQ),
    INT: ("sys_bj", "BJ01", INT),
    INT_HQ: ("sys_hq", "HQ", INT),
    # the other account manager's and the other branch's people
    "am2": ("am2", "BJ01", AM),
    "advisor2": ("advisor2", "BJ01", ADV),
    "am_sh": ("am_sh", "SH01", AM),
    "advisor_sh": ("advisor_sh", "SH01", ADV),
    "agent_sh": ("agent_sh", "SH01", AGENT),
    "bm_sh": ("bm_sh", "SH01", BM),
}
