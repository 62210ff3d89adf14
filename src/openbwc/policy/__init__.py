"""The recording policy as data (POLICY.md): versioned YAML files, not code.

For now this holds the default retention categories (RET-3) that the program
forecast needs; the recording rules (TRG, EXC) and an "active policy" table
join the same file and package later.
"""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """The recording policy: API, ``bwc policy``, permissions."""
    from openbwc.policy import cli, endpoints, models, pages
    from openbwc.policy.permissions import ROLE_GRANTS, PolicyPermissions

    registry.add_models(models)
    registry.add_permissions(PolicyPermissions, grants=ROLE_GRANTS)
    registry.add_api(endpoints.router)
    registry.add_cli("policy", cli.app)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
