"""The permissions of this domain (``scope:resource:action``) and what each built-in role is granted."""

from __future__ import annotations

from openbwc.kit.permissions import Permissions


class JobsPermissions(Permissions):
    READ = "media:jobs:read", "View background jobs, their progress and logs"
    WRITE = "media:jobs:write", "Retry failed background jobs"


# Built-in roles (identity declares them) and what this domain grants each.
_P = JobsPermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "evidence_custodian": {_P.READ, _P.WRITE},
    "records_officer": {_P.READ, _P.WRITE},
    "oversight": {_P.READ},
}
