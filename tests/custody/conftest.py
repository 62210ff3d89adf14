"""Custody-ledger fixtures: the signing key, a naive RFC 6962 reference, ledger builders."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from openbwc.custody import Actor, heads, record
from openbwc.custody.keys import ensure_signing_key
from openbwc.custody.models import LedgerEntry
from openbwc.settings import get_settings

ACTOR = Actor("0190a3b4-0000-7000-8000-000000000001", "Test Officer", "req-1", "10.1.2.3")


@pytest.fixture(scope="session", autouse=True)
def ledger_key():
    """The ledger's signing key in the test data dir, as `bwc init` would make it."""
    settings = get_settings()
    ensure_signing_key(settings)
    return heads.public_key(settings)


@pytest.fixture
def interval(monkeypatch):
    """Set the head interval for one test (0: a head at every append)."""

    def set_(seconds: int) -> None:
        monkeypatch.setattr(get_settings(), "ledger_head_interval_s", seconds)

    return set_


@pytest.fixture
def lag(monkeypatch):
    """Set how long after a commit its head may come (tests default to 0: every commit signs)."""

    def set_(seconds: float) -> None:
        monkeypatch.setattr(get_settings(), "ledger_head_lag_s", seconds)

    return set_


def append(db: Session, n: int, *, prefix: str = "obj", **kw) -> list[int]:
    seqs = []
    for i in range(n):
        e = record(
            db, actor=ACTOR, action="test:ledger:append", object_type="thing", object_id=f"{prefix}-{i}",
            details={"i": i}, **kw,
        )
        seqs.append(e.seq)
    db.flush()
    return seqs


def leaves(db: Session) -> list[bytes]:
    return [bytes(x) for x in db.scalars(select(LedgerEntry.leaf).order_by(LedgerEntry.seq))]


def insert_head(db: Session, key) -> int:  # type: ignore[no-untyped-def]
    """Forge a head over the current tree signed with ``key``, written past the service; returns its number."""
    from openbwc.custody import proofs, repository
    from openbwc.kit.time import utcnow

    size = repository.tree_size(db)
    now = utcnow()
    root = proofs.root_at(db, size)
    kid, sig = heads.sign(key, tree_size=size, root_hash=root, at=now)
    number = repository.latest_head(db).number + 1
    db.execute(
        text("INSERT INTO ledger_heads (number, tree_size, root_hash, signed_at, key_id, signature) "
             "VALUES (:n, :s, :r, :t, :k, :g)"),
        {"n": number, "s": size, "r": root, "t": now.replace(tzinfo=None) if db.get_bind().dialect.name == "sqlite"
         else now, "k": kid, "g": sig},
    )
    return number


def drop_triggers(db: Session) -> None:
    """Tampering on purpose: inside the test's transaction, so rolled back with it."""
    if db.get_bind().dialect.name == "postgresql":
        for table in ("ledger_entries", "ledger_heads"):
            db.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
    else:
        for table in ("ledger_entries", "ledger_heads"):
            for verb in ("update", "delete"):
                db.execute(text(f"DROP TRIGGER {table}_no_{verb}"))


# ---- an independent, deliberately naive RFC 6962 implementation (recursion straight from the text) ----


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def naive_k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(d: list[bytes]) -> bytes:
    if not d:
        return _h(b"")
    if len(d) == 1:
        return _h(b"\x00" + d[0])
    k = naive_k(len(d))
    return _h(b"\x01" + naive_mth(d[:k]) + naive_mth(d[k:]))


def naive_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = naive_k(len(d))
    if m < k:
        return naive_path(m, d[:k]) + [naive_mth(d[k:])]
    return naive_path(m - k, d[k:]) + [naive_mth(d[:k])]


def naive_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [naive_mth(d)]
    k = naive_k(n)
    if m <= k:
        return naive_subproof(m, d[:k], b) + [naive_mth(d[k:])]
    return naive_subproof(m - k, d[k:], False) + [naive_mth(d[:k])]


def naive_proof(m: int, d: list[bytes]) -> list[bytes]:
    return naive_subproof(m, d, True)


@pytest.fixture
def fresh_ledger(db: Session, interval) -> Iterator[Session]:
    """A ledger with entries and several signed heads, on top of whatever the database holds."""
    interval(0)
    append(db, 5, prefix="a")
    interval(3600)
    append(db, 30, prefix="b")
    interval(0)
    append(db, 1, prefix="c")
    interval(3600)
    append(db, 4, prefix="d")
    yield db
