"""Appending to the custody ledger and signing its tree heads.

Every append runs in the caller's transaction, so an entry becomes durable
together with the change it describes: the ledger never claims something that
was rolled back. Appends are serialised across processes by the ledger lock
(``repository.lock_ledger``), taken at the first append of a transaction and
held to its end; within that transaction the tree's right edge (its frontier)
is kept in memory, so each further append costs no reads at all.
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session

from openbwc.custody import canonical, heads, merkle, proofs, repository
from openbwc.custody.actor import Actor
from openbwc.custody.models import (
    ACTION_LEN,
    ACTOR_ID_LEN,
    OBJECT_ID_LEN,
    OBJECT_TYPE_LEN,
    LedgerEntry,
    LedgerHead,
)
from openbwc.db.session import settings_of
from openbwc.kit.errors import IntegrityFailure
from openbwc.kit.time import ensure_utc, utcnow

log = logging.getLogger(__name__)

OUTCOMES = frozenset({"success", "failure", "denied"})
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_PART = re.compile(r"^[a-z0-9_\-]+$")
_STATE_KEY = "openbwc.custody.writer"
_GENERATION_KEY = "openbwc.custody.generation"


@dataclass(frozen=True)
class EntryDraft:
    """What a caller states about one event; the ledger adds seq and time."""

    actor: Actor
    action: str
    object_type: str
    object_id: str
    evidence_sha256: str | None = None
    outcome: str = "success"
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Programming errors, not user input: callers pass constants.
        parts = self.action.split(":")
        if len(parts) != 3 or not all(_PART.match(p) for p in parts):
            raise ValueError(f"ledger action must be source:subject:action, got {self.action!r}")
        if len(self.action) > ACTION_LEN:
            raise ValueError(f"ledger action longer than {ACTION_LEN} characters: {self.action!r}")
        if not self.object_type or len(self.object_type) > OBJECT_TYPE_LEN:
            raise ValueError(f"ledger object type must be 1 to {OBJECT_TYPE_LEN} characters, got {self.object_type!r}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"ledger outcome must be one of {sorted(OUTCOMES)}, got {self.outcome!r}")
        if self.evidence_sha256 is not None and not _SHA256.match(self.evidence_sha256):
            raise ValueError(f"evidence_sha256 must be 64 hex digits, got {self.evidence_sha256!r}")
        if not isinstance(self.details, dict):
            raise ValueError("ledger details must be a JSON object (a dict)")


@dataclass
class _Writer:
    """This transaction's view of the tree while it holds the append lock."""

    txn: object
    frontier: merkle.Frontier
    head_number: int
    head_size: int
    head_at: datetime | None
    head_root: bytes | None
    conn_info: dict[Any, Any]  # the connection's info dict: this transaction's connection
    shared: bool  # bound to a connection other sessions may share (tests)
    generation: int | None = None
    key_warned: bool = False


def _current_txn(session: Session) -> object | None:
    return session.get_nested_transaction() or session.get_transaction()


def _writer(session: Session) -> _Writer:
    """The tree's right edge, under the append lock: O(log n) rows read once per transaction.

    The state belongs to the innermost transaction object: after a savepoint
    rolls back, or a new transaction begins, it is read again rather than
    trusted. A counter kept on the database connection tells whether another
    session sharing that connection appended meanwhile (tests do; the server
    never shares a connection between sessions) without a query per append.
    """
    state: _Writer | None = session.info.get(_STATE_KEY)
    txn = _current_txn(session)
    if state is not None and txn is not None and state.txn is txn:
        if state.conn_info.get(_GENERATION_KEY) == state.generation:
            return state
        return _load(session, lock=False)  # still our transaction, so still our lock
    return _load(session, lock=True)


def _appended(state: _Writer) -> None:
    """Note on the connection that this state wrote, so other sessions on it reload."""
    info = state.conn_info
    state.generation = info[_GENERATION_KEY] = info.get(_GENERATION_KEY, 0) + 1


def _load(session: Session, *, lock: bool) -> _Writer:
    if lock:
        repository.lock_ledger(session)
    size = repository.tree_size(session)
    nodes = merkle.root_nodes(size)
    stored = repository.node_hashes(session, nodes)
    latest = repository.latest_head(session)
    conn_info = session.connection().info
    state = _Writer(
        txn=_current_txn(session),
        frontier=merkle.Frontier(size, [stored[n] for n in nodes]),
        head_number=latest.number if latest else 0,
        head_size=latest.tree_size if latest else 0,
        head_at=latest.signed_at if latest else None,
        head_root=bytes(latest.root_hash) if latest else None,
        conn_info=conn_info,
        shared=isinstance(session.get_bind(), Connection),
        generation=conn_info.get(_GENERATION_KEY),
    )
    session.info[_STATE_KEY] = state
    return state


def column_value(value: str, size: int) -> str:
    """The value kept in a bounded query column (the leaf always keeps the whole value)."""
    return value if len(value) <= size else value[: size - 1] + "\u2026"


def _seal(state: _Writer, draft: EntryDraft, now: datetime) -> dict[str, Any]:
    """Give the draft its seq and time, make its leaf, and extend the tree by it."""
    seq = state.frontier.size
    evidence = draft.evidence_sha256.lower() if draft.evidence_sha256 else None
    body = {
        "seq": seq,
        "time": heads.format_timestamp(now),
        "actor": {"id": draft.actor.id, "name": draft.actor.name},
        "action": draft.action,
        "object": {"type": draft.object_type, "id": str(draft.object_id)},
        "evidence_sha256": evidence,
        "outcome": draft.outcome,
        "reason": draft.reason,
        "request_id": draft.actor.request_id,
        "client_addr": draft.actor.client_addr,
        "details": draft.details,
    }
    try:
        leaf = canonical.dumps(body)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"ledger entry is not representable as canonical JSON: {exc}") from exc
    lh = merkle.leaf_hash(leaf)
    made = state.frontier.append(lh)
    return {
        "seq": seq,
        "recorded_at": now,
        "actor_id": column_value(draft.actor.id, ACTOR_ID_LEN),
        "action": draft.action,
        "object_type": draft.object_type,
        "object_id": column_value(str(draft.object_id), OBJECT_ID_LEN),
        "evidence_sha256": evidence,
        "outcome": draft.outcome,
        "leaf": leaf,
        "leaf_hash": lh,
        "subtree_hashes": b"".join(made),
    }


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    evidence_sha256: str | None = None,
    outcome: str = "success",
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> LedgerEntry:
    """Append one entry in the caller's transaction.

    ``action`` is ``source:subject:action`` (e.g. ``identity:session:logon``).
    The entry becomes durable when the caller commits, together with the
    change it describes. If the latest signed head is older than
    ``ledger_head_interval_s``, a new head covering this entry is signed in the
    same transaction.
    """
    draft = EntryDraft(
        actor=actor, action=action, object_type=object_type, object_id=str(object_id),
        evidence_sha256=evidence_sha256, outcome=outcome, reason=reason, details=details or {},
    )
    state = _writer(session)
    now = utcnow()
    entry = LedgerEntry(**_seal(state, draft, now))
    # Written with the caller's next flush (at the latest, its commit): many appends
    # in one transaction then go to the database as one batched INSERT.
    session.add(entry)
    _appended(state)
    _sign_if_due(session, state, now)
    if state.shared:
        # Bound to a connection other sessions may share (tests do): write now, so
        # they see this entry before appending their own.
        session.flush()
    return entry


def append_many(session: Session, drafts: Iterable[EntryDraft], *, batch: int = 2000) -> int:
    """Append many entries in the caller's transaction with bulk INSERTs.

    Stores exactly what the same sequence of :func:`record` calls would (the
    same tree code makes the rows); used for imports and the benchmark.
    """
    session.flush()  # entries from record() reach the database first, in order
    state = _writer(session)
    rows: list[dict[str, Any]] = []
    count = 0
    try:
        for draft in drafts:
            now = utcnow()
            rows.append(_seal(state, draft, now))
            count += 1
            if len(rows) >= batch:
                repository.insert_entries(session, rows)
                _appended(state)
                rows = []
                _sign_if_due(session, state, now)
        repository.insert_entries(session, rows)
        _appended(state)
    except BaseException:
        session.info.pop(_STATE_KEY, None)  # the frontier may count entries that were never written
        raise
    if rows:
        _sign_if_due(session, state, utcnow())
    return count


def _sign_if_due(session: Session, state: _Writer, now: datetime) -> None:
    """Mid-transaction: a long transaction still gets a head every interval (the commit signs the rest)."""
    settings = settings_of(session)
    if state.head_at is not None and _within(now, state.head_at, settings.ledger_head_interval_s):
        return
    _sign_or_warn(session, state, now)


def _sign_or_warn(session: Session, state: _Writer, now: datetime) -> bool:
    try:
        _sign(session, state, heads.signing_key(settings_of(session)), now)
    except (heads.SigningKeyUnusable, IntegrityFailure) as exc:
        # The entry matters more than the head: keep appending, and say so loudly
        # (POLICY SEC-2: an alert when audit processing fails). Heads resume once fixed.
        if not state.key_warned:
            log.error("custody ledger: cannot sign a tree head: %s", exc.message)
            state.key_warned = True
        return False
    return True


def check_signable(session: Session, state: _Writer, *, count_all: bool = False) -> None:
    """Refuse (IntegrityFailure) to sign over a log that fails its own last-head checks.

    Always, in O(log n) reads plus the entries since the last head: no entry a
    head covers was cut off the end (LEDGER_TRUNCATED); the stored tree still
    has the last head's root (LEDGER_INCONSISTENT); the entries since that head
    are all there (LEDGER_ENTRY_MISSING). ``count_all`` also counts every entry,
    which finds one deleted from the middle of the log (O(n) on an index: the
    periodic signer and on-demand heads pay it; exports and ``bwc ledger head
    --sign`` recompute the whole tree first, ``verify.refuse_if_tampered``).
    """
    size = state.frontier.size
    if size < state.head_size:
        # Never put the agency's signature on a log that lost entries it already vouched for.
        raise IntegrityFailure(
            f"the ledger holds {size} entries but head {state.head_number} covers "
            f"{state.head_size}: entries were removed; run `bwc ledger verify`",
            code="LEDGER_TRUNCATED",
            detail={"tree_size": size, "head": state.head_number, "head_tree_size": state.head_size},
        )
    if state.head_number and proofs.root_at(session, state.head_size) != state.head_root:
        # Nor on a tree that no longer extends the last head: that would sign a fork.
        raise IntegrityFailure(
            f"the stored tree no longer matches signed head {state.head_number}: entries were changed; "
            "run `bwc ledger verify`",
            code="LEDGER_INCONSISTENT",
            detail={"head": state.head_number},
        )
    session.flush()  # entries added by record() but not yet written count too
    low = 0 if count_all else state.head_size
    present = repository.count_entries(session, low)
    if present != size - low:
        raise IntegrityFailure(
            f"the ledger should hold entries {low} to {size - 1} but {size - low - present} of them are missing: "
            "entries were deleted; run `bwc ledger verify`",
            code="LEDGER_ENTRY_MISSING",
            detail={"from": low, "tree_size": size, "present": present},
        )


def _sign(session: Session, state: _Writer, key: Any, now: datetime, *, count_all: bool = False) -> LedgerHead:
    check_signable(session, state, count_all=count_all)
    root = state.frontier.root()
    kid, signature = heads.sign(key, tree_size=state.frontier.size, root_hash=root, at=now)
    row = {
        "number": state.head_number + 1,
        "tree_size": state.frontier.size,
        "root_hash": root,
        "signed_at": now,
        "key_id": kid,
        "signature": signature,
    }
    head = LedgerHead(**row)
    session.add(head)
    _appended(state)
    state.head_number, state.head_size, state.head_at, state.head_root = head.number, head.tree_size, now, root
    return head


def sign_head(session: Session, *, key: Any = None, count_all: bool = False) -> heads.Head:
    """Sign a head over the whole tree now (on demand), in the caller's transaction.

    ``key`` is for key rotation only (``rotation``); by default the configured key signs.
    Refuses (IntegrityFailure) a log that fails :func:`check_signable`.
    """
    state = _writer(session)
    now = utcnow()
    key = key or heads.signing_key(settings_of(session))
    return heads.Head.from_row(_sign(session, state, key, now, count_all=count_all))


def current_head(session: Session, *, max_age_s: float | None = None, count_all: bool = False) -> heads.Head:
    """The latest signed head, first signing a new one if entries arrived since it.

    A new head is signed only when the latest one does not cover the whole tree
    and is at least ``max_age_s`` old (default: the configured head interval;
    0 signs whenever the tree grew). An empty ledger gets a head of size 0.
    ``count_all``: see :func:`check_signable`.
    """
    if max_age_s is None:
        max_age_s = settings_of(session).ledger_head_interval_s
    latest = repository.latest_head(session)
    if latest is not None and _fresh_enough(latest, repository.tree_size(session), max_age_s):
        return heads.Head.from_row(latest)
    state = _writer(session)  # under the lock: look again, another process may have signed
    latest = repository.latest_head(session)
    if latest is not None and _fresh_enough(latest, state.frontier.size, max_age_s):
        return heads.Head.from_row(latest)
    return sign_head(session, count_all=count_all)


def _fresh_enough(head: LedgerHead, size: int, max_age_s: float) -> bool:
    return head.tree_size == size or _within(utcnow(), head.signed_at, max_age_s)


def _within(now: datetime, signed_at: datetime, seconds: float) -> bool:
    """Whether a head signed at ``signed_at`` is less than ``seconds`` old.

    A head from the future (the clock was set back after it was signed) is not
    fresh: otherwise no head would be signed until the clock caught up again.
    """
    age = (now - ensure_utc(signed_at)).total_seconds()
    return 0 <= age < seconds


# ---- a head with every commit (or within ledger_head_lag_s of it) -------------------------------
#
# The entries a transaction appended are signed as it commits, so nothing a caller was
# told is recorded sits unsigned for long: an unsigned tail is what someone with the
# database file could cut without a trace (issue 11). Under load, commits sign at most
# once per ``ledger_head_lag_s``; the entries of a commit that did not sign are signed
# by a timer of this process when that time is up (or at its exit), whichever process
# commits next, or the job runtime's tick.


@event.listens_for(Session, "before_commit")
def _sign_at_commit(session: Session) -> None:
    """Sign over what this transaction appended (also at a savepoint's release: the head goes with it)."""
    state: _Writer | None = session.info.get(_STATE_KEY)
    if state is None or session.info.get("settings") is None:
        return  # nothing appended since the last commit (or not an app's session)
    if state.txn is not _current_txn(session) or state.conn_info.get(_GENERATION_KEY) != state.generation:
        state = _writer(session)  # appended in a savepoint since closed: read the tree again
    if state.frontier.size <= state.head_size:
        return
    lag = float(settings_of(session).ledger_head_lag_s)
    now = utcnow()
    if lag <= 0 or state.head_at is None or not _within(now, state.head_at, lag):
        _sign_or_warn(session, state, now)
        return
    bind = session.get_bind()
    if isinstance(bind, Engine):
        due = lag - (now - ensure_utc(state.head_at)).total_seconds()
        _tail.schedule(bind, session.info, max(due, 0.0) + 0.01)


@event.listens_for(Session, "after_transaction_end")
def _forget_writer(session: Session, transaction: Any) -> None:
    """Once the outermost transaction ends, its writer state is never trusted again (reloaded under the lock)."""
    if transaction.parent is None:
        session.info.pop(_STATE_KEY, None)


class _TailSigner:
    """Per process: sign the tail a rate-limited commit left, once the lag is up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._timers: dict[str, tuple[threading.Timer, Engine, dict[str, Any]]] = {}
        self._atexit = False

    def schedule(self, engine: Engine, info: dict[str, Any], delay: float) -> None:
        key = engine.url.render_as_string(hide_password=True)
        info = {k: v for k, v in info.items() if k in ("settings", "registry")}
        with self._lock:
            if key in self._timers:
                return
            timer = threading.Timer(delay, self._fire, args=(key,))
            timer.daemon = True
            self._timers[key] = (timer, engine, info)
            if not self._atexit:
                atexit.register(self.flush)
                self._atexit = True
        timer.start()

    def _fire(self, key: str) -> None:
        with self._lock:
            item = self._timers.pop(key, None)
        if item is not None:
            sign_tail(item[1], item[2])

    def flush(self) -> None:
        """Sign every pending tail now (process exit; tests)."""
        with self._lock:
            items = list(self._timers.values())
            self._timers.clear()
        for timer, engine, info in items:
            timer.cancel()
            sign_tail(engine, info)


_tail = _TailSigner()


def sign_tail(engine: Engine, info: dict[str, Any]) -> None:
    """Sign a head over entries no head covers yet, in a transaction of its own."""
    session = Session(bind=engine, info=dict(info), expire_on_commit=False)
    try:
        current_head(session, max_age_s=0)
        session.commit()
    except Exception as exc:  # noqa: BLE001 - a background signer must not die; the next commit retries
        session.rollback()
        log.error("custody ledger: cannot sign the tail of the ledger: %s", getattr(exc, "message", exc))
    finally:
        session.close()


def flush_pending_heads() -> None:
    """Sign now what this process's commits left unsigned (the CLI at exit, tests)."""
    _tail.flush()
