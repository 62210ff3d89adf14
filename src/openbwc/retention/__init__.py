"""Retention: legal holds now; retention periods and disposition build on them (RET-1 to RET-4)."""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """Legal holds: API, ``bwc holds``, console pages and a section on each recording's page."""
    from openbwc.retention import cli, endpoints, models, pages
    from openbwc.retention.permissions import ROLE_GRANTS, RetentionPermissions

    registry.add_models(models)
    registry.add_permissions(RetentionPermissions, grants=ROLE_GRANTS)
    registry.add_api(endpoints.router)
    registry.add_cli("holds", cli.app)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
    registry.add_nav("Legal holds", "/holds", RetentionPermissions.HOLDS_READ, order=80)
    registry.add_panel("recording", pages.recording_panel)
