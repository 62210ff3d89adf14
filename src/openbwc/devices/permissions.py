"""The permissions of this domain (``scope:resource:action``) and what each built-in role is granted."""

from __future__ import annotations

from openbwc.kit.permissions import Permissions


class DevicesPermissions(Permissions):
    CAMERAS_READ = "devices:cameras:read", "View cameras, their holders and history, docks and telemetry"
    CAMERAS_WRITE = "devices:cameras:write", "Register, import, issue, return cameras and change their status"
    MALFUNCTIONS_WRITE = "devices:malfunctions:write", "Report a camera malfunction"
    TELEMETRY_WRITE = "devices:telemetry:write", "Report camera telemetry (docks)"
    DOCKS_WRITE = "devices:docks:write", "Add docks and their machine accounts"


# Built-in roles (identity declares them) and what this domain grants each.
_P = DevicesPermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "officer": {_P.MALFUNCTIONS_WRITE},
    "supervisor": {_P.CAMERAS_READ, _P.MALFUNCTIONS_WRITE},
    "evidence_custodian": {_P.CAMERAS_READ},
    "program_manager": {_P.CAMERAS_READ, _P.CAMERAS_WRITE, _P.DOCKS_WRITE, _P.MALFUNCTIONS_WRITE},
    "oversight": {_P.CAMERAS_READ},
    "dock": {_P.MALFUNCTIONS_WRITE, _P.TELEMETRY_WRITE},
}
