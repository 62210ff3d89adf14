"""The database connection killed mid-request (pg_terminate_backend, as a restart or a failover
does): a clean, retryable 503 DATABASE_UNAVAILABLE, nothing half-written, then success.

Only this test's own backends are terminated: the PostgreSQL server is shared.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, func, select, text

from openbwc.api.app import create_app
from openbwc.custody.models import LedgerEntry
from openbwc.db.session import session_factory
from openbwc.identity.models import Account
from tests import services
from tests.conftest import REGISTRY, drop_database, migrated_engine
from tests.factories import bearer, make_account

pytestmark = [pytest.mark.needs_postgres, pytest.mark.fault]


@pytest.fixture
def pg_engine():
    engine = migrated_engine("postgres", "dblost")
    yield engine
    drop_database(engine)


def test_a_connection_killed_mid_request_is_a_retryable_503_then_success(pg_engine, settings):
    sessions = session_factory(pg_engine, settings=settings, registry=REGISTRY)
    with sessions() as db:
        headers = bearer(db, make_account(db, "admin").account)
        db.commit()
    app = create_app(settings.model_copy(update={"verify_schedule": False}), sessions=sessions)
    admin = create_engine(services.postgres_url(), isolation_level="AUTOCOMMIT")
    armed = {"on": False, "killed": 0}

    @event.listens_for(pg_engine, "before_cursor_execute")
    def kill_mid_write(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        # Once the account row is written and the ledger entry is next: the backend goes away.
        if armed["on"] and statement.lstrip().upper().startswith("INSERT INTO LEDGER_ENTRIES"):
            armed["on"] = False
            pid = conn.connection.dbapi_connection.info.backend_pid
            with admin.connect() as a:
                a.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            armed["killed"] += 1

    body = {"email": "lost.connection@example.gov", "display_name": "Lost Connection", "roles": ["officer"],
            "password": "a long enough password 1"}
    try:
        with TestClient(app, base_url="https://testserver") as client:
            assert client.get("/api/v1/accounts", headers=headers).status_code == 200
            with sessions() as db:
                before = db.scalar(select(func.count()).select_from(LedgerEntry))
            armed["on"] = True
            r = client.post("/api/v1/accounts", headers=headers, json=body)
            assert armed["killed"] == 1
            assert r.status_code == 503, r.text
            assert r.json()["code"] == "DATABASE_UNAVAILABLE" and r.headers["retry-after"] == "2"
            with sessions() as db:  # nothing partial: no account, no ledger entry
                assert db.scalar(select(func.count()).where(Account.email == body["email"])) == 0
                assert db.scalar(select(func.count()).select_from(LedgerEntry)) == before
            # The client retries as told: the pool checks its next connection and the write goes through.
            r = client.post("/api/v1/accounts", headers=headers, json=body)
            assert r.status_code == 201, r.text
            with sessions() as db:
                assert db.scalar(select(func.count()).where(Account.email == body["email"])) == 1
    finally:
        event.remove(pg_engine, "before_cursor_execute", kill_mid_write)
        admin.dispose()
