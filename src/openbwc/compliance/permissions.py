"""The permissions of this domain (``scope:resource:action``) and what each built-in role is granted."""

from __future__ import annotations

from openbwc.kit.permissions import Permissions


class CompliancePermissions(Permissions):
    ACTIVITIES_READ = "compliance:activities:read", "View enforcement activities and their officers"
    ACTIVITIES_WRITE = "compliance:activities:write", "Import, create and update enforcement activities"
    FINDINGS_READ = "compliance:findings:read", "View compliance findings, reports and the compliance dashboard"
    RUNS_WRITE = "compliance:runs:write", "Run compliance evaluations"
    LINKS_READ = (
        "compliance:links:read",
        "View the recordings no activity claims, and the activities of a recording",
    )
    LINKS_WRITE = "compliance:links:write", "Link a recording to an activity by hand"
    REVIEWS_READ = "compliance:reviews:read", "View supervisor-review assignments and coverage (ACC-4)"
    REVIEWS_WRITE = "compliance:reviews:write", "Draw monthly review samples and record reviews (ACC-4)"


# Built-in roles (identity declares them) and what this domain grants each.
_P = CompliancePermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "supervisor": {_P.ACTIVITIES_READ, _P.ACTIVITIES_WRITE, _P.FINDINGS_READ, _P.REVIEWS_READ, _P.REVIEWS_WRITE},
    "evidence_custodian": {_P.ACTIVITIES_READ, _P.LINKS_READ, _P.LINKS_WRITE},
    "program_manager": {
        _P.ACTIVITIES_READ,
        _P.ACTIVITIES_WRITE,
        _P.FINDINGS_READ,
        _P.LINKS_READ,
        _P.REVIEWS_READ,
        _P.RUNS_WRITE,
    },
    "oversight": {_P.ACTIVITIES_READ, _P.FINDINGS_READ, _P.LINKS_READ, _P.REVIEWS_READ},
}
