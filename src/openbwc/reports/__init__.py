"""Initial reports and viewing before the report (POLICY.md ACC-3).

For the incident types the policy lists (``viewing_before_report`` in the policy
file), an officer may not open their own footage until they have filed their
initial report on it (:mod:`.gate`, called by every read of footage in media).
A report's first version is kept unchangeable: later edits are new versions.
"""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """Initial reports: API, ``bwc reports``, console pages."""
    from openbwc.reports import cli, endpoints, models, pages
    from openbwc.reports.permissions import ROLE_GRANTS, ReportsPermissions

    registry.add_models(models)
    registry.add_permissions(ReportsPermissions, grants=ROLE_GRANTS)
    registry.add_api(endpoints.router)
    registry.add_cli("reports", cli.app)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
    registry.add_nav("Reports", "/reports", ReportsPermissions.REPORTS_READ, order=35)
