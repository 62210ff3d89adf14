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
    RETENTION_READ = (
        "retention:schedule:read",
        "See what is due for disposition, proposals, certificates, and each recording's retain-until and why",
    )
    DISPOSITION_PROPOSE = (
        "retention:dispositions:propose",
        "Propose destroying recordings whose retention has run out (RET-4)",
    )
    DISPOSITION_APPROVE = (
        "retention:dispositions:approve",
        "Approve or decline a disposition another person proposed; approval destroys the footage (RET-4)",
    )


_P = RetentionPermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "evidence_custodian": {
        _P.HOLDS_READ,
        _P.HOLDS_WRITE,
        _P.HOLDS_APPROVE,
        _P.RETENTION_READ,
        _P.DISPOSITION_PROPOSE,
        _P.DISPOSITION_APPROVE,
    },
    "records_officer": {_P.HOLDS_READ, _P.HOLDS_WRITE, _P.RETENTION_READ},
    "oversight": {_P.HOLDS_READ, _P.RETENTION_READ},
}
