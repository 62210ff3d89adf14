"""Accounts, roles, permissions, sessions, MFA and API tokens."""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """Accounts, roles (the built-in ones are declared here), log-on and tokens."""
    from openbwc.identity import cli, endpoints, models, pages
    from openbwc.identity.access import IdentityAccess
    from openbwc.identity.permissions import ADMIN, ADMIN_DESCRIPTION, BUILTIN_ROLES, ROLE_GRANTS, IdentityPermissions

    registry.add_models(models)
    for name, description in BUILTIN_ROLES.items():
        registry.add_role(name, description)
    registry.add_role(ADMIN, ADMIN_DESCRIPTION, everything_but_reserved=True)
    registry.add_permissions(IdentityPermissions, grants=ROLE_GRANTS)
    registry.set_access(IdentityAccess())
    registry.add_api(endpoints.router)
    registry.add_cli("users", cli.app)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
