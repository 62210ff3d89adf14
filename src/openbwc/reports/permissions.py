"""The permissions of this domain (``scope:resource:action``) and what each built-in role is granted."""

from __future__ import annotations

from openbwc.kit.permissions import Permissions


class ReportsPermissions(Permissions):
    REPORTS_FILE = "reports:reports:file", "File one's own initial report on an incident, and amend it (new versions)"
    REPORTS_READ = (
        "reports:reports:read",
        "Read initial reports: one's own, one's direct reports', or everyone's with evidence:recordings:read_all",
    )


_P = ReportsPermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "officer": {_P.REPORTS_FILE, _P.REPORTS_READ},
    "supervisor": {_P.REPORTS_FILE, _P.REPORTS_READ},
    "evidence_custodian": {_P.REPORTS_READ},
    "oversight": {_P.REPORTS_READ},
}
