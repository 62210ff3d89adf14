"""Shared fixtures.

Every database test runs on SQLite and, when ``BWC_TEST_POSTGRES_URL`` is set,
on PostgreSQL too (otherwise its PostgreSQL half is skipped with the reason; see
tests/services.py for every service and BWC_REQUIRE_SERVICES). Each database is migrated with Alembic once per test
session; each test runs inside a transaction that is rolled back at the end.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

# Before anything reads settings: a private data dir and cheap (still Argon2id) hashing.
_DATA = tempfile.mkdtemp(prefix="bwc-test-")
os.environ["BWC_DATA_DIR"] = _DATA
os.environ["BWC_ARGON2_TIME_COST"] = "1"
os.environ["BWC_ARGON2_MEMORY_KIB"] = "1024"
# Every commit that appends to the ledger signs its head at once: no tail left to a timer
# that could fire into a later test's database (tests/custody/test_heads_at_commit.py sets a lag).
os.environ["BWC_LEDGER_HEAD_LAG_S"] = "0"
os.environ.pop("BWC_DATABASE_URL", None)
os.environ.pop("BWC_STORAGE_URL", None)

from openbwc import migrations, shell  # noqa: E402
from openbwc.bootstrap import seed_reference  # noqa: E402
from openbwc.custody.keys import ensure_signing_key  # noqa: E402
from openbwc.db.session import engine_for  # noqa: E402
from openbwc.domains import default_registry  # noqa: E402
from openbwc.settings import get_settings, reset_settings_cache  # noqa: E402

reset_settings_cache()
REGISTRY = default_registry()
# Built-in role -> the permissions the domains grant it.
ROLES: dict[str, set[str]] = {name: spec.permissions for name, spec in REGISTRY.roles.items()}
# `bwc` commands called straight from tests (not through the root) use the same registry.
shell.install(REGISTRY)
# The ledger signs tree heads as entries arrive; tests get a key like `bwc init` makes.
ensure_signing_key(get_settings())

from tests import services  # noqa: E402

# Every database test runs on both; the PostgreSQL half is skipped with the reason
# (or fails, under BWC_REQUIRE_SERVICES=1) where no server is configured or answers.
BACKENDS = ["sqlite", "postgres"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with the services it needs (`-m "not needs_postgres"` and so on)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        parts = set(callspec.id.split("-")) if callspec else set()
        names = set(getattr(item, "fixturenames", ()))
        if "postgres" in parts:
            item.add_marker(pytest.mark.needs_postgres)
        if "s3" in parts:
            item.add_marker(pytest.mark.needs_s3)
        if "redis_url" in names or item.get_closest_marker("needs_redis"):
            item.add_marker(pytest.mark.needs_redis)
        if {"browser", "page"} & names:
            item.add_marker(pytest.mark.needs_browser)


@pytest.fixture
def redis_url() -> str:
    """A Redis server of this test process (database 0); skipped with the reason if none can run."""
    return services.redis_url(0)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def fresh_database_url(backend: str, name: str) -> str:
    """A new, empty database for this worker: a SQLite file, or a PostgreSQL database."""
    if backend == "sqlite":
        path = os.path.join(_DATA, f"{name}-{_worker()}.sqlite3")
        if os.path.exists(path):
            os.remove(path)
        return f"sqlite:///{path}"
    base = make_url(services.postgres_url())
    # The pid keeps concurrent test runs on one server apart; dropped at teardown.
    dbname = f"bwc_{name}_{_worker()}_{os.getpid()}".lower()
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{dbname}"'))
    admin.dispose()
    return base.set(database=dbname).render_as_string(hide_password=False)


def migrated_engine(backend: str, name: str) -> Engine:
    engine = engine_for(fresh_database_url(backend, name))
    migrations.upgrade(engine)
    with app_session(engine) as session:
        seed_reference(session)
        session.commit()
    return engine


def drop_database(engine: Engine) -> None:
    engine.dispose()
    if engine.dialect.name == "postgresql":
        admin = create_engine(make_url(services.postgres_url()), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{engine.url.database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def shell_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A migrated SQLite database of its own that `bwc` commands reach through BWC_DATABASE_URL."""
    eng = migrated_engine("sqlite", "shell")
    monkeypatch.setenv("BWC_DATABASE_URL", eng.url.render_as_string(hide_password=False))
    reset_settings_cache()
    yield eng
    monkeypatch.delenv("BWC_DATABASE_URL")
    reset_settings_cache()
    drop_database(eng)


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    eng = migrated_engine(request.param, "test")
    yield eng
    drop_database(eng)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


def context_info() -> dict:
    """What an app's sessions carry (db.session.session_factory): its settings and registry."""
    return {"settings": get_settings(), "registry": REGISTRY}


def app_session(bind: Engine | Connection, **kw) -> Session:
    """A session as the app makes them, on ``bind``."""
    return Session(bind=bind, info=context_info(), **kw)


def session_on(conn: Connection) -> Session:
    # Commits inside the code under test only release a savepoint: the outer
    # transaction is rolled back when the test ends.
    return app_session(conn, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    session = session_on(connection)
    yield session
    session.close()


@pytest.fixture
def settings():
    return get_settings()


@pytest.fixture
def app(connection: Connection, settings):
    from openbwc.api.app import create_app

    return create_app(settings, sessions=lambda: session_on(connection))


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as c:
        yield c
