"""The permissions of this domain (``scope:resource:action``) and what each built-in role is granted."""

from __future__ import annotations

from openbwc.kit.permissions import RESERVED, Permissions


class CustodyPermissions(Permissions):
    LEDGER_READ = "custody:ledger:read", "Read custody reports (every ledger entry about one item, with proofs)"
    # Reserved to oversight: the full ledger names every sealed recording (its seal, every attempt).
    LEDGER_AUDIT = "custody:ledger:audit", "List and search every custody-ledger entry (ledger audits)", RESERVED


# Built-in roles (identity declares them) and what this domain grants each.
_P = CustodyPermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "evidence_custodian": {_P.LEDGER_READ},
    "oversight": {_P.LEDGER_AUDIT, _P.LEDGER_READ},
}
