"""The camera fleet: cameras, who holds them when, docks, telemetry, malfunctions.

Other domains use :mod:`openbwc.devices.service` (``camera_by_serial``,
``holder_at``, ``camera_key_id``, ``public_key_of``) and nothing deeper.
"""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """Cameras, docks, malfunctions: API, ``bwc cameras``, ``bwc docks``, permissions."""
    from openbwc.devices import cli, endpoints, models, pages
    from openbwc.devices.permissions import ROLE_GRANTS, DevicesPermissions

    registry.add_models(models)
    registry.add_permissions(DevicesPermissions, grants=ROLE_GRANTS)
    registry.add_api(endpoints.router)
    registry.add_cli("cameras", cli.cameras_app)
    registry.add_cli("docks", cli.docks_app)
    registry.add_nav("Fleet", "/fleet", DevicesPermissions.CAMERAS_READ, order=40)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
