"""Recompute the tree over one aligned chunk of entries and compare it with what is stored.

A chunk is ``2**bits`` consecutive entries starting at a multiple of that size,
so every perfect subtree of level ``bits`` or below lies wholly inside one
chunk and can be computed from it alone. That makes chunks independent: they
are checked one after another in the caller's transaction, or, for large
ledgers, by a pool of worker processes that each read their own chunks (the
caller then merges the chunk roots, which is cheap). Hashing is done with list
comprehensions over whole levels rather than a loop per leaf: at a million
entries that is most of the time verification takes.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from openbwc.custody import merkle, repository
from openbwc.kit.errors import IntegrityFailure

HS = merkle.HASH_SIZE
_COLUMNS = ("content", "leaf hash", "subtree hashes")


@dataclass
class ChunkResult:
    """What the merge step needs from one chunk, or why the chunk failed."""

    lo: int
    count: int
    root: bytes | None = None  # level-``bits`` subtree hash, when the chunk is full
    tail: bytes = b""  # the last row's stored hashes above level ``bits`` (full chunks)
    head_parts: dict[int, list[bytes]] = field(default_factory=dict)
    # (first entry of the suspect span, end of span, message); the caller diagnoses the span.
    failure: tuple[int, int, str] | None = None


def check_chunk(lo: int, rows: Sequence[Any], bits: int, head_sizes: Sequence[int] = ()) -> ChunkResult:
    """Check rows of (leaf, leaf_hash, subtree_hashes) for entries ``lo, lo+1, ...``.

    The seq column is not read: a missing, extra or moved row shifts the rows
    after it, and the number of subtree hashes a row carries always differs
    between neighbours (an even position completes none, an odd one at least
    one), so a shift fails the length check at its exact position.

    ``head_sizes`` are tree sizes inside the chunk; for each, the hashes of its
    root's perfect subtrees that start inside the chunk are returned.
    """
    cnt = len(rows)
    out = ChunkResult(lo=lo, count=cnt)
    try:
        computed = [sha256(b"\x00" + r[0]).digest() for r in rows]
    except TypeError:  # a value that is not bytes: someone wrote to the database file directly
        try:
            rows = [
                tuple(repository.stored_bytes(v, lo + i, c) for v, c in zip(r, _COLUMNS, strict=True))
                for i, r in enumerate(rows)
            ]
        except IntegrityFailure as exc:
            seq = exc.detail["seq"]
            out.failure = (seq, seq + 1, exc.message)
            return out
        computed = [sha256(b"\x00" + r[0]).digest() for r in rows]
    if computed != [r[1] for r in rows]:
        i = next(i for i, (a, r) in enumerate(zip(computed, rows, strict=True)) if a != r[1])
        out.failure = (lo + i, lo + i + 1, f"entry {lo + i}: its content does not match its recorded leaf hash")
        return out
    levels = merkle.tree_levels(computed)
    full = cnt == 1 << bits
    above = merkle.completed_levels(lo + cnt - 1) - bits if full else 0
    expected_bytes = HS * (sum(cnt >> lv for lv in range(1, bits + 1)) + above)
    if sum(len(r[2]) for r in rows) != expected_bytes:
        i = next(i for i, r in enumerate(rows) if len(r[2]) != HS * merkle.completed_levels(lo + i))
        out.failure = (lo + i, lo + i + 1, f"entry {lo + i} carries the wrong number of subtree hashes")
        return out
    for lv in range(1, len(levels)):
        step = 1 << lv
        stored = [r[2][(lv - 1) * HS : lv * HS] for r in rows[step - 1 :: step]]
        if stored != levels[lv]:
            j = next(j for j, (a, b) in enumerate(zip(stored, levels[lv], strict=True)) if a != b)
            a = lo + j * step
            out.failure = (
                a, a + step,
                f"the stored subtree hash over entries {a} to {a + step - 1} does not match them: "
                "one of them was changed and its own hash recomputed",
            )
            return out
    if full:
        out.root = levels[bits][0]
        out.tail = bytes(rows[-1][2][bits * HS :])
    for size in head_sizes:
        out.head_parts[size] = [
            levels[level][idx - (lo >> level)]
            for level, idx in merkle.root_nodes(size)
            if idx << level >= lo and level <= bits
        ]
    return out


# ---- worker processes (large ledgers) ---------------------------------------------------------

_worker_conn: Any = None
_worker_pg = False
_SQL = "SELECT leaf, leaf_hash, subtree_hashes FROM ledger_entries WHERE seq >= {lo} AND seq < {hi} ORDER BY seq"


def _init_worker(url: str) -> None:
    global _worker_conn, _worker_pg
    gc.disable()  # a short-lived process allocating only acyclic rows: the collector would find nothing
    # A connection of its own: nothing inherited from the parent's pool is touched.
    engine = create_engine(url, poolclass=NullPool)
    _worker_pg = engine.dialect.name == "postgresql"
    # Keep the pool's proxy, not just the driver connection: dropping it would close the connection.
    _worker_conn = engine.raw_connection()
    if _worker_pg:
        # Each chunk is a range of the primary key, which an index scan returns already in
        # order. Without fresh statistics (a bulk load, a restored dump) the planner picks a
        # bitmap scan and then sorts the chunk, which spills to disk at the default work_mem
        # and costs more than the rest of the read. This connection only ever runs _SQL.
        with _worker_conn.cursor() as cur:
            cur.execute("SET enable_bitmapscan = off")
            cur.execute("SET enable_sort = off")
        _worker_conn.commit()


def _run_chunk(task: tuple[int, int, int, list[int]]) -> ChunkResult:
    lo, hi, bits, head_sizes = task
    # Binary results on PostgreSQL: bytea as text is hex, and decoding it doubles the read time.
    raw = _worker_conn.driver_connection
    cur = raw.cursor(binary=True) if _worker_pg else raw.cursor()
    try:
        cur.execute(_SQL.format(lo=int(lo), hi=int(hi)))
        rows = cur.fetchall()
    finally:
        cur.close()
    if len(rows) != hi - lo:
        missing = f"entries {lo} to {hi - 1}: {hi - lo - len(rows)} of them are missing"
        return ChunkResult(lo=lo, count=len(rows), failure=(lo, hi, missing))
    return check_chunk(lo, rows, bits, head_sizes)


def parallel_chunks(url: str, n: int, bits: int, heads_in: dict[int, list[int]], workers: int) -> Iterator[ChunkResult]:
    """Chunk results in order, computed by ``workers`` forked processes reading committed data."""
    size = 1 << bits
    tasks = [(lo, min(lo + size, n), bits, heads_in.get(lo, [])) for lo in range(0, n, size)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(url,)) as pool:
        yield from pool.imap(_run_chunk, tasks, chunksize=1)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
