"""The BWC program: rollout phases against the fleet and the agency, and cost forecasts."""


def register(registry):  # type: ignore[no-untyped-def]
    """Rollout and forecasts: API, ``bwc program``, permissions."""
    from openbwc.program import cli, endpoints, models
    from openbwc.program.permissions import ROLE_GRANTS, ProgramPermissions

    registry.add_models(models)
    registry.add_permissions(ProgramPermissions)
    for role, perms in ROLE_GRANTS.items():
        registry.grant(role, perms)
    registry.add_api(endpoints.router)
    registry.add_cli("program", cli.app)
