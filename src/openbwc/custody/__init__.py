"""The custody ledger: every handling of evidence and every security event.

Callers use :func:`record` and nothing else, so how the ledger stores and
proves entries can change without touching them.
"""

from pathlib import Path

from openbwc.custody.actor import SYSTEM, Actor
from openbwc.custody.service import record

__all__ = ["SYSTEM", "Actor", "record"]


def register(registry):  # type: ignore[no-untyped-def]
    """The ledger's API, CLI (``bwc ledger``, ``bwc custody``), head-signing hook and permissions."""
    from openbwc.custody import cli, endpoints, models, pages, tasks
    from openbwc.custody.permissions import ROLE_GRANTS, CustodyPermissions

    registry.add_models(models)
    registry.add_permissions(CustodyPermissions, grants=ROLE_GRANTS)
    registry.add_api(endpoints.router)
    registry.add_cli("ledger", cli.ledger_app)
    registry.add_cli("custody", cli.custody_app)
    registry.add_tasks(tasks)
    registry.add_nav("Custody ledger", "/custody", CustodyPermissions.LEDGER_READ, order=90)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
