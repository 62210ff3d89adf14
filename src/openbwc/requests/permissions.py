"""Requests' permissions (``scope:resource:action``) and what each built-in role is granted.

Requester personal data (name, contact, identity, messages) is its own permission,
held by records roles alone (issue 13): oversight follows requests and their
deadlines without it, and supervisors and officers hold nothing here.
"""

from __future__ import annotations

from openbwc.kit.permissions import Permissions


class RequestsPermissions(Permissions):
    REQUESTS_READ = "requests:requests:read", "View access and release requests, their deadlines and recordings"
    REQUESTS_WRITE = (
        "requests:requests:write",
        "Work requests: intake, search for recordings, link them (placing a hold), extend, deny, close, message",
    )
    REQUESTERS_READ = (
        "requests:requesters:read",
        "See requesters' personal data: name, contact, identity and their messages (records roles only)",
    )
    RELEASES_WRITE = "requests:releases:write", "Prepare a release of redacted copies for a request"
    RELEASES_APPROVE = (
        "requests:releases:approve",
        "Approve a release another person prepared (two people): it then reaches the requester",
    )
    METRICS_READ = "requests:metrics:read", "Read request figures: counts, days to release, overdue"


_P = RequestsPermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "records_officer": set(_P),
    "oversight": {_P.REQUESTS_READ, _P.METRICS_READ},
    "program_manager": {_P.METRICS_READ},
}
