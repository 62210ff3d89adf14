"""The permission catalogue and the built-in roles (DESIGN.md "Who uses it").

Permissions are ``scope:resource:action`` strings. Each domain adds its own
here as it arrives; built-in roles are re-synchronised from this file by
``bwc init``, and administrators may create further roles as data.
"""

from __future__ import annotations

PERMISSIONS: dict[str, str] = {
    "identity:accounts:read": "List and view accounts",
    "identity:accounts:write": "Create, disable and change accounts",
    "identity:roles:read": "List roles and their permissions",
    "identity:roles:write": "Create roles, grant and revoke them",
    "identity:self:read": "View one's own account and permissions",
    "identity:tokens:write": "Create and revoke one's own API tokens",
    "org:offices:read": "View field offices, divisions and units",
    "org:people:read": "View people",
    "org:people:write": "Add and change people",
    "org:training:read": "View training records",
    "org:training:write": "Record training",
    "custody:ledger:read": "Read custody reports (every ledger entry about one item, with proofs)",
    "custody:ledger:audit": "List and search every custody-ledger entry (ledger audits)",
    "devices:cameras:read": "View cameras, their holders and history, docks and telemetry",
    "devices:cameras:write": "Register, import, issue, return cameras and change their status",
    "devices:malfunctions:write": "Report a camera malfunction",
    "devices:telemetry:write": "Report camera telemetry (docks)",
    "devices:docks:write": "Add docks and their machine accounts",
    "program:rollout:read": "View rollout phases and progress",
    "program:rollout:write": "Plan rollout phases",
    "program:forecast:read": "Run storage, cost and redaction forecasts",
    "media:proxies:read": "Watch recordings' browser proxies and thumbnails",
    "media:redactions:read": "View redactions, face tracks, derived items and redaction logs",
    "media:redactions:write": "Prepare and render redactions (boxes, audio ranges, tracks kept)",
    "media:transcripts:read": "Read and search transcripts and PII suggestions",
    "media:transcripts:write": "Request transcripts and viewing copies",
    "media:jobs:read": "View background jobs, their progress and logs",
    "media:jobs:write": "Retry failed background jobs",
    "evidence:uploads:write": "Upload footage (tus) and submit recordings with camera manifests (docks)",
    "evidence:recordings:read": "View recordings one may see: one's own, and one's direct reports'",
    "evidence:recordings:read_all": "View every recording, whoever recorded it",
    "evidence:recordings:export": "Export recordings with their manifest and custody report",
    "evidence:quarantine:read": "List files held in quarantine",
    "evidence:quarantine:write": "Release or reject files held in quarantine",
    "evidence:recordings:classify": "Set a recording's retention category (with a reason) and add or remove its tags",
    "evidence:recordings:tag": "Add or remove tags on the recordings one may see; tags the recording policy acts on "
    "(PRO-1) need evidence:recordings:classify",
    "evidence:cases:read": "List and search cases, and view the recordings linked to a case",
    "evidence:cases:write": "Open cases, and link recordings to a case or take them off it",
    "evidence:sealed:read": "Reach recordings sealed under PRO-1 (First Amendment activity alone): oversight only",
    "policy:policies:read": "View the recording policy in force and its versions; validate policy files",
    "policy:policies:write": "Activate a recording policy file",
    "compliance:activities:read": "View enforcement activities and their officers",
    "compliance:activities:write": "Import, create and update enforcement activities",
    "compliance:findings:read": "View compliance findings, reports and the compliance dashboard",
    "compliance:runs:write": "Run compliance evaluations",
    "compliance:links:read": "View the recordings no activity claims, and the activities of a recording",
    "compliance:links:write": "Link a recording to an activity by hand",
    "compliance:reviews:read": "View supervisor-review assignments and coverage (ACC-4)",
    "compliance:reviews:write": "Draw monthly review samples and record reviews (ACC-4)",
}

_READ_ORG = {"org:offices:read", "org:people:read", "org:training:read"}
_SELF = {"identity:self:read", "identity:tokens:write"}
_FLEET_MANAGE = {"devices:cameras:read", "devices:cameras:write", "devices:malfunctions:write", "devices:docks:write"}
_MEDIA_READ = {"media:proxies:read", "media:redactions:read", "media:transcripts:read", "media:jobs:read"}
_MEDIA = _MEDIA_READ | {"media:redactions:write", "media:transcripts:write", "media:jobs:write"}
_PROGRAM = {"program:rollout:read", "program:rollout:write", "program:forecast:read"}
_EVIDENCE_ALL = {"evidence:recordings:read", "evidence:recordings:read_all"}
_POLICY_READ = {"policy:policies:read"}
# Classifying by hand: a supervisor for the recordings they may see, a custodian for all.
_CLASSIFY = {"evidence:recordings:classify", "evidence:recordings:tag", "evidence:cases:read", "evidence:cases:write"}
_COMPLIANCE_READ = {"policy:policies:read", "compliance:activities:read", "compliance:findings:read"}
_SUPERVISE = _COMPLIANCE_READ | {"compliance:activities:write", "compliance:reviews:read", "compliance:reviews:write"}
_CUSTODIAN_LINKS = {"policy:policies:read", "compliance:activities:read", "compliance:links:read"}
_CUSTODIAN_LINKS |= {"compliance:links:write"}
_COMPLIANCE_MANAGE = _COMPLIANCE_READ | {"policy:policies:write", "compliance:activities:write"}
_COMPLIANCE_MANAGE |= {"compliance:runs:write", "compliance:reviews:read", "compliance:links:read"}
# PRO-1: sealed footage is for oversight alone, not even for technology administrators; and
# so is the full ledger, whose entries name every sealed recording (its seal, every attempt).
# Separation of duties (identity/duties.py): only a holder of these may grant them,
# by role or by account, so an administrator cannot hand them to anyone, itself included.
OVERSIGHT_ONLY: frozenset[str] = frozenset({"evidence:sealed:read", "custody:ledger:audit"})
# The role whose last active holder may not be removed (someone must be able to administer).
ADMIN_ROLE = "admin"

BUILTIN_ROLES: dict[str, tuple[str, set[str]]] = {
    "officer": (
        "Docks a camera, tags own recordings, files reports",
        _SELF | {"org:offices:read", "devices:malfunctions:write", "evidence:recordings:read"} | _POLICY_READ
        | {"evidence:recordings:tag"},
    ),
    "supervisor": (
        "Approves exceptions and stop reasons, reviews sampled footage",
        _SELF | _READ_ORG | {"devices:cameras:read", "devices:malfunctions:write", "evidence:recordings:read"}
        | {"media:proxies:read"}
        | _SUPERVISE
        | _CLASSIFY,
    ),
    "evidence_custodian": (
        "Categories, holds, exports, proposes disposition",
        _SELF
        | _READ_ORG
        | {"custody:ledger:read", "devices:cameras:read"}
        | _EVIDENCE_ALL
        | {"evidence:recordings:export", "evidence:quarantine:read", "evidence:quarantine:write"}
        | _MEDIA
        | _CUSTODIAN_LINKS
        | _CLASSIFY,
    ),
    "program_manager": (
        "Fleet, training, rollout, cost forecasts, compliance dashboards",
        _SELF
        | _READ_ORG
        | {"org:people:write", "org:training:write"}
        | _FLEET_MANAGE
        | _PROGRAM
        | _COMPLIANCE_MANAGE,
    ),
    "records_officer": (
        "Works access and release requests, redacts, releases",
        _SELF | _READ_ORG | _EVIDENCE_ALL | _MEDIA | {"policy:policies:read", "evidence:cases:read"},
    ),
    "oversight": (
        "Civil rights, privacy, inspector general, counsel: read-only everything, ledger audits",
        _SELF
        | _READ_ORG
        | {"custody:ledger:read", "custody:ledger:audit", "identity:accounts:read", "identity:roles:read"}
        | {"devices:cameras:read", "program:rollout:read", "program:forecast:read"}
        | _EVIDENCE_ALL
        | {"evidence:quarantine:read", "evidence:cases:read"}
        | _MEDIA_READ
        | _COMPLIANCE_READ
        | {"compliance:reviews:read", "compliance:links:read"}
        | OVERSIGHT_ONLY,
    ),
    "dock": (
        "A docking station (machine client): uploads footage and reports telemetry",
        {"identity:self:read", "devices:telemetry:write", "devices:malfunctions:write", "evidence:uploads:write"},
    ),
    ADMIN_ROLE: ("Technology administrator: accounts, roles and configuration", set(PERMISSIONS) - OVERSIGHT_ONLY),
}


def is_well_formed(permission: str) -> bool:
    parts = permission.split(":")
    return len(parts) == 3 and all(p and p.replace("_", "").replace("-", "").isalnum() for p in parts)
