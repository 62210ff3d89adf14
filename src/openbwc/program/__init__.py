"""The BWC program: rollout phases against the fleet and the agency, and cost forecasts."""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """Rollout and forecasts: API, ``bwc program``, permissions."""
    from openbwc.program import cli, endpoints, models, pages
    from openbwc.program.permissions import ROLE_GRANTS, ProgramPermissions

    registry.add_models(models)
    registry.add_permissions(ProgramPermissions, grants=ROLE_GRANTS)
    registry.add_api(endpoints.router)
    registry.add_cli("program", cli.app)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
