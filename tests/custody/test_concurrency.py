"""Appends from several OS processes never duplicate or skip a sequence number."""

from __future__ import annotations

import multiprocessing
import os

import pytest
from sqlalchemy import select, text

from openbwc.custody import Actor, heads, record, repository
from openbwc.custody.models import LedgerEntry
from openbwc.custody.verify import verify_ledger
from openbwc.settings import get_settings
from tests.conftest import BACKENDS, REGISTRY, app_session, drop_database, migrated_engine
from tests.custody.conftest import drop_triggers

PROCESSES = 4
TRANSACTIONS = 12


def _appender(url: str, worker: int, head_interval: int) -> None:
    """Runs in a forked child: its own engine and connections, nothing shared with the parent."""
    from openbwc.db.session import engine_for, session_factory

    engine_for.cache_clear()
    get_settings().ledger_head_interval_s = head_interval
    engine = engine_for(url)
    sessions = session_factory(engine, settings=get_settings(), registry=REGISTRY)
    actor = Actor(f"proc-{worker}", f"process {worker}")
    for t in range(TRANSACTIONS):
        with sessions() as s:
            for i in range(1 + (t + worker) % 3):  # 1 to 3 entries per transaction
                record(s, actor=actor, action="test:ledger:append", object_type="thing", object_id=f"{worker}-{t}-{i}")
            s.commit()
    engine.dispose()
    os._exit(0)  # skip the parent's atexit handlers and inherited finalisers


@pytest.mark.parametrize("backend", BACKENDS)
def test_appends_from_several_processes(backend, ledger_key):
    engine = migrated_engine(backend, "ledgerproc")
    try:
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()  # no open connection crosses the fork
        ctx = multiprocessing.get_context("fork")
        procs = [ctx.Process(target=_appender, args=(url, w, 0 if w % 2 else 3600)) for w in range(PROCESSES)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
            assert p.exitcode == 0
        with app_session(engine) as db:
            seqs = list(db.scalars(select(LedgerEntry.seq).order_by(LedgerEntry.seq)))
            expected = sum(1 + (t + w) % 3 for w in range(PROCESSES) for t in range(TRANSACTIONS))
            assert seqs == list(range(len(seqs)))  # no gap, and (primary key) no duplicate
            ours = list(db.scalars(select(LedgerEntry.object_id).where(LedgerEntry.action == "test:ledger:append")))
            assert len(ours) == len(set(ours)) == expected  # every append landed exactly once
            numbers = [h.number for h in repository.heads(db)]
            assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 1
            key = heads.public_key(get_settings())
            report = verify_ledger(db, key)
            assert report.ok, report.problems
            # The same check by forked worker processes, in small chunks, on this committed ledger...
            assert verify_ledger(db, key, workers=2, chunk_bits=3).ok
            # ...and after tampering (committed, as an insider would), both find the same entry.
            drop_triggers(db)
            k = len(seqs) // 2
            db.execute(text("UPDATE ledger_entries SET leaf = :leaf WHERE seq = :k"), {"leaf": b"{}", "k": k})
            db.commit()
            for workers in (1, 2):
                report = verify_ledger(db, key, workers=workers, chunk_bits=3)
                assert report.first_bad_entry == k, report.problems
    finally:
        drop_database(engine)
