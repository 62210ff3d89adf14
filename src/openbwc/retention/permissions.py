"""Retention's permissions (``scope:resource:action``) and what each built-in role is granted."""

from __future__ import annotations

from openbwc.kit.permissions import Permissions


class RetentionPermissions(Permissions):
    HOLDS_READ = "retention:holds:read", "View legal holds and the recordings they keep"
    HOLDS_WRITE = "retention:holds:write", "Place legal holds, add recordings to them, ask for a hold to be lifted"
    HOLDS_APPROVE = (
        "retention:holds:approve",
        "Approve lifting a legal hold that another person asked to lift (two people, RET-3)",
    )


_P = RetentionPermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "evidence_custodian": {_P.HOLDS_READ, _P.HOLDS_WRITE, _P.HOLDS_APPROVE},
    "records_officer": {_P.HOLDS_READ, _P.HOLDS_WRITE},
    "oversight": {_P.HOLDS_READ},
}
