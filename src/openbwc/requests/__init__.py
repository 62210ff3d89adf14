"""Access and release requests: the public portal, deadlines, two-person releases, verifiable packages.

``openbwc.requests.metrics.request_facts(session, ...)`` gives the transparency
site its figures.
"""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """Requests: API (portal and workflow), ``bwc requests``, console and portal pages."""
    from openbwc.kit.provided import REQUEST_FACTS
    from openbwc.requests import cli, endpoints, metrics, models, pages
    from openbwc.requests.permissions import ROLE_GRANTS, RequestsPermissions

    registry.add_models(models)
    registry.add_permissions(RequestsPermissions, grants=ROLE_GRANTS)
    registry.add_api(endpoints.router)
    registry.add_cli("requests", cli.app)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
    registry.add_nav("Requests", "/requests", RequestsPermissions.REQUESTS_READ, order=75)
    registry.add_panel("recording", pages.recording_panel)
    registry.provide(REQUEST_FACTS, metrics.transparency_facts)
