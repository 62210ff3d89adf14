"""Sharing derived items with prosecutors and defence: per-recipient links that expire or are revoked.

A custodian or records officer makes a link for one recipient (view-only
streaming, or streaming and download) to a derived item they may see. The
recipient opens ``/shared/{token}`` without an account; a revoked, expired or
unknown token answers exactly alike. Every making, revoking, viewing and
downloading is in the custody ledger.
"""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """Shares: API, public link pages, ``bwc shares``, console pages."""
    from openbwc.sharing import cli, endpoints, models, pages
    from openbwc.sharing.permissions import ROLE_GRANTS, SharingPermissions

    registry.add_models(models)
    registry.add_permissions(SharingPermissions, grants=ROLE_GRANTS)
    registry.add_api(endpoints.router)
    registry.add_cli("shares", cli.app)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
    registry.add_nav("Shared links", "/shares", SharingPermissions.SHARES_READ, order=85)
