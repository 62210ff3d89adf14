"""Custody-ledger benchmark and check (never part of the test suite).

    .venv/bin/python bench/ledger.py [--entries 1000000] [--appends 20000] [--backends postgres[,sqlite]]

For each backend (PostgreSQL by default), in a fresh database: appends per second
through ``custody.record`` (one writer, committed every 100 entries, each commit
signing its head as the server does: at most one per ``ledger_head_lag_s``), and
through one transaction per entry (what a request does); then a bulk load up to
``--entries`` through ``append_many`` (the same tree code, batched INSERTs); then
the time to verify the whole ledger with 1 and with 2 processes, and the latency
of inclusion proofs. Each figure is printed beside its target and beside the bound
it is measured against, taken in the same run: bare hashlib SHA-256 over the same
leaves.

Exit status 0 when every target is met, 1 naming the ones missed: appends
5,000/s (committed every 100), verification within 3 x bare hashing (with 2
processes, what `bwc ledger verify` uses on a 2-core machine; the 1-process
figure is printed beside it), proofs under 10 ms at p99. The default size is
meant to take a minute or two on an idle 2-core machine (the bulk load is most
of it; several times that on a loaded one: use --entries 200000 there); the
databases and the data directory are removed afterwards, whatever happens.

PostgreSQL: a scratch database is created next to BWC_BENCH_POSTGRES_URL
(default: BWC_TEST_POSTGRES_URL, else postgresql+psycopg://root@127.0.0.1:5432/postgres)
and dropped afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

# Settings are read from the environment: point them at a scratch data dir first.
_DATA = tempfile.mkdtemp(prefix="bwc-bench-ledger-")
os.environ["BWC_DATA_DIR"] = _DATA
os.environ.pop("BWC_DATABASE_URL", None)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import create_engine, make_url, text  # noqa: E402

from openbwc import migrations  # noqa: E402
from openbwc.custody import heads, proofs, repository, service  # noqa: E402
from openbwc.custody.actor import Actor  # noqa: E402
from openbwc.custody.keys import ensure_signing_key  # noqa: E402
from openbwc.custody.verify import verify_ledger  # noqa: E402
from openbwc.db.session import engine_for, session_factory  # noqa: E402
from openbwc.settings import get_settings  # noqa: E402

APPEND_TARGET = 5_000
VERIFY_TARGET_X = 3.0
PROOF_TARGET_MS = 10.0
ACTIONS = ["evidence:recording:view", "evidence:recording:export", "identity:session:logon",
           "evidence:file:verify", "evidence:recording:categorize"]
ACTORS = [Actor(str(uuid.UUID(int=i + 1)), f"Officer {i:03d}", None, f"10.0.{i % 256}.{i % 7}") for i in range(200)]


def drafts(n: int, start: int) -> Iterator[service.EntryDraft]:
    rnd = random.Random(start)
    for i in range(start, start + n):
        actor = ACTORS[i % len(ACTORS)]
        actor = Actor(actor.id, actor.name, uuid.UUID(int=rnd.getrandbits(128)).hex, actor.client_addr)
        yield service.EntryDraft(
            actor=actor,
            action=ACTIONS[i % len(ACTIONS)],
            object_type="recording",
            object_id=str(uuid.UUID(int=rnd.getrandbits(128))),
            evidence_sha256=hashlib.sha256(i.to_bytes(8, "big")).hexdigest() if i % 2 else None,
            reason="case review" if i % 3 == 0 else None,
            details={"case": f"24-{i % 9973:05d}", "bytes": i * 7919 % 10**9},
        )


def bare_sha256(session, end: int) -> tuple[float, int]:
    """Seconds bare hashlib takes over the leaves 0..end-1 (reading them is not timed)."""
    total, count = 0.0, 0
    batch: list[bytes] = []
    for leaf in repository.stream_leaves(session, end, chunk=50_000):
        batch.append(leaf)
        if len(batch) == 50_000:
            total += _hash_all(batch)
            count += len(batch)
            batch = []
    total += _hash_all(batch)
    return total, count + len(batch)


def _hash_all(batch: list[bytes]) -> float:
    sha = hashlib.sha256
    t = time.perf_counter()
    for leaf in batch:
        sha(b"\x00" + leaf).digest()
    return time.perf_counter() - t


def fresh_database(backend: str, pg_admin: str) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{_DATA}/bench.sqlite3", None
    name = f"bwc_bench_{os.getpid()}"
    admin = create_engine(make_url(pg_admin), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(pg_admin).set(database=name).render_as_string(hide_password=False), name


def drop_database(pg_admin: str, name: str) -> None:
    admin = create_engine(make_url(pg_admin), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run(backend: str, entries: int, appends: int, pg_admin: str, workers: list[int]) -> list[str]:
    """Measure one backend; returns the targets it missed."""
    missed: list[str] = []
    url, pg_name = fresh_database(backend, pg_admin)
    engine = engine_for(url)
    try:
        migrations.upgrade(engine)
        sessions = session_factory(engine, settings=get_settings())

        # 1. appends through record(), one writer, a commit every 100 entries
        appends = min(appends, entries)
        todo = list(drafts(appends, 0))  # made before the clock starts: the test data is not what is timed
        t = time.perf_counter()
        with sessions() as s:
            for i, d in enumerate(todo, start=1):
                service.record(s, actor=d.actor, action=d.action, object_type=d.object_type, object_id=d.object_id,
                               evidence_sha256=d.evidence_sha256, reason=d.reason, details=d.details)
                if i % 100 == 0:
                    s.commit()
            s.commit()
        rate = appends / (time.perf_counter() - t)
        with sessions() as s:
            bare_s, n = bare_sha256(s, appends)
            heads_signed = repository.head_count(s)
        print(f"appends {rate:,.0f}/s ({backend}, a commit every 100, {heads_signed:,} heads signed at commits) "
              f"vs target {APPEND_TARGET:,}/s; bare sha256 {n / bare_s:,.0f} leaves/s", flush=True)
        if rate < APPEND_TARGET:
            missed.append(f"appends {rate:,.0f}/s < {APPEND_TARGET:,}/s ({backend})")

        # 1b. one entry per transaction, as a request records one handling: the commit signs when due
        single = min(2_000, max(entries - appends, 0))
        todo = list(drafts(single, appends))
        with sessions() as s:
            before = repository.head_count(s)
        t = time.perf_counter()
        for d in todo:
            with sessions() as s:
                service.record(s, actor=d.actor, action=d.action, object_type=d.object_type, object_id=d.object_id,
                               evidence_sha256=d.evidence_sha256, reason=d.reason, details=d.details)
                s.commit()
        elapsed = time.perf_counter() - t
        service.flush_pending_heads()
        with sessions() as s:
            signed = repository.head_count(s) - before
            covered = repository.latest_head(s).tree_size == repository.tree_size(s)
        if single:
            print(f"appends {single / elapsed:,.0f}/s ({backend}, one per transaction, {signed:,} heads signed; "
                  f"the last head covers every entry: {covered}); for information", flush=True)
        appends += single

        # 2. bulk load to the full size, through the same tree code; a head every ~100,000
        t = time.perf_counter()
        done = appends
        while done < entries:
            step = min(100_000, entries - done)
            with sessions() as s:
                service.append_many(s, drafts(step, done))
                service.sign_head(s)
                s.commit()
            done += step
            print(f"  loaded {done:,} entries ({done / (time.perf_counter() - t + 1e-9):,.0f}/s)",
                  file=sys.stderr, flush=True)
        with sessions() as s:
            service.sign_head(s)
            s.commit()

        # 3. full verification against the bare-hashing bound, in the same run
        key = heads.public_key(get_settings())
        with sessions() as s:
            bare_s, n = bare_sha256(s, entries)
        results = []
        for w in workers:
            with sessions() as s:
                t = time.perf_counter()
                report = verify_ledger(s, key, workers=w)
                elapsed = time.perf_counter() - t
            assert report.ok, report.problems
            results.append((w, elapsed))
        with sessions() as s:
            t = time.perf_counter()
            for _ in repository.stream_hash_rows(s, 1 << 14):
                pass
            read_s = time.perf_counter() - t
        checked = max(w for w in workers if w <= 2)
        for w, elapsed in results:
            how = f"{w} processes" if w > 1 else "1 process"
            target = f"target {VERIFY_TARGET_X:.0f} x" if w == checked else "for information"
            print(f"verify {n:,} entries {elapsed:.2f} s ({backend}, {how}) = {elapsed / bare_s:.1f} x "
                  f"bare sha256 {bare_s:.2f} s; {target}; "
                  f"reading the rows alone {read_s:.2f} s = {read_s / bare_s:.1f} x", flush=True)
            if w == checked and elapsed > VERIFY_TARGET_X * bare_s:
                missed.append(f"verify {elapsed / bare_s:.1f} x > {VERIFY_TARGET_X:.0f} x bare hashing "
                              f"({backend}, {how})")

        # 4. inclusion proofs against the latest head
        rnd = random.Random(1)
        times = []
        with sessions() as s:
            head = service.current_head(s)
            for _ in range(1000):
                seq = rnd.randrange(head.tree_size)
                t = time.perf_counter()
                proof = proofs.prove_against(s, seq, head)
                times.append((time.perf_counter() - t) * 1000)
                assert proof.verifies()
        times.sort()
        p99 = times[int(len(times) * 0.99)]
        if p99 > PROOF_TARGET_MS:
            missed.append(f"proof p99 {p99:.2f} ms > {PROOF_TARGET_MS:.0f} ms ({backend})")
        print(f"proof p50 {statistics.median(times):.2f} ms, p99 {times[int(len(times) * 0.99)]:.2f} ms at "
              f"{head.tree_size:,} entries ({backend}) vs target {PROOF_TARGET_MS:.0f} ms; "
              f"bare sha256 of one leaf {bare_s / n * 1000:.4f} ms", flush=True)
    finally:
        service.flush_pending_heads()
        engine.dispose()
        engine_for.cache_clear()
        if pg_name:
            drop_database(pg_admin, pg_name)
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="ledger size verified")
    parser.add_argument("--appends", type=int, default=20_000, help="entries appended one by one with record()")
    parser.add_argument("--backends", default="postgres", help="postgres, sqlite, or both (comma-separated)")
    parser.add_argument("--workers", default="2,1", help="process counts to verify with; the target applies to "
                        "the largest of them up to 2")
    args = parser.parse_args()
    if args.entries < 1 or args.appends < 0:
        parser.error("--entries must be at least 1 and --appends at least 0")
    try:
        workers = sorted({int(w) for w in args.workers.split(",")}, reverse=True)
    except ValueError:
        parser.error("--workers is a comma-separated list of process counts, e.g. 2,1")
    if not workers or min(workers) < 1 or min(workers) > 2:
        parser.error("--workers must include 1 or 2")
    pg_admin = os.environ.get("BWC_BENCH_POSTGRES_URL") or os.environ.get("BWC_TEST_POSTGRES_URL") \
        or "postgresql+psycopg://root@127.0.0.1:5432/postgres"
    settings = get_settings()
    ensure_signing_key(settings)
    load = os.getloadavg()[0]
    print(f"custody ledger benchmark: {args.entries:,} entries, {os.cpu_count()} CPUs, load average {load:.1f}",
          flush=True)
    missed: list[str] = []
    try:
        for backend in args.backends.split(","):
            missed += run(backend.strip(), args.entries, args.appends, pg_admin, workers)
    finally:
        shutil.rmtree(_DATA, ignore_errors=True)
    if missed:
        print("MISSED: " + "; ".join(missed), flush=True)
        return 1
    print("all targets met", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
