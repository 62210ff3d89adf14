"""The agency: field offices, divisions, units, people and their BWC training."""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """Offices, people and training: API, ``bwc org``, permissions."""
    from openbwc.kit.provided import ACCOUNT_PERSON, ACTOR_NAMES, LINK_ACCOUNT
    from openbwc.org import accounts, cli, endpoints, models, pages
    from openbwc.org.permissions import ROLE_GRANTS, OrgPermissions

    registry.add_models(models)
    registry.add_permissions(OrgPermissions, grants=ROLE_GRANTS)
    registry.add_api(endpoints.router)
    registry.add_cli("org", cli.app)
    registry.add_nav("Offices", "/offices", OrgPermissions.OFFICES_READ, order=10)
    registry.add_nav("People", "/people", OrgPermissions.PEOPLE_READ, order=20)
    registry.add_nav("Training", "/training", OrgPermissions.TRAINING_READ, order=30)
    registry.provide(ACCOUNT_PERSON, accounts.person_facts)
    registry.provide(LINK_ACCOUNT, accounts.link)
    registry.provide(ACTOR_NAMES, accounts.actor_names)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
