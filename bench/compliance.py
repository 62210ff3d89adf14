"""Compliance evaluation speed, beside a bare interval join of the same rows.

A fresh database is filled in bulk with people, 1,000,000 activities,
3,000,000 (activity, officer) pairs and 3,000,000 recordings (at --scale 1),
with the mix of late, early, gapped, missing, exempt, flagged and First
Amendment cases a real agency has. In the same run:

* bare join: read the same pairs and recordings from the same database
  (officer and times only) into NumPy and join them by officer and overlapping
  time (sort + searchsorted), counting matches: the least any evaluation must do;
* full evaluation: ``bwc compliance run`` as the service does it: every pair
  judged, every finding written, every recording linked, categorized or
  sealed, committed;
* incremental: one new recording ingested, then only the pairs it touches
  re-evaluated and committed (median of several).

    .venv/bin/python bench/compliance.py [--scale 1.0] [--database-url URL]

(--scale 1.0, the default, is the size above; `make bench` runs a smaller one.)
The scratch data directory (and the SQLite file in it) is removed at the end; a
PostgreSQL database given with --database-url is emptied again.

Targets (issue 6): full evaluation within 3x the bare join; incremental re-evaluation
under 50 ms (median). Exits 1 when a figure misses its target.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

ACTIVITIES = 1_000_000
PAIRS_PER_ACTIVITY = 3
RECORDINGS = 3_000_000
OFFICERS = 5_000
SPAN_DAYS = 730
EPOCH = datetime(2023, 1, 1, tzinfo=UTC)


_SESSIONS: dict[int, object] = {}


def sessions(engine):  # type: ignore[no-untyped-def]
    """Sessions that carry the app's settings and registry, as the services expect."""
    if id(engine) not in _SESSIONS:
        from openbwc.db.session import session_factory
        from openbwc.domains import default_registry
        from openbwc.settings import get_settings

        _SESSIONS[id(engine)] = session_factory(engine, settings=get_settings(), registry=default_registry())
    return _SESSIONS[id(engine)]


def wipe(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
        conn.commit()


def say(msg: str) -> None:
    print(msg, flush=True)


def make_database(url: str | None, data_dir: Path) -> tuple[object, str]:
    # A private data directory: the custody ledger signs tree heads with a key kept there.
    os.environ["BWC_DATA_DIR"] = str(data_dir)
    from openbwc import migrations
    from openbwc.bootstrap import prepare_directories, seed_reference
    from openbwc.custody.keys import ensure_signing_key
    from openbwc.db.session import engine_for
    from openbwc.settings import get_settings, reset_settings_cache

    reset_settings_cache()
    prepare_directories(get_settings())
    ensure_signing_key(get_settings())
    if url is None:
        url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    engine = engine_for(url)
    if engine.dialect.name == "postgresql":
        wipe(engine)
    migrations.upgrade(engine)
    with sessions(engine)() as session:
        seed_reference(session)
        session.commit()
    return engine, url


def _uuids(n: int, rng: np.random.Generator) -> list[uuid.UUID]:
    """Time-ordered ids as openbwc makes them (UUID version 7): rows created later sort later."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    ms = int(time.time() * 1000) + np.arange(n, dtype=np.int64) // 64  # 64 rows per millisecond
    for byte in range(6):
        raw[:, byte] = (ms >> (8 * (5 - byte))) & 0xFF
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x70
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    order = np.lexsort(tuple(raw[:, k] for k in range(15, -1, -1)))
    return [uuid.UUID(bytes=b.tobytes()) for b in raw[order]]


def _times(ms: np.ndarray, pg: bool) -> list[str]:
    text = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="us")
    if pg:
        return [t + "+00" for t in text.tolist()]
    return [t.replace("T", " ") for t in text.tolist()]


def _ids(ids: list[uuid.UUID], pg: bool) -> list[str]:
    return [str(u) for u in ids] if pg else [u.hex for u in ids]


def _load(conn, pg: bool, table: str, columns: list[str], rows) -> None:  # type: ignore[no-untyped-def]
    cur = conn.cursor()
    if pg:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            batch = []
            for row in rows:
                batch.append("\t".join("\\N" if v is None else str(v) for v in row))
                if len(batch) >= 200_000:
                    copy.write("\n".join(batch) + "\n")
                    batch = []
            if batch:
                copy.write("\n".join(batch) + "\n")
    else:
        # openbwc's SQLite connections leave transactions to SQLAlchemy (autocommit at the
        # driver): one explicit transaction, or every row would be a commit of its own.
        marks = ", ".join("?" for _ in columns)
        cur.execute("BEGIN")
        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        cur.execute("COMMIT")
    cur.close()


def fill(engine, scale: float, seed: int = 6) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Bulk-load a synthetic agency's activities and footage (not through per-row services)."""
    rng = np.random.default_rng(seed)
    pg = engine.dialect.name == "postgresql"
    n_act = max(100, int(ACTIVITIES * scale))
    n_off = max(50, int(OFFICERS * scale))
    n_rec_target = max(300, int(RECORDINGS * scale))
    offices = ["BAL", "PHI", "WAS", "BUF", "DET"]
    types = [
        "at_large_arrest",
        "investigatory_detention",
        "arrest_warrant",
        "subpoena_service",
        "search_warrant",
        "removal_order",
        "facility_protection",
        "facility_disturbance",
        "emergency_response",
        "public_interaction",
        "first_amendment_activity",
        "other",
    ]
    type_p = np.array([12, 8, 16, 6, 10, 8, 4, 2, 6, 22, 2, 4], float)
    type_p /= type_p.sum()
    flag_t = "t" if pg else 1
    flag_f = "f" if pg else 0
    now_text = _times(np.array([int(datetime.now(UTC).timestamp() * 1000)]), pg)[0]

    people = _uuids(n_off, rng)
    person_office = rng.integers(0, len(offices), n_off)
    sup_of = np.arange(n_off) // 8 * 8  # teams of 8: the first of each team supervises the rest
    pid = _ids(people, pg)

    act_ids = _uuids(n_act, rng)
    aid = _ids(act_ids, pg)
    start = EPOCH.timestamp() * 1000 + rng.integers(0, SPAN_DAYS * 86_400_000, n_act)
    start = start.astype(np.int64)
    dur = rng.integers(10, 120, n_act) * 60_000
    end = start + dur
    kind = rng.choice(len(types), n_act, p=type_p)
    planned = rng.random(n_act) < 0.8
    exc_roll = rng.random(n_act)
    exception = np.where(exc_roll < 0.02, "EXC-" + (1 + (exc_roll * 200).astype(int) % 4).astype(str), None)
    approved = (exc_roll < 0.012) & (exception != None)  # noqa: E711 - numpy comparison
    first_amend = (rng.random(n_act) < 0.01) | (kind == types.index("first_amendment_activity"))
    act_office = rng.integers(0, len(offices), n_act)

    # Officers per activity: 1 to 5, exactly PAIRS_PER_ACTIVITY on average; a team is an officer
    # and the next ones a few places on, so the officers of one activity are always distinct.
    k = np.clip(rng.poisson(PAIRS_PER_ACTIVITY - 1, n_act) + 1, 1, 5)
    short = n_act * PAIRS_PER_ACTIVITY - int(k.sum())
    adjust = np.flatnonzero(k < 5) if short > 0 else np.flatnonzero(k > 1)
    k[rng.choice(adjust, size=min(abs(short), len(adjust)), replace=False)] += 1 if short > 0 else -1
    pair_act = np.repeat(np.arange(n_act), k)
    first_of = np.repeat(np.cumsum(k) - k, k)
    steps = rng.integers(1, max(2, n_off // 10), len(pair_act))
    steps[first_of == np.arange(len(pair_act))] = 0
    offset = np.cumsum(steps) - np.repeat(np.cumsum(steps)[np.cumsum(k) - k] - steps[np.cumsum(k) - k], k)
    pair_off = (np.repeat(rng.integers(0, n_off, n_act), k) + offset) % n_off
    n_pairs = len(pair_act)

    # Recordings: most pairs recorded once; some late, early, with a gap (two recordings),
    # some never; then footage outside any activity to reach the total.
    roll = rng.random(n_pairs)
    recorded = roll < 0.92
    p_start, p_end = start[pair_act], end[pair_act]
    act_off = np.where(
        rng.random(n_pairs) < 0.9, rng.integers(-30_000, 55_000, n_pairs), rng.integers(55_000, 300_000, n_pairs)
    )
    end_off = np.where(
        rng.random(n_pairs) < 0.9, rng.integers(-50_000, 120_000, n_pairs), rng.integers(-600_000, -50_000, n_pairs)
    )
    split = recorded & (rng.random(n_pairs) < 0.05)
    r_act = (p_start + act_off)[recorded]
    r_end = (p_end + end_off)[recorded]
    r_off = pair_off[recorded]
    # For split ones: the first part stops in the middle, the second resumes after a pause.
    s_idx = np.flatnonzero(split[recorded])
    mid = (r_act[s_idx] + r_end[s_idx]) // 2
    pause = rng.integers(5_000, 90_000, len(s_idx))
    second_act, second_end, second_off = mid + pause, r_end[s_idx].copy(), r_off[s_idx]
    r_end[s_idx] = mid
    r_act = np.concatenate([r_act, second_act])
    r_end = np.concatenate([r_end, second_end])
    r_off = np.concatenate([r_off, second_off])
    r_end = np.maximum(r_end, r_act + 1000)
    extra = max(0, n_rec_target - len(r_act))
    e_act = (EPOCH.timestamp() * 1000 + rng.integers(0, SPAN_DAYS * 86_400_000, extra)).astype(np.int64)
    r_act = np.concatenate([r_act, e_act])
    r_end = np.concatenate([r_end, e_act + rng.integers(60_000, 1_800_000, extra)])
    r_off = np.concatenate([r_off, rng.integers(0, n_off, extra)])
    n_rec = len(r_act)
    rec_ids = _uuids(n_rec, rng)
    rid = _ids(rec_ids, pg)
    stop_pool = np.array(
        [None, None, None, "scene secured", "relieved from scene", "battery low", "end of shift"], object
    )
    stop = stop_pool[rng.integers(0, len(stop_pool), n_rec)]

    conn = engine.raw_connection()
    try:
        t0 = time.perf_counter()
        _load(
            conn,
            pg,
            "people",
            ["id", "badge", "name", "title", "division_code", "office_code", "supervisor_id", "status", "created_at"],
            (
                (
                    pid[i],
                    f"B{i:07d}",
                    f"Officer {i}",
                    "Supervisory Deportation Officer" if sup_of[i] == i else "Deportation Officer",
                    "ERO",
                    offices[person_office[i]],
                    None if sup_of[i] == i else pid[sup_of[i]],
                    "active",
                    now_text,
                )
                for i in range(n_off)
            ),
        )
        st, en = _times(start, pg), _times(end, pg)
        _load(
            conn,
            pg,
            "activities",
            [
                "id",
                "ref",
                "type",
                "office_code",
                "started_at",
                "ended_at",
                "planned",
                "exception_code",
                "exception_approved_by",
                "first_amendment",
                "location",
                "source",
                "created_at",
                "updated_at",
                "updated_by",
            ],
            (
                (
                    aid[i],
                    f"BENCH-{i:08d}",
                    types[kind[i]],
                    offices[act_office[i]],
                    st[i],
                    en[i],
                    flag_t if planned[i] else flag_f,
                    exception[i],
                    pid[sup_of[0]] if approved[i] else None,
                    flag_t if first_amend[i] else flag_f,
                    "",
                    "bench",
                    now_text,
                    now_text,
                    "bench",
                )
                for i in range(n_act)
            ),
        )
        del st, en
        _load(
            conn,
            pg,
            "activity_officers",
            ["activity_id", "person_id"],
            zip([aid[i] for i in pair_act.tolist()], [pid[i] for i in pair_off.tolist()], strict=True),
        )
        rs = _times(r_act - 30_000, pg)
        ra = _times(r_act, pg)
        re_ = _times(r_end, pg)
        _load(
            conn,
            pg,
            "recordings",
            [
                "id",
                "officer_id",
                "office_code",
                "recorded_start",
                "activated_at",
                "recorded_end",
                "pre_event_buffer_s",
                "stop_reason",
                "category_code",
                "source",
                "segment_count",
                "total_size",
                "duration_s",
                "ingested_at",
                "ingested_by",
            ],
            (
                (
                    rid[i],
                    pid[r_off[i]],
                    offices[person_office[r_off[i]]],
                    rs[i],
                    ra[i],
                    re_[i],
                    30,
                    stop[i],
                    "uncategorized",
                    "bench",
                    1,
                    1_000_000,
                    (r_end[i] - r_act[i]) / 1000 + 30,
                    now_text,
                    "bench",
                )
                for i in range(n_rec)
            ),
        )
        del rs, ra, re_
        flag_rows = []
        for i in np.flatnonzero(rng.random(n_rec) < 0.01).tolist():
            flag_rows.append((_ids([uuid.uuid4()], pg)[0], rid[i], "UNSIGNED", "bench", now_text))
        for i in np.flatnonzero(rng.random(n_rec) < 0.005).tolist():
            flag_rows.append((_ids([uuid.uuid4()], pg)[0], rid[i], "CAMERA_NOT_ASSIGNED", "bench", now_text))
        _load(conn, pg, "recording_flags", ["id", "recording_id", "code", "detail", "raised_at"], flag_rows)
        tagged = np.flatnonzero(rng.random(n_rec) < 0.002).tolist()
        _load(
            conn,
            pg,
            "recording_tags",
            ["recording_id", "tag", "added_at", "added_by"],
            ((rid[i], "first_amendment", now_text, "bench") for i in tagged),
        )
        conn.commit()
        if pg:
            cur = conn.cursor()
            cur.execute("ANALYZE")
            conn.commit()
        else:
            conn.execute("ANALYZE")
            conn.commit()
        load_s = time.perf_counter() - t0
    finally:
        conn.close()
    return {
        "activities": n_act,
        "pairs": n_pairs,
        "recordings": n_rec,
        "officers": n_off,
        "load_s": load_s,
        "people": people,
        "r_off": r_off,
        "r_act": r_act,
        "pair_off": pair_off,
        "pair_start": p_start,
    }


def bare_join(engine) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """Read the same pairs and recordings (officer, times) and join them in NumPy. Returns (read s, join s, matches)."""
    from openbwc.compliance.raw import Raw

    grace = 60_000
    gc.disable()  # as the full run does: no cyclic collection over millions of row tuples
    t0 = time.perf_counter()
    with sessions(engine)() as session:
        raw = Raw(session)
        cache = raw.bulk_cache()  # the same page cache the full run gives itself
        pairs = raw.rows(
            f"SELECT {raw.text_id('ao.person_id')}, {raw.ms('a.started_at')}, {raw.ms('a.ended_at')} "
            "FROM activity_officers ao JOIN activities a ON a.id = ao.activity_id"
        )
        recs = raw.rows(
            f"SELECT {raw.text_id('r.officer_id')}, {raw.ms('r.activated_at')}, {raw.ms('r.recorded_end')} "
            "FROM recordings r"
        )
        raw.restore_cache(cache)
    # Officers as small integers, mapped as the full run maps them.
    codes: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    p_off = np.fromiter(map(codes.__getitem__, (p for p, _, _ in pairs)), np.int64, len(pairs))
    p_start = np.fromiter((s for _, s, _ in pairs), np.int64, len(pairs))
    p_end = np.fromiter((e for _, _, e in pairs), np.int64, len(pairs))
    r_off = np.fromiter(map(codes.__getitem__, (o for o, _, _ in recs)), np.int64, len(recs))
    r_act = np.fromiter((a for _, a, _ in recs), np.int64, len(recs))
    r_end = np.fromiter((e for _, _, e in recs), np.int64, len(recs))
    del pairs, recs
    t1 = time.perf_counter()
    # The join: recordings sorted by (officer, activation); for each pair, the first recording
    # whose running end passes its start and the last activated by its end + grace.
    base = int(min(p_start.min(), r_act.min()))
    order = np.lexsort((r_act, r_off))
    hi_bits = r_off[order] << 42
    act_key = hi_bits | (r_act[order] - base)
    end_sorted = r_end[order]
    run_end = np.maximum.accumulate(hi_bits | (end_sorted - base))
    p_hi = p_off << 42
    lo = np.searchsorted(run_end, p_hi | (p_start - base), side="right")
    hi = np.searchsorted(act_key, p_hi | (p_end + grace - base), side="right")
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    pair_idx = np.repeat(np.arange(len(p_off)), counts)
    pos = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(total)
    matches = int((end_sorted[pos] > p_start[pair_idx]).sum())
    t2 = time.perf_counter()
    gc.enable()
    return t1 - t0, t2 - t1, matches


def full_run(engine) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    from openbwc.compliance import runs
    from openbwc.custody import Actor

    actor = Actor(id="bench", name="benchmark")
    t0 = time.perf_counter()
    with sessions(engine)() as session:
        summary = runs.run(session, actor)
        session.commit()
    return time.perf_counter() - t0, summary


def incremental(engine, data: dict[str, object], repeats: int = 15) -> list[float]:  # type: ignore[no-untyped-def]
    """Ingest one recording (as evidence ingest stores it), then time re-evaluation and commit."""
    from openbwc.compliance import runs
    from openbwc.evidence.models import Recording

    rng = np.random.default_rng(7)
    people: list[uuid.UUID] = data["people"]  # type: ignore[assignment]
    pair_off: np.ndarray = data["pair_off"]  # type: ignore[assignment]
    pair_start: np.ndarray = data["pair_start"]  # type: ignore[assignment]
    times = []
    for _ in range(repeats):
        i = int(rng.integers(0, len(pair_off)))
        officer = people[int(pair_off[i])]
        act = datetime.fromtimestamp(int(pair_start[i]) / 1000 + 20, UTC)
        with sessions(engine)() as session:
            rec = Recording(
                officer_id=officer,
                office_code="BAL",
                recorded_start=act - timedelta(seconds=30),
                activated_at=act,
                recorded_end=act + timedelta(minutes=25),
                pre_event_buffer_s=30,
                source="bench",
                segment_count=1,
                total_size=1,
                ingested_by="bench",
            )
            session.add(rec)
            session.commit()
            t0 = time.perf_counter()
            summary = runs.on_recordings(session, [rec.id])
            session.commit()
            times.append(time.perf_counter() - t0)
            assert summary.linked == 1, summary
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="1.0: 1M activities, 3M pairs, 3M recordings")
    ap.add_argument(
        "--database-url",
        default=os.environ.get("BWC_BENCH_DATABASE_URL"),
        help="an empty database to fill (default: a new SQLite file); PostgreSQL is wiped first and after",
    )
    args = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bwc-bench-compliance-"))
    engine = None
    try:
        engine, url = make_database(args.database_url, data_dir)
        misses = measure(args, engine, url)
    finally:
        if engine is not None:
            from openbwc.custody.service import flush_pending_heads

            # Sign the ledger's pending tail now, not at exit into a database already removed.
            flush_pending_heads()
            if engine.dialect.name == "postgresql":
                wipe(engine)
            engine.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)
    for miss in misses:
        print(f"MISSED: {miss}", file=sys.stderr)
    return 1 if misses else 0


def measure(args: argparse.Namespace, engine, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    say(f"database {engine.dialect.name} ({url.split('@')[-1]}), scale {args.scale}")
    data = fill(engine, args.scale)
    say(
        f"loaded {data['activities']:,} activities, {data['pairs']:,} officer pairs, "
        f"{data['recordings']:,} recordings, "
        f"{data['officers']:,} officers in {data['load_s']:.1f} s"
    )
    pairs = int(data["pairs"])  # type: ignore[arg-type]
    read_s, join_s, matches = bare_join(engine)
    bare = read_s + join_s
    say(
        f"bare numpy interval join {bare:.1f} s (reading the same rows {read_s:.1f} s + sort/searchsorted join "
        f"{join_s:.1f} s), {matches:,} matches"
    )
    # First run over the bulk-loaded backlog: besides judging every pair it categorizes
    # (and ledgers) every recording for the first time, a one-off an agency meets once.
    first_s, summary = full_run(engine)
    say(
        f"first evaluation of the backlog {first_s:.1f} s, {pairs / first_s:,.0f} pairs/s = {first_s / bare:.1f} x "
        f"bare join (also categorizes {summary.categorized:,} and seals {summary.sealed:,} recordings "
        "for the first time)"
    )
    say(
        f"  {summary.pairs:,} required pairs judged, {summary.findings:,} findings, compliance rate "
        f"{(summary.compliance_rate or 0) * 100:.1f}%, {summary.linked:,} recordings linked "
        f"({matches:,} recording-pair matches in the bare join), {summary.unlinked:,} unlinked"
    )
    say("  findings: " + ", ".join(f"{k} {v:,}" for k, v in sorted(summary.by_code.items())))
    # The full evaluation proper: every pair re-judged and every finding rewritten, every
    # recording re-placed, with the bound measured again right beside it.
    read2, join2, _ = bare_join(engine)
    bare2 = read2 + join2
    full_s, again = full_run(engine)
    assert again.findings == summary.findings, "a second full run must reach the same findings"
    say(
        f"full evaluation {full_s:.1f} s, {pairs / full_s:,.0f} pairs/s = {full_s / bare2:.1f} x bare numpy "
        f"interval join {bare2:.1f} s (target <=3x)"
    )
    times = incremental(engine, data)
    say(
        f"incremental re-evaluation after one new recording: median {statistics.median(times) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms over {len(times)} recordings (target <50 ms)"
    )

    misses = []
    if full_s > 3 * bare2:
        misses.append(f"full evaluation {full_s / bare2:.1f} x the bare join (target 3x)")
    if statistics.median(times) >= 0.05:
        misses.append(f"incremental median {statistics.median(times) * 1000:.1f} ms (target < 50 ms)")
    return misses


if __name__ == "__main__":
    raise SystemExit(main())
