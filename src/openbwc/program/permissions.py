"""The permissions of this domain (``scope:resource:action``) and what each built-in role is granted."""

from __future__ import annotations

from openbwc.kit.permissions import Permissions


class ProgramPermissions(Permissions):
    ROLLOUT_READ = "program:rollout:read", "View rollout phases and progress"
    ROLLOUT_WRITE = "program:rollout:write", "Plan rollout phases"
    FORECAST_READ = "program:forecast:read", "Run storage, cost and redaction forecasts"


# Built-in roles (identity declares them) and what this domain grants each.
_P = ProgramPermissions
ROLE_GRANTS: dict[str, set[_P]] = {
    "program_manager": {_P.FORECAST_READ, _P.ROLLOUT_READ, _P.ROLLOUT_WRITE},
    "oversight": {_P.FORECAST_READ, _P.ROLLOUT_READ},
}
