"""The permissions of this domain (``scope:resource:action``) and what each built-in role is granted."""

from __future__ import annotations

from openbwc.kit.permissions import Permissions


class MediaPermissions(Permissions):
    PROXIES_READ = "media:proxies:read", "Watch recordings' browser proxies and thumbnails"
    REDACTIONS_READ = "media:redactions:read", "View redactions, face tracks, derived items and redaction logs"
    REDACTIONS_WRITE = "media:redactions:write", "Prepare and render redactions (boxes, audio ranges, tracks kept)"
    TRANSCRIPTS_READ = "media:transcripts:read", "Read and search transcripts and PII suggestions"
    TRANSCRIPTS_WRITE = "media:transcripts:write", "Request transcripts and viewing copies"


# Built-in roles (identity declares them) and what this domain grants each.
_P = MediaPermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "supervisor": {_P.PROXIES_READ},
    "evidence_custodian": {
        _P.PROXIES_READ,
        _P.REDACTIONS_READ,
        _P.REDACTIONS_WRITE,
        _P.TRANSCRIPTS_READ,
        _P.TRANSCRIPTS_WRITE,
    },
    "records_officer": {
        _P.PROXIES_READ,
        _P.REDACTIONS_READ,
        _P.REDACTIONS_WRITE,
        _P.TRANSCRIPTS_READ,
        _P.TRANSCRIPTS_WRITE,
    },
    "oversight": {_P.PROXIES_READ, _P.REDACTIONS_READ, _P.TRANSCRIPTS_READ},
}
