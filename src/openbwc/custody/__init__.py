"""The custody ledger: every handling of evidence and every security event.

Callers use :func:`record` and nothing else, so how the ledger stores and
proves entries can change without touching them.
"""

from openbwc.custody.actor import SYSTEM, Actor
from openbwc.custody.service import record

__all__ = ["SYSTEM", "Actor", "record"]


def register(registry):  # type: ignore[no-untyped-def]
    """The ledger's API, CLI (``bwc ledger``, ``bwc custody``), head-signing hook and permissions."""
    from openbwc.custody import cli, endpoints, models, tasks
    from openbwc.custody.permissions import ROLE_GRANTS, CustodyPermissions

    registry.add_models(models)
    registry.add_permissions(CustodyPermissions)
    for role, perms in ROLE_GRANTS.items():
        registry.grant(role, perms)
    registry.add_api(endpoints.router)
    registry.add_cli("ledger", cli.ledger_app)
    registry.add_cli("custody", cli.custody_app)
    registry.add_tasks(tasks)
    registry.add_nav("Custody ledger", "/custody", CustodyPermissions.LEDGER_READ, order=90)
