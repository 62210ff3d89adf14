"""Frames: columns of (activity, officer) pairs and of recordings, read in bulk for the engine.

The raw SQL below is assembled from column names and ``?`` placeholders only;
every value is bound (hence the ``noqa: S608`` marks). Each loader issues a few
set-wise queries through :class:`~openbwc.compliance.raw.Raw` (never one per
pair) and returns NumPy columns; the helpers at the end take, join and empty
frames without going back to the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from openbwc.compliance.raw import CHUNK, Raw, chunks
from openbwc.policy.schema import ACTIVITY_TYPES

TYPE_INDEX = {t: i for i, t in enumerate(ACTIVITY_TYPES)}


# -- frames: columns of pairs and recordings ------------------------------------------------------------


@dataclass
class PairFrame:
    activity_id: list[str]
    person_id: list[str]
    type_idx: np.ndarray
    start_ms: np.ndarray
    end_ms: np.ndarray
    planned: np.ndarray
    exception_code: list[str | None]
    approved: np.ndarray
    first_amendment: np.ndarray
    has_exception: np.ndarray

    def __len__(self) -> int:
        return len(self.activity_id)


@dataclass
class RecordingFrame:
    id: list[str]
    key: list[Any]  # how to update the row fast: SQLite's rowid, PostgreSQL's id
    officer_id: list[str | None]
    act_ms: np.ndarray
    end_ms: np.ndarray
    stop_reason: list[str | None]
    category: list[str]
    flags: dict[int, set[str]]  # position -> flag codes (only flagged recordings)
    tagged: np.ndarray  # bool: carries a First Amendment tag

    def __len__(self) -> int:
        return len(self.id)


@dataclass(frozen=True)
class PairScope:
    """Which pairs to load: all, or by time / office / activities / one officer's window."""

    since: datetime | None = None
    until: datetime | None = None
    office: str | None = None
    activity_ids: Sequence[uuid.UUID | str] | None = None
    officer_ids: Sequence[uuid.UUID | str] | None = None
    window: tuple[datetime, datetime] | None = None  # activities overlapping it


PAIR_COLUMNS = 5
# Activity attributes packed into one integer by the database: fewer values to carry per pair.
BIT_PLANNED, BIT_APPROVED, BIT_FIRST_AMENDMENT, BIT_EXCEPTION = 8, 4, 2, 1
TYPE_SHIFT = 16


def _pair_sql(raw: Raw) -> str:
    kind = "CASE a.type " + " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(ACTIVITY_TYPES)) + " END"

    def bit(expr: str) -> str:
        return f"CAST({expr} AS INTEGER)" if raw.pg else f"({expr})"

    packed = (
        f"({kind}) * {TYPE_SHIFT} + {bit('a.planned')} * {BIT_PLANNED} "
        f"+ {bit('a.exception_approved_by IS NOT NULL')} * {BIT_APPROVED} "
        f"+ {bit('a.first_amendment')} * {BIT_FIRST_AMENDMENT} "
        f"+ {bit('a.exception_code IS NOT NULL')} * {BIT_EXCEPTION}"
    )
    return (
        f"SELECT {raw.text_id('ao.activity_id')}, {raw.text_id('ao.person_id')}, "  # noqa: S608 - placeholders and column names only; values are bound
        f"{raw.ms('a.started_at')}, {raw.ms('a.ended_at')}, {packed} "
        "FROM activity_officers ao JOIN activities a ON a.id = ao.activity_id"
    )


def load_pairs(session: Session, scope: PairScope, *, ordered: bool = False) -> PairFrame:
    """Pairs in scope; ``ordered`` returns them in key order, so findings written in that
    order append to the findings index instead of landing all over it."""
    raw = Raw(session)
    where: list[str] = []
    params: list[Any] = []
    if scope.since is not None:
        where.append("a.started_at >= ?")
        params.append(raw.time(scope.since))
    if scope.until is not None:
        where.append("a.started_at < ?")
        params.append(raw.time(scope.until))
    if scope.office:
        where.append("a.office_code = ?")
        params.append(scope.office)
    if scope.window is not None:
        where.append("a.started_at <= ? AND a.ended_at >= ?")
        params.extend([raw.time(scope.window[1]), raw.time(scope.window[0])])
    base = _pair_sql(raw) + (" WHERE " + " AND ".join(where) if where else "")
    rows: list[tuple[Any, ...]] = []
    keyed = [
        (c, ids)
        for c, ids in (("ao.activity_id", scope.activity_ids), ("ao.person_id", scope.officer_ids))
        if ids is not None
    ]
    if len(keyed) > 1:
        raise ValueError("load pairs by activities or by officers, not both")
    if keyed:
        column, ids = keyed[0]
        for part in chunks(sorted({raw.uid(i) for i in ids})):
            clause = f"{column} IN ({', '.join('?' for _ in part)})"
            sql = base + (" AND " if where else " WHERE ") + clause
            rows.extend(raw.rows(sql, [*params, *part]))
    else:
        rows = raw.rows(base + (" ORDER BY ao.activity_id, ao.person_id" if ordered else ""), params)
    frame = pair_frame(rows)
    _attach_exception_codes(raw, frame)
    return frame


def _attach_exception_codes(raw: Raw, frame: PairFrame) -> None:
    """Exception codes are rare (EXC): fetch them only for the pairs that claim one."""
    claim = np.flatnonzero(frame.has_exception)
    if not len(claim):
        return
    wanted = sorted({frame.activity_id[i] for i in claim.tolist()})
    sql = f"SELECT {raw.text_id('a.id')}, a.exception_code FROM activities a WHERE a.exception_code IS NOT NULL"  # noqa: S608 - placeholders and column names only; values are bound
    codes: dict[str, str] = {}
    if len(wanted) > 5 * CHUNK:
        codes = dict(raw.rows(sql))
    else:
        for part in chunks(wanted):
            codes.update(raw.rows(sql + f" AND a.id IN ({', '.join('?' for _ in part)})", part))
    for i in claim.tolist():
        frame.exception_code[i] = codes.get(frame.activity_id[i])


def pair_frame(rows: Sequence[Sequence[Any]]) -> PairFrame:
    n = len(rows)
    cols: list[Sequence[Any]] = list(zip(*rows, strict=True)) if n else [[] for _ in range(PAIR_COLUMNS)]
    packed = np.fromiter(cols[4], np.int64, count=n)
    return PairFrame(
        activity_id=list(cols[0]),
        person_id=list(cols[1]),
        type_idx=(packed // TYPE_SHIFT).astype(np.int8),
        start_ms=np.fromiter(cols[2], np.int64, count=n),
        end_ms=np.fromiter(cols[3], np.int64, count=n),
        planned=(packed & BIT_PLANNED) > 0,
        exception_code=[None] * n,
        approved=(packed & BIT_APPROVED) > 0,
        first_amendment=(packed & BIT_FIRST_AMENDMENT) > 0,
        has_exception=(packed & BIT_EXCEPTION) > 0,
    )


@dataclass(frozen=True)
class RecordingScope:
    since: datetime | None = None  # recordings still running after this
    until: datetime | None = None  # recordings started before this
    office: str | None = None
    officer_ids: Sequence[uuid.UUID | str] | None = None
    recording_ids: Sequence[uuid.UUID | str] | None = None


def load_recordings(
    session: Session, scope: RecordingScope, *, flag_codes: Iterable[str], tags: Iterable[str]
) -> RecordingFrame:
    raw = Raw(session)
    # A recording without a stated end (a legacy file) ends after its duration.
    end_ms = (
        f"COALESCE({raw.ms('r.recorded_end')}, "
        f"{raw.ms('r.activated_at')} + CAST(COALESCE(r.duration_s, 0) * 1000 AS BIGINT))"
    )
    base = (
        f"SELECT {raw.text_id('r.id')}, {raw.text_id('r.officer_id')}, {raw.row_key('r')}, "  # noqa: S608 - placeholders and column names only; values are bound
        f"{raw.ms('r.activated_at')}, {end_ms}, r.stop_reason, r.category_code FROM recordings r"
    )
    where: list[str] = []
    params: list[Any] = []
    if scope.until is not None:
        where.append("r.recorded_start < ?")
        params.append(raw.time(scope.until))
    if scope.since is not None:
        where.append("(r.recorded_end IS NULL OR r.recorded_end > ?)")
        params.append(raw.time(scope.since))
    if scope.office:
        where.append("r.office_code = ?")
        params.append(scope.office)
    rows: list[tuple[Any, ...]] = []
    key_lists: list[tuple[str, list[str]]] = []
    if scope.officer_ids is not None:
        key_lists.append(("r.officer_id", sorted({raw.uid(i) for i in scope.officer_ids})))
    if scope.recording_ids is not None:
        key_lists.append(("r.id", sorted({raw.uid(i) for i in scope.recording_ids})))
    if key_lists:
        column, keys = key_lists[0]
        extra_where = list(where)
        extra_params = list(params)
        if len(key_lists) > 1:
            column2, keys2 = key_lists[1]
            extra_where.append(f"{column2} IN ({', '.join('?' for _ in keys2)})")
            extra_params.extend(keys2)
        for part in chunks(keys):
            clauses = [*extra_where, f"{column} IN ({', '.join('?' for _ in part)})"]
            rows.extend(raw.rows(base + " WHERE " + " AND ".join(clauses), [*extra_params, *part]))
    else:
        rows = raw.rows(base + (" WHERE " + " AND ".join(where) if where else ""), params)
    n = len(rows)
    cols: list[Sequence[Any]] = list(zip(*rows, strict=True)) if n else [[] for _ in range(7)]
    ids = list(cols[0])
    frame = RecordingFrame(
        id=ids,
        key=list(cols[2]),
        officer_id=list(cols[1]),
        act_ms=np.fromiter(cols[3], np.int64, count=n),
        end_ms=np.fromiter(cols[4], np.int64, count=n),
        stop_reason=list(cols[5]),
        category=list(cols[6]),
        flags={},
        tagged=np.zeros(n, bool),
    )
    if n:
        _attach_flags_and_tags(raw, frame, list(flag_codes), list(tags), whole=not key_lists and not where)
    return frame


def _attach_flags_and_tags(
    raw: Raw, frame: RecordingFrame, flag_codes: list[str], tags: list[str], whole: bool
) -> None:
    """Flags and tags live in their own tables and are rare: fetch only the flagged and tagged."""
    flag_in = ", ".join("?" for _ in flag_codes)
    tag_in = ", ".join("?" for _ in tags)
    flag_rows: list[tuple[Any, ...]] = []
    tag_rows: list[tuple[Any, ...]] = []
    if whole and not raw.pg:
        # A whole-table read on SQLite: find positions by rowid with one vectorized binary
        # search instead of a dictionary of millions of ids.
        keys = np.asarray(frame.key, np.int64)
        join = "JOIN recordings r ON r.id = x.recording_id"
        if flag_codes:
            flag_rows = raw.rows(
                f"SELECT r.rowid, x.code FROM recording_flags x {join} WHERE x.code IN ({flag_in})",  # noqa: S608
                flag_codes,
            )
        if tags:
            tag_rows = raw.rows(f"SELECT r.rowid FROM recording_tags x {join} WHERE lower(x.tag) IN ({tag_in})", tags)  # noqa: S608
        flag_at = _positions(keys, [k for k, _ in flag_rows])
        tag_at = _positions(keys, [k for (k,) in tag_rows])
        flag_rows = [(int(i), code) for i, (_, code) in zip(flag_at, flag_rows, strict=True) if i >= 0]
        tag_rows = [(int(i),) for i in tag_at if i >= 0]
        position = int  # type: ignore[assignment]
    else:
        index = {rid: i for i, rid in enumerate(frame.id)}
        position = index.get  # type: ignore[assignment]
        if whole or len(frame.id) > 50_000:
            if flag_codes:
                flag_rows = raw.rows(
                    f"SELECT {raw.text_id('recording_id')}, code FROM recording_flags WHERE code IN ({flag_in})",  # noqa: S608
                    flag_codes,
                )
            if tags:
                tag_rows = raw.rows(
                    f"SELECT {raw.text_id('recording_id')} FROM recording_tags WHERE lower(tag) IN ({tag_in})",  # noqa: S608
                    tags,
                )
        else:
            for part in chunks(frame.id):
                marks = ", ".join("?" for _ in part)
                if flag_codes:
                    flag_rows.extend(
                        raw.rows(
                            f"SELECT {raw.text_id('recording_id')}, code FROM recording_flags "  # noqa: S608
                            f"WHERE code IN ({flag_in}) AND recording_id IN ({marks})",
                            [*flag_codes, *part],
                        )
                    )
                if tags:
                    tag_rows.extend(
                        raw.rows(
                            f"SELECT {raw.text_id('recording_id')} FROM recording_tags "  # noqa: S608
                            f"WHERE lower(tag) IN ({tag_in}) AND recording_id IN ({marks})",
                            [*tags, *part],
                        )
                    )
    for key, code in flag_rows:
        i = position(key)
        if i is not None:
            frame.flags.setdefault(i, set()).add(code)
    for (key,) in tag_rows:
        i = position(key)
        if i is not None:
            frame.tagged[i] = True


def _positions(keys: np.ndarray, wanted: list[int]) -> np.ndarray:
    """Positions of ``wanted`` row keys in ``keys`` (-1 where absent), with one binary search."""
    if not wanted:
        return np.empty(0, np.int64)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    want = np.asarray(wanted, np.int64)
    i = np.minimum(np.searchsorted(sorted_keys, want), len(keys) - 1)
    return np.where(sorted_keys[i] == want, order[i], -1)


def custodian_links(raw: Raw, recording_ids: Sequence[str] | None) -> list[tuple[str, str]]:
    """(recording, activity type) for every link a custodian made (of these recordings)."""
    sql = (
        f"SELECT {raw.text_id('l.recording_id')}, a.type FROM recording_links l "  # noqa: S608 - placeholders and column names only; values are bound
        "JOIN activities a ON a.id = l.activity_id"
    )
    if recording_ids is None:
        return [(r, t) for r, t in raw.rows(sql)]
    out: list[tuple[str, str]] = []
    for part in chunks(list(recording_ids)):
        out.extend(
            (r, t) for r, t in raw.rows(sql + f" WHERE l.recording_id IN ({', '.join('?' for _ in part)})", part)
        )
    return out


# -- taking and joining frames --------------------------------------------------------------------------


def take_pairs(frame: PairFrame, idx: np.ndarray) -> PairFrame:
    """The pairs at these positions (a bool mask or indices)."""
    pos = np.flatnonzero(idx) if idx.dtype == bool else idx
    pick = pos.tolist()
    return PairFrame(
        activity_id=[frame.activity_id[i] for i in pick],
        person_id=[frame.person_id[i] for i in pick],
        type_idx=frame.type_idx[pos],
        start_ms=frame.start_ms[pos],
        end_ms=frame.end_ms[pos],
        planned=frame.planned[pos],
        exception_code=[frame.exception_code[i] for i in pick],
        approved=frame.approved[pos],
        first_amendment=frame.first_amendment[pos],
        has_exception=frame.has_exception[pos],
    )


def take_recordings(frame: RecordingFrame, idx: np.ndarray) -> RecordingFrame:
    pos = np.flatnonzero(idx) if idx.dtype == bool else idx
    pick = pos.tolist()
    ids = [frame.id[i] for i in pick]
    return RecordingFrame(
        id=ids,
        key=[frame.key[i] for i in pick],
        officer_id=[frame.officer_id[i] for i in pick],
        act_ms=frame.act_ms[pos],
        end_ms=frame.end_ms[pos],
        stop_reason=[frame.stop_reason[i] for i in pick],
        category=[frame.category[i] for i in pick],
        flags={new: frame.flags[old] for new, old in enumerate(pick) if old in frame.flags},
        tagged=frame.tagged[pos],
    )


def union_recordings(a: RecordingFrame, b: RecordingFrame) -> RecordingFrame:
    """Recordings of both frames, each once."""
    seen = set(a.id)
    extra = np.array([rid not in seen for rid in b.id], bool)
    if not extra.any():
        return a
    b = take_recordings(b, extra)
    return RecordingFrame(
        id=a.id + b.id,
        key=a.key + b.key,
        officer_id=a.officer_id + b.officer_id,
        act_ms=np.concatenate([a.act_ms, b.act_ms]),
        end_ms=np.concatenate([a.end_ms, b.end_ms]),
        stop_reason=a.stop_reason + b.stop_reason,
        category=a.category + b.category,
        flags={**a.flags, **{len(a.id) + i: codes for i, codes in b.flags.items()}},
        tagged=np.concatenate([a.tagged, b.tagged]),
    )


def concat_pairs(a: PairFrame, b: PairFrame) -> PairFrame:
    """Pairs of both frames, each (activity, officer) once."""
    seen = set(zip(a.activity_id, a.person_id, strict=True))
    extra = np.array([k not in seen for k in zip(b.activity_id, b.person_id, strict=True)], bool)
    if not extra.any():
        return a
    b = take_pairs(b, extra)
    return PairFrame(
        activity_id=a.activity_id + b.activity_id,
        person_id=a.person_id + b.person_id,
        type_idx=np.concatenate([a.type_idx, b.type_idx]),
        start_ms=np.concatenate([a.start_ms, b.start_ms]),
        end_ms=np.concatenate([a.end_ms, b.end_ms]),
        planned=np.concatenate([a.planned, b.planned]),
        exception_code=a.exception_code + b.exception_code,
        approved=np.concatenate([a.approved, b.approved]),
        first_amendment=np.concatenate([a.first_amendment, b.first_amendment]),
        has_exception=np.concatenate([a.has_exception, b.has_exception]),
    )


def empty_recordings() -> RecordingFrame:
    none = np.empty(0, np.int64)
    return RecordingFrame([], [], [], none, none, [], [], {}, np.empty(0, bool))
