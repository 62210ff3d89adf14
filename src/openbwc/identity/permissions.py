"""Identity's permissions, and the built-in roles (DESIGN.md "Who uses it").

Each domain declares its own permissions (a ``Permissions`` StrEnum in its
``permissions.py``) and what it grants each built-in role; identity declares
the roles themselves. ``bwc init`` re-synchronises the built-in roles from the
registry; administrators may create further roles as data.
"""

from __future__ import annotations

from openbwc.kit.permissions import Permissions


class IdentityPermissions(Permissions):
    ACCOUNTS_READ = "identity:accounts:read", "List and view accounts"
    ACCOUNTS_WRITE = "identity:accounts:write", "Create, disable and change accounts"
    ROLES_READ = "identity:roles:read", "List roles and their permissions"
    ROLES_WRITE = "identity:roles:write", "Create roles, grant and revoke them"
    SELF_READ = "identity:self:read", "View one's own account and permissions"
    TOKENS_WRITE = "identity:tokens:write", "Create and revoke one's own API tokens"


# name -> what the role is for. The administrator holds every permission but those
# reserved to oversight (``Permissions`` members marked RESERVED: sealed footage, PRO-1,
# "not even technology administrators"; and the full ledger, whose entries name every
# sealed recording). Only a holder may grant a reserved permission (identity/duties.py).
BUILTIN_ROLES: dict[str, str] = {
    "officer": "Docks a camera, tags own recordings, files reports",
    "supervisor": "Approves exceptions and stop reasons, reviews sampled footage",
    "evidence_custodian": "Categories, holds, exports, proposes disposition",
    "program_manager": "Fleet, training, rollout, cost forecasts, compliance dashboards",
    "records_officer": "Works access and release requests, redacts, releases",
    "oversight": "Civil rights, privacy, inspector general, counsel: read-only everything, ledger audits",
    "dock": "A docking station (machine client): uploads footage and reports telemetry",
}
# The role whose last active holder may not be removed (someone must be able to administer).
ADMIN = "admin"
ADMIN_DESCRIPTION = "Technology administrator: accounts, roles and configuration"

# What identity grants each built-in role.
_P = IdentityPermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "officer": {_P.SELF_READ, _P.TOKENS_WRITE},
    "supervisor": {_P.SELF_READ, _P.TOKENS_WRITE},
    "evidence_custodian": {_P.SELF_READ, _P.TOKENS_WRITE},
    "program_manager": {_P.SELF_READ, _P.TOKENS_WRITE},
    "records_officer": {_P.SELF_READ, _P.TOKENS_WRITE},
    "oversight": {_P.ACCOUNTS_READ, _P.ROLES_READ, _P.SELF_READ, _P.TOKENS_WRITE},
    "dock": {_P.SELF_READ},
}
