"""The public transparency site: the program's figures per office and month, no log-on.

Reads what lower domains hold (offices and training, cameras, recordings,
compliance findings, the policy in force, the ledger's heads) and what other
domains provide through the registry (``kit.provided``: request figures).
"""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """The public page (``/transparency``), its JSON and CSV downloads, and a menu entry."""
    from openbwc.transparency import endpoints, pages

    registry.add_api(endpoints.router)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
    registry.add_nav("Transparency", "/transparency", None, order=200)
