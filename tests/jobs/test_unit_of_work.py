"""Jobs use the same unit of work as requests and commands: what an error says to keep is kept."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from openbwc import custody
from openbwc.custody import SYSTEM
from openbwc.custody.models import LedgerEntry
from openbwc.db.session import session_factory
from openbwc.domains import build_registry
from openbwc.jobs import service, task
from openbwc.jobs.runtime import Runtime
from openbwc.kit.errors import NotFound
from openbwc.settings import get_settings
from tests.conftest import BACKENDS, drop_database, migrated_engine


@task("testing.refuse_sealed")
def refuse_sealed(ctx, token: str) -> None:  # type: ignore[no-untyped-def]
    with ctx.transaction() as s:
        custody.record(
            s, actor=SYSTEM, action="testing:sealed:access", object_type="probe", object_id=token, outcome="denied"
        )
        raise NotFound("no recording", code="RECORDING_NOT_FOUND", keep_changes=True)


@task("testing.fail_plainly")
def fail_plainly(ctx, token: str) -> None:  # type: ignore[no-untyped-def]
    with ctx.transaction() as s:
        custody.record(s, actor=SYSTEM, action="testing:plain:write", object_type="probe", object_id=token)
        raise NotFound("nothing here", code="NOTHING")


@pytest.fixture(params=BACKENDS)
def engine_(request):  # type: ignore[no-untyped-def]
    eng = migrated_engine(request.param, "uow")
    yield eng
    drop_database(eng)


def _entries(sessions, token: str) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.object_id == token)) or 0


def test_a_refusal_inside_a_job_keeps_its_ledger_entry(engine_):
    registry = build_registry()
    registry.add_task(refuse_sealed.task_spec)
    registry.add_task(fail_plainly.task_spec)
    settings = get_settings()
    sessions = session_factory(engine_, settings=settings, registry=registry)
    runtime = Runtime(settings, sessions, registry, use_broker=False)
    with sessions() as s:
        kept = service.enqueue(s, refuse_sealed, {"token": "kept"}, created_by="test", recordings=()).id
        dropped = service.enqueue(s, fail_plainly, {"token": "dropped"}, created_by="test", recordings=()).id
        s.commit()
    assert runtime.execute(kept) == "failed"
    assert runtime.execute(dropped) == "failed"
    assert _entries(sessions, "kept") == 1  # the refusal's entry survives the refusal
    assert _entries(sessions, "dropped") == 0  # an ordinary error rolls everything back
