"""The job runtime's hook signs heads over entries that a quiet spell left uncovered."""

from __future__ import annotations

import logging

from openbwc.custody import repository, tasks
from tests.conftest import REGISTRY, session_on
from tests.custody.conftest import append


def test_the_hook_is_registered_with_the_job_runtime():
    assert tasks.sign_pending_head in REGISTRY.periodic


def test_a_quiet_spell_still_gets_its_entries_signed(db, connection, interval, lag):
    lag(3600)  # commits leave their tail to a timer (none on a test's shared connection): the tick signs it
    interval(0)
    append(db, 2)
    before = repository.latest_head(db)
    interval(3600)
    append(db, 3)  # a burst within the interval: its own appends sign nothing
    db.commit()
    tasks.sign_pending_head(lambda: session_on(connection))
    assert repository.latest_head(db).number == before.number  # the latest head is not an interval old yet

    interval(0)  # ... now it is
    tasks.sign_pending_head(lambda: session_on(connection))
    latest = repository.latest_head(db)
    assert latest.number == before.number + 1 and latest.tree_size == repository.tree_size(db)

    tasks.sign_pending_head(lambda: session_on(connection))  # nothing new: no new head
    assert repository.latest_head(db).number == latest.number


def test_a_missing_key_is_reported_once_and_changes_nothing(db, connection, interval, lag, monkeypatch, caplog):
    lag(3600)
    interval(0)
    append(db, 1)
    db.commit()
    monkeypatch.setattr(tasks, "_warned", set())
    monkeypatch.setattr(tasks.service.heads, "signing_key", _no_key)
    interval(3600)
    append(db, 1)
    db.commit()
    interval(0)
    before = repository.latest_head(db).number
    with caplog.at_level(logging.ERROR, logger=tasks.__name__):
        tasks.sign_pending_head(lambda: session_on(connection))
        tasks.sign_pending_head(lambda: session_on(connection))
    assert repository.latest_head(db).number == before
    said = [r.getMessage() for r in caplog.records if r.name == tasks.__name__]
    assert len(said) == 1 and "LEDGER_KEY_MISSING" not in said[0]  # once, in plain words, not a code


def _no_key(settings):
    raise tasks.service.heads.SigningKeyMissing("no signing key in the data dir: run `bwc init`")
