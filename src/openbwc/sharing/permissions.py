"""The permissions of this domain (``scope:resource:action``) and what each built-in role is granted."""

from __future__ import annotations

from openbwc.kit.permissions import Permissions


class SharingPermissions(Permissions):
    SHARES_READ = "sharing:shares:read", "View the links made to share derived items, who they are for and their use"
    SHARES_WRITE = (
        "sharing:shares:write",
        "Share a derived item one may see with a prosecutor, defence or court by a link that expires, and revoke it",
    )


_P = SharingPermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "evidence_custodian": {_P.SHARES_READ, _P.SHARES_WRITE},
    "records_officer": {_P.SHARES_READ, _P.SHARES_WRITE},
    "oversight": {_P.SHARES_READ},
}
