"""Retention (RET-1 to RET-4): legal holds, each recording's retain-until and why, disposition by two people."""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """Holds, retain-until dates, dispositions and certificates: API, ``bwc holds``, ``bwc retention``,
    console pages, a daily job, recomputation on events and sections on each recording's page."""
    from openbwc.retention import (
        cli,
        disposition_endpoints,
        disposition_pages,
        endpoints,
        holds_cli,
        models,
        pages,
        subscribers,
        tasks,
    )
    from openbwc.retention.permissions import ROLE_GRANTS, RetentionPermissions

    templates = Path(__file__).parent / "templates"
    registry.add_models(models)
    registry.add_permissions(RetentionPermissions, grants=ROLE_GRANTS)
    registry.add_api(endpoints.router)
    registry.add_api(disposition_endpoints.router)
    registry.add_cli("holds", holds_cli.app)
    registry.add_cli("retention", cli.app)
    registry.add_tasks(tasks)
    subscribers.register(registry)
    registry.add_pages(pages.router, templates=templates)
    registry.add_pages(disposition_pages.router, templates=templates)
    registry.add_nav("Legal holds", "/holds", RetentionPermissions.HOLDS_READ, order=80)
    registry.add_nav("Retention", "/retention", RetentionPermissions.RETENTION_READ, order=81)
    registry.add_panel("recording", disposition_pages.recording_panel)
    registry.add_panel("recording", pages.recording_panel)
