"""The permissions of this domain (``scope:resource:action``) and what each built-in role is granted."""

from __future__ import annotations

from openbwc.kit.permissions import RESERVED, Permissions


class PolicyPermissions(Permissions):
    POLICIES_READ = (
        "policy:policies:read",
        "View the recording policy in force and its versions; validate policy files",
    )
    POLICIES_WRITE = "policy:policies:write", "Activate a recording policy file"

    # PRO-1: sealed First Amendment footage; the string keeps its evidence scope, the rule is policy's.
    SEALED_READ = (
        "evidence:sealed:read",
        "Reach recordings sealed under PRO-1 (First Amendment activity alone): oversight only",
        RESERVED,
    )


# Built-in roles (identity declares them) and what this domain grants each.
_P = PolicyPermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "officer": {_P.POLICIES_READ},
    "supervisor": {_P.POLICIES_READ},
    "evidence_custodian": {_P.POLICIES_READ},
    "program_manager": {_P.POLICIES_READ, _P.POLICIES_WRITE},
    "records_officer": {_P.POLICIES_READ},
    "oversight": {_P.POLICIES_READ, _P.SEALED_READ},
}
