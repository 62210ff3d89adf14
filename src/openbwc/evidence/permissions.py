"""The permissions of this domain (``scope:resource:action``) and what each built-in role is granted."""

from __future__ import annotations

from openbwc.kit.permissions import Permissions


class EvidencePermissions(Permissions):
    UPLOADS_WRITE = (
        "evidence:uploads:write",
        "Upload footage (tus) and submit recordings with camera manifests (docks)",
    )
    RECORDINGS_READ = "evidence:recordings:read", "View recordings one may see: one's own, and one's direct reports'"
    RECORDINGS_READ_ALL = "evidence:recordings:read_all", "View every recording, whoever recorded it"
    RECORDINGS_EXPORT = "evidence:recordings:export", "Export recordings with their manifest and custody report"
    QUARANTINE_READ = "evidence:quarantine:read", "List files held in quarantine"
    QUARANTINE_WRITE = "evidence:quarantine:write", "Release or reject files held in quarantine"
    RECORDINGS_CLASSIFY = (
        "evidence:recordings:classify",
        "Set a recording's retention category (with a reason) and add or remove its tags",
    )
    RECORDINGS_TAG = (
        "evidence:recordings:tag",
        "Add or remove tags on the recordings one may see; tags the recording policy acts on (PRO-1) "
        "need evidence:recordings:classify",
    )
    CASES_READ = "evidence:cases:read", "List and search cases, and view the recordings linked to a case"
    CASES_WRITE = (
        "evidence:cases:write",
        "Open, close and reopen cases, and link recordings to a case or take them off it",
    )


# Built-in roles (identity declares them) and what this domain grants each.
_P = EvidencePermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "officer": {_P.RECORDINGS_READ, _P.RECORDINGS_TAG},
    "supervisor": {_P.CASES_READ, _P.CASES_WRITE, _P.RECORDINGS_CLASSIFY, _P.RECORDINGS_READ, _P.RECORDINGS_TAG},
    "evidence_custodian": {
        _P.CASES_READ,
        _P.CASES_WRITE,
        _P.QUARANTINE_READ,
        _P.QUARANTINE_WRITE,
        _P.RECORDINGS_CLASSIFY,
        _P.RECORDINGS_EXPORT,
        _P.RECORDINGS_READ,
        _P.RECORDINGS_READ_ALL,
        _P.RECORDINGS_TAG,
    },
    "records_officer": {_P.CASES_READ, _P.RECORDINGS_READ, _P.RECORDINGS_READ_ALL},
    "oversight": {_P.CASES_READ, _P.QUARANTINE_READ, _P.RECORDINGS_READ, _P.RECORDINGS_READ_ALL},
    "dock": {_P.UPLOADS_WRITE},
}
