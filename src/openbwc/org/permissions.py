"""The permissions of this domain (``scope:resource:action``) and what each built-in role is granted."""

from __future__ import annotations

from openbwc.kit.permissions import Permissions


class OrgPermissions(Permissions):
    OFFICES_READ = "org:offices:read", "View field offices, divisions and units"
    PEOPLE_READ = "org:people:read", "View people"
    PEOPLE_WRITE = "org:people:write", "Add and change people"
    TRAINING_READ = "org:training:read", "View training records"
    TRAINING_WRITE = "org:training:write", "Record training"


# Built-in roles (identity declares them) and what this domain grants each.
_P = OrgPermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "officer": {_P.OFFICES_READ},
    "supervisor": {_P.OFFICES_READ, _P.PEOPLE_READ, _P.TRAINING_READ},
    "evidence_custodian": {_P.OFFICES_READ, _P.PEOPLE_READ, _P.TRAINING_READ},
    "program_manager": {_P.OFFICES_READ, _P.PEOPLE_READ, _P.PEOPLE_WRITE, _P.TRAINING_READ, _P.TRAINING_WRITE},
    "records_officer": {_P.OFFICES_READ, _P.PEOPLE_READ, _P.TRAINING_READ},
    "oversight": {_P.OFFICES_READ, _P.PEOPLE_READ, _P.TRAINING_READ},
}
