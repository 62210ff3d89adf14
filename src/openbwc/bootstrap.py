"""``bwc init``: make a data directory ready to serve, idempotently.

Creates the directories and secrets, migrates the database, refreshes the
built-in roles and the agency's reference data, and makes sure there is a
first administrator.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from openbwc import migrations
from openbwc.custody.actor import cli_actor
from openbwc.custody.keys import ensure_signing_key
from openbwc.db.session import get_engine, registry_of, session_factory, unit_of_work
from openbwc.identity import duties
from openbwc.identity import repository as identity_repo
from openbwc.identity import service as identity
from openbwc.kit.registry import Registry
from openbwc.kit.secrets import ensure_secret_file, secret_key_path
from openbwc.org import service as org
from openbwc.settings import Settings

DEFAULT_ADMIN = "admin@openbwc.org"


@dataclass
class InitResult:
    data_dir: str
    database_url: str
    created_secret_key: bool
    created_signing_key: bool
    admin_email: str | None
    admin_password: str | None  # only when generated here, to be shown once


def prepare_directories(settings: Settings) -> None:
    data = settings.resolved_data_dir
    data.mkdir(parents=True, exist_ok=True)
    for sub in ("objects", "secrets", "tmp"):
        (data / sub).mkdir(exist_ok=True)
    os.chmod(data / "secrets", 0o700)


def seed_reference(session: Session) -> None:
    identity.sync_builtin_roles(session, registry_of(session))
    org.ensure_reference_data(session)


def init(
    settings: Settings, registry: Registry, admin_email: str | None = None, admin_password: str | None = None
) -> InitResult:
    prepare_directories(settings)
    created_secret = False if settings.secret_key else ensure_secret_file(secret_key_path(settings))
    created_signing = ensure_signing_key(settings)
    engine = get_engine(settings)
    migrations.upgrade(engine)
    generated: str | None = None
    email_out: str | None = None
    with unit_of_work(session_factory(engine, settings=settings, registry=registry)) as session:
        seed_reference(session)
        actor = cli_actor()
        has_admin = bool(identity_repo.list_accounts(session, limit=1, offset=0, role="admin")[1])
        if admin_email:
            email_out = identity.normalise_email(admin_email)
            if identity_repo.account_by_email(session, email_out) is None:
                if admin_password is None:
                    admin_password = generated = secrets.token_urlsafe(15)
                identity.create_account(
                    session,
                    actor,
                    email=email_out,
                    display_name="Administrator",
                    roles=["admin"],
                    password=admin_password,
                    authority=duties.SHELL,
                )
        elif not has_admin:
            email_out = DEFAULT_ADMIN
            generated = secrets.token_urlsafe(15)
            identity.create_account(
                session,
                actor,
                email=DEFAULT_ADMIN,
                display_name="Administrator",
                roles=["admin"],
                password=generated,
                authority=duties.SHELL,
            )
    return InitResult(
        data_dir=str(settings.resolved_data_dir),
        database_url=engine.url.render_as_string(hide_password=True),
        created_secret_key=created_secret,
        created_signing_key=created_signing,
        admin_email=email_out,
        admin_password=generated,
    )
