"""Ledger queries: every SQL statement the custody ledger runs is here."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Row, func, insert, or_, select, text
from sqlalchemy.orm import Session

from openbwc.custody import merkle
from openbwc.custody.models import LedgerEntry, LedgerHead
from openbwc.kit.errors import IntegrityFailure

# One PostgreSQL advisory lock serialises appends across processes; the key is
# derived from a name so it cannot collide with another feature's lock by accident.
_LOCK_KEY = int.from_bytes(hashlib.sha256(b"openbwc.custody.ledger.append").digest()[:8], "big", signed=True)

_ENTRY_STREAM = (LedgerEntry.seq, LedgerEntry.leaf, LedgerEntry.leaf_hash, LedgerEntry.subtree_hashes)


def stored_bytes(value: Any, seq: int, column: str) -> bytes:
    """A BLOB column's value as bytes, whatever someone with the database file left there.

    SQLite lets text into a BLOB column (``UPDATE ... SET leaf = replace(leaf, ...)``
    stores text): it is taken as its UTF-8 bytes, what was written, so the hashes
    judge it like any other edit. Anything else (a number, NULL) is refused.
    """
    if isinstance(value, bytes):
        return value
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    raise IntegrityFailure(
        f"entry {seq}: its stored {column} is {type(value).__name__}, not bytes: it was rewritten outside openbwc; "
        "run `bwc ledger verify`",
        code="LEDGER_ENTRY_CORRUPT",
        detail={"seq": seq, "column": column},
    )


def lock_ledger(session: Session) -> None:
    """Hold the ledger's append lock until this transaction ends.

    PostgreSQL: a transaction-scoped advisory lock. Taken before reading the tree
    size, so under READ COMMITTED the next statement sees every append committed
    by the previous holder. SQLite: nothing to do, the engine opens every
    transaction with BEGIN IMMEDIATE, which already admits one writer at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def tree_size(session: Session) -> int:
    current = session.scalar(select(func.max(LedgerEntry.seq)))
    return 0 if current is None else current + 1


def count_entries(session: Session, start: int = 0) -> int:
    """How many entries are stored from ``start`` on (an index range count)."""
    stmt = select(func.count()).select_from(LedgerEntry)
    if start:
        stmt = stmt.where(LedgerEntry.seq >= start)
    return session.scalar(stmt) or 0


def node_hashes(session: Session, nodes: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    """Stored hashes of perfect subtrees, read with one query on the rows that completed them."""
    wanted = set(nodes)
    if not wanted:
        return {}
    seqs = {merkle.completing_seq(n) for n in wanted}
    rows = {
        r.seq: r
        for r in session.execute(
            select(LedgerEntry.seq, LedgerEntry.leaf_hash, LedgerEntry.subtree_hashes).where(LedgerEntry.seq.in_(seqs))
        )
    }
    out: dict[merkle.Node, bytes] = {}
    for node in wanted:
        level, _ = node
        row = rows.get(merkle.completing_seq(node))
        if row is None:
            raise IntegrityFailure(
                f"ledger entry {merkle.completing_seq(node)} is missing: run `bwc ledger verify`",
                code="LEDGER_ENTRY_MISSING",
            )
        if level == 0:
            out[node] = stored_bytes(row.leaf_hash, row.seq, "leaf hash")
        else:
            hashes = stored_bytes(row.subtree_hashes, row.seq, "subtree hashes")
            h = hashes[(level - 1) * merkle.HASH_SIZE : level * merkle.HASH_SIZE]
            if len(h) != merkle.HASH_SIZE:
                raise IntegrityFailure(
                    f"ledger entry {row.seq} lacks its level-{level} subtree hash: run `bwc ledger verify`",
                    code="LEDGER_NODE_MISSING",
                )
            out[node] = h
    return out


# Built once: appends run these per entry, and building a statement costs more than running it.
_INSERT_ENTRY = insert(LedgerEntry.__table__)


def insert_entries(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Plain INSERT (executemany for several rows): appends skip the ORM unit of work."""
    if rows:
        session.connection().execute(_INSERT_ENTRY, list(rows))




def latest_head(session: Session) -> LedgerHead | None:
    return session.scalars(select(LedgerHead).order_by(LedgerHead.number.desc()).limit(1)).first()


def head_by_number(session: Session, number: int) -> LedgerHead | None:
    return session.get(LedgerHead, number)


def heads(
    session: Session, *, limit: int | None = None, offset: int = 0, newest_first: bool = False
) -> list[LedgerHead]:
    order = LedgerHead.number.desc() if newest_first else LedgerHead.number
    stmt = select(LedgerHead).order_by(order).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def head_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerHead)) or 0


def entry(session: Session, seq: int) -> LedgerEntry | None:
    return session.get(LedgerEntry, seq)


def stream_entries(session: Session, chunk: int, start: int = 0, end: int | None = None) -> Iterator[list[Row[Any]]]:
    """(seq, leaf, leaf_hash, subtree_hashes) in seq order, ``chunk`` rows at a time.

    A server-side cursor on PostgreSQL, so a million entries never sit in memory at once.
    """
    session.flush()  # a Core query on the connection bypasses autoflush
    stmt = select(*_ENTRY_STREAM).where(LedgerEntry.seq >= start).order_by(LedgerEntry.seq)
    if end is not None:
        stmt = stmt.where(LedgerEntry.seq < end)
    # Per statement: Connection.execution_options() would change the connection for good.
    result = session.connection().execute(stmt, execution_options={"stream_results": True, "yield_per": chunk})
    yield from result.partitions(chunk)


_cursor_names = itertools.count()


def stream_hash_rows(session: Session, chunk: int) -> Iterator[list[tuple[bytes, bytes, bytes]]]:
    """(leaf, leaf_hash, subtree_hashes) of every entry in seq order, through the driver's own cursor.

    Full verification reads millions of rows; building SQLAlchemy Row objects
    would cost more per row than hashing the entry. A server-side cursor on
    PostgreSQL, in the session's transaction, so nothing uncommitted is missed.
    """
    session.flush()  # the driver's cursor bypasses autoflush
    conn = session.connection()
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        # Binary results: bytea as text is hex, and decoding it doubles the read time.
        cur = raw.cursor(name=f"openbwc_ledger_verify_{next(_cursor_names)}", binary=True)
    else:
        cur = raw.cursor()
    try:
        cur.execute("SELECT leaf, leaf_hash, subtree_hashes FROM ledger_entries ORDER BY seq")
        while rows := cur.fetchmany(chunk):
            yield rows
    finally:
        cur.close()


def stream_full(session: Session, chunk: int, start: int = 0, end: int | None = None) -> Iterator[list[LedgerEntry]]:
    """Whole entries (query columns included), in seq order, for the deep check."""
    stmt = select(LedgerEntry).where(LedgerEntry.seq >= start).order_by(LedgerEntry.seq)
    if end is not None:
        stmt = stmt.where(LedgerEntry.seq < end)
    result = session.execute(stmt, execution_options={"stream_results": True, "yield_per": chunk})
    for part in result.scalars().partitions(chunk):
        yield list(part)


def stream_leaves(session: Session, end: int, chunk: int = 10_000) -> Iterator[bytes]:
    """Leaf bytes of entries ``0 .. end-1`` in order (the export)."""
    session.flush()  # a Core query on the connection bypasses autoflush
    stmt = select(LedgerEntry.seq, LedgerEntry.leaf).where(LedgerEntry.seq < end).order_by(LedgerEntry.seq)
    result = session.connection().execute(stmt, execution_options={"stream_results": True, "yield_per": chunk})
    for part in result.partitions(chunk):
        for seq, leaf in part:
            yield stored_bytes(leaf, seq, "content")


def _filters(
    *, action: str | None, actor_id: str | None, object_type: str | None, object_id: str | None,
    evidence_sha256: str | None, outcome: str | None,
) -> list[Any]:
    conds: list[Any] = []
    for col, value in (
        (LedgerEntry.action, action), (LedgerEntry.actor_id, actor_id), (LedgerEntry.object_type, object_type),
        (LedgerEntry.object_id, object_id), (LedgerEntry.evidence_sha256, evidence_sha256),
        (LedgerEntry.outcome, outcome),
    ):
        if value is not None:
            conds.append(col == value)
    return conds


def list_entries(
    session: Session,
    *,
    limit: int,
    offset: int,
    newest_first: bool = True,
    action: str | None = None,
    actor_id: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    evidence_sha256: str | None = None,
    outcome: str | None = None,
) -> tuple[list[LedgerEntry], int]:
    conds = _filters(
        action=action, actor_id=actor_id, object_type=object_type, object_id=object_id,
        evidence_sha256=evidence_sha256, outcome=outcome,
    )
    order = LedgerEntry.seq.desc() if newest_first else LedgerEntry.seq
    rows = list(session.scalars(select(LedgerEntry).where(*conds).order_by(order).limit(limit).offset(offset)))
    if conds:
        total = session.scalar(select(func.count()).select_from(LedgerEntry).where(*conds)) or 0
    else:
        # The tree size is the count, and far cheaper than COUNT(*) over millions of rows.
        total = tree_size(session)
    return rows, total


def entries_about(session: Session, item: str, *, below: int | None = None) -> list[LedgerEntry]:
    """Entries whose object id is ``item`` or whose evidence SHA-256 is ``item``."""
    conds: list[Any] = [LedgerEntry.object_id == item]
    if len(item) == 64:
        conds.append(LedgerEntry.evidence_sha256 == item.lower())
    stmt = select(LedgerEntry).where(or_(*conds)).order_by(LedgerEntry.seq)
    if below is not None:
        stmt = stmt.where(LedgerEntry.seq < below)
    return list(session.scalars(stmt))


def entries_for_object(session: Session, object_type: str, object_id: str) -> Sequence[LedgerEntry]:
    stmt = (
        select(LedgerEntry)
        .where(LedgerEntry.object_type == object_type, LedgerEntry.object_id == object_id)
        .order_by(LedgerEntry.seq)
    )
    return session.scalars(stmt).all()


def entries_by_action(session: Session, action: str) -> Sequence[LedgerEntry]:
    return session.scalars(select(LedgerEntry).where(LedgerEntry.action == action).order_by(LedgerEntry.seq)).all()
