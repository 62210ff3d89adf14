"""Full verification of the ledger: recompute the tree, check every signed head.

The fast pass reads the entries once, in seq order, in aligned chunks of
2**14 (``treecheck``): for each chunk it recomputes every leaf hash and every
perfect subtree and compares them with the stored hashes; then the chunk roots
are merged and each signed head's root is checked at its tree size. Checking
every head's root against the recomputed tree is what proves the heads are
consistent with one another: two roots computed from one sequence of entries
are always consistent, so a head that fails is the one that disagrees.

Only when something fails does a slower diagnosis re-read the suspect span
entry by entry (JSON, embedded seq number, canonical form, leaf hash), so the
report can name the first bad entry and what is wrong with it.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from openbwc.custody import merkle, proofs, repository, rotation, treecheck
from openbwc.custody.heads import Head, format_timestamp
from openbwc.custody.heads import signature_problem as heads_signature_problem
from openbwc.custody.keys import key_id
from openbwc.custody.models import ACTOR_ID_LEN, OBJECT_ID_LEN
from openbwc.custody.service import column_value
from openbwc.kit.errors import IntegrityFailure

CHUNK_BITS = 14

Progress = Callable[[int, int], None]


MISSING = "LEDGER_ENTRY_MISSING"
INCONSISTENT = "LEDGER_INCONSISTENT"


@dataclass
class Problem:
    message: str
    entry: int | None = None
    head: int | None = None
    code: str = INCONSISTENT  # LEDGER_ENTRY_MISSING when entries are gone, else LEDGER_INCONSISTENT

    def public(self) -> dict[str, Any]:
        return {"message": self.message, "entry": self.entry, "head": self.head, "code": self.code}


@dataclass
class VerifyReport:
    entries: int = 0
    heads: int = 0
    key_id: str = ""
    keys: list[str] = field(default_factory=list)  # key ids in the order they came into force
    rotations: int = 0
    latest_head: Head | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_entry(self) -> int | None:
        bad = [p.entry for p in self.problems if p.entry is not None]
        return min(bad) if bad else None

    def public(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "heads": self.heads,
            "key_id": self.key_id,
            "keys": self.keys,
            "latest_head": self.latest_head.public() if self.latest_head else None,
            "first_bad_entry": self.first_bad_entry,
            "problems": [p.public() for p in self.problems],
            "warnings": self.warnings,
            "checked": self.checked,
        }


def verify_ledger(
    session: Session,
    public_key: Ed25519PublicKey,
    *,
    deep: bool = False,
    progress: Progress | None = None,
    chunk_bits: int = CHUNK_BITS,
    workers: int = 1,
    known_heads: Sequence[Head] = (),
) -> VerifyReport:
    """Check the whole ledger against ``public_key``; never raises for what it finds.

    ``deep`` also checks that the query columns (actor, action, object...)
    agree with each entry's signed content, at the cost of parsing every entry.
    ``workers`` > 1 lets large ledgers be checked by that many forked processes;
    they read only committed data, so pass it only from a session with no
    uncommitted changes of its own (the CLI).

    ``known_heads`` are heads kept outside the database (exported or published
    earlier, as Certificate Transparency clients keep them): each must be
    validly signed by a key of the ledger, and the ledger must extend it: hold
    at least its entries, with its root at its size. This is what catches
    entries cut off the end together with the heads that covered them.
    """
    report = VerifyReport(key_id=key_id(public_key))
    heads = [Head.from_row(r) for r in repository.heads(session)]
    report.heads = len(heads)
    report.latest_head = heads[-1] if heads else None
    _check_heads(heads, report)
    keys = _check_keys(session, heads, public_key, report)
    known = _check_known(heads, list(known_heads), keys, report)
    n = repository.tree_size(session)
    report.entries = n
    for h in [*heads, *known]:
        if h.tree_size > n:
            report.problems.append(Problem(
                f"{h.name} (signed {h.timestamp}) covers {h.tree_size} entries but the ledger holds only {n}: "
                f"entries {n} to {h.tree_size - 1} were removed",
                entry=n, head=h.number or None, code=MISSING,
            ))
            break
    own = sorted((h for h in heads if h.tree_size <= n), key=lambda h: (h.tree_size, h.number))
    pending = sorted((h for h in [*heads, *known] if h.tree_size <= n), key=lambda h: (h.tree_size, h.number))
    for h in pending:
        if h.tree_size == 0 and h.root_hash != merkle.EMPTY_ROOT.hex():
            report.problems.append(Problem(f"{h.name} claims an empty tree with a wrong root", head=h.number or None))
    # The fast pass allocates millions of short-lived row tuples; the cyclic garbage
    # collector finds nothing among them but would cost a large share of the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        walked = _Walk(
            session, n, [h for h in pending if h.tree_size > 0], report, progress, chunk_bits, workers
        ).run()
    finally:
        if collecting:
            gc.enable()
    if walked:
        report.checked += [
            (f"{n:,} entries are numbered 0 to {n - 1:,} without a gap" if n > 1 else
             "the ledger's one entry is numbered 0" if n else "the ledger holds no entries"),
            "every entry's content matches its RFC 6962 leaf hash, SHA-256(0x00 || entry)",
            "every stored subtree hash matches the tree recomputed from the entries",
        ]
    # A line in `checked` is printed as "ok": only what passed goes there.
    if heads and walked and report.ok:
        report.checked += [
            f"{len(heads):,} signed heads, numbered 1 to {len(heads)}, each signed by "
            + (f"key {report.key_id[:16]}..." if len(report.keys) < 2 else "the key in force when it was signed"),
            "each head's root equals the root recomputed from the first tree_size entries, "
            "so every head is consistent with every earlier one (nothing changed, removed or reordered)",
        ]
        if report.rotations:
            report.checked.append(
                f"{report.rotations} key rotation{'s' if report.rotations != 1 else ''}: each announced in the "
                "ledger, covered by a head of the retiring key, and no head signed by a key after it was retired"
            )
        if known:
            report.checked.append(
                f"{len(known):,} head{'s' if len(known) != 1 else ''} kept outside the database (--known-head): "
                "each validly signed by a key of the ledger, and the ledger extends each one (it holds every entry "
                "the head covers, with the head's root at its size)"
            )
        pairs = _check_consistency(session, own, report)
        if pairs:
            report.checked.append(
                f"{pairs:,} RFC 6962 consistency proof{'s' if pairs != 1 else ''}, one between each two "
                "successive heads, each verified against both signed roots"
            )
    if not heads:
        report.warnings.append("no signed head yet: sign one with `bwc ledger head --sign`")
    if deep and report.ok:
        _deep_check(session, report, 1 << chunk_bits)
    return report


def _check_consistency(session: Session, heads: list[Head], report: VerifyReport) -> int:
    """Prove each head consistent with the one before it, as an outside auditor keeping heads would.

    The recomputed roots already imply this; the proofs check it the way RFC 6962
    auditors do, with O(log n) stored hashes per pair, and exercise the proof code
    on real data. Returns how many pairs were proved.
    """
    proved = 0
    grown = [h for h in heads if h.tree_size > 0]
    for prev, h in zip(grown, grown[1:], strict=False):
        if h.tree_size == prev.tree_size:
            continue
        path = proofs.consistency(session, prev.tree_size, h.tree_size)
        if not merkle.verify_consistency(
            prev.tree_size, h.tree_size, bytes.fromhex(prev.root_hash), bytes.fromhex(h.root_hash), path
        ):
            report.problems.append(Problem(
                f"head {h.number} (tree size {h.tree_size}) is not consistent with head {prev.number} "
                f"(tree size {prev.tree_size}): the log was rewritten between them",
                head=h.number,
            ))
            break
        proved += 1
    return proved


def _check_keys(
    session: Session, heads: list[Head], trusted: Ed25519PublicKey, report: VerifyReport
) -> list[Ed25519PublicKey]:
    """Every head signed by the key in force for it, after any key rotations (``rotation``); returns the keys."""
    try:
        chain = rotation.rotations(session)
    except ValueError as exc:
        report.problems.append(Problem(str(exc)))
        return [trusted]
    problems, keys = rotation.schedule_problems(heads, chain, trusted)
    report.problems += [Problem(p.message, head=p.head or None) for p in problems]
    report.keys = [key_id(k) for k in keys]
    report.rotations = len(chain)
    return keys


def _check_known(
    heads: list[Head], known: list[Head], keys: list[Ed25519PublicKey], report: VerifyReport
) -> list[Head]:
    """Heads kept outside the database: signed by a key of the ledger, and not newer than its own heads.

    Returns the ones whose signature holds; the walk then checks the ledger extends them.
    """
    by_id = {key_id(k): k for k in keys}
    latest = heads[-1] if heads else None
    good: list[Head] = []
    for h in known:
        key = by_id.get(h.key_id)
        why = heads_signature_problem(h, key) if key else (
            f"it is signed by key {h.key_id[:16]}..., not one of the ledger's keys"
        )
        if why:
            report.problems.append(Problem(f"{h.name} (tree size {h.tree_size}, signed {h.timestamp}) is refused: "
                                           f"{why}"))
            continue
        if latest is None or h.tree_size > latest.tree_size or (
            h.tree_size == latest.tree_size and h.timestamp > latest.timestamp
        ):
            report.problems.append(Problem(
                f"{h.name} (tree size {h.tree_size}, signed {h.timestamp}) is newer than every head in the "
                f"database (the latest covers {latest.tree_size if latest else 0} entries): heads signed since "
                "were deleted",
                code=MISSING if latest is None or h.tree_size > latest.tree_size else INCONSISTENT,
            ))
        elif not any(_same(h, own) for own in heads):
            report.warnings.append(f"{h.name} (tree size {h.tree_size}) is not among the database's heads")
        good.append(h)
    return good


def _same(a: Head, b: Head) -> bool:
    return (a.tree_size, a.root_hash, a.timestamp, a.key_id, a.signature) == (
        b.tree_size, b.root_hash, b.timestamp, b.key_id, b.signature
    )


def _check_heads(heads: list[Head], report: VerifyReport) -> None:
    prev: Head | None = None
    for expected, h in enumerate(heads, start=1):
        if h.number != expected:
            report.problems.append(Problem(
                f"signed head {expected} is missing (the next is {h.number}): heads were deleted", head=expected
            ))
        if prev is not None and h.tree_size < prev.tree_size:
            report.problems.append(Problem(
                f"head {h.number} covers {h.tree_size} entries, fewer than head {prev.number} before it "
                f"({prev.tree_size}): the log was cut back",
                head=h.number,
            ))
        if prev is not None and h.timestamp < prev.timestamp:
            report.warnings.append(f"head {h.number} is timed before head {prev.number}: was the clock set back?")
        prev = h


def _aligned(parts: Iterable[list[Any]], size: int) -> Iterator[list[Any]]:
    """Re-cut driver batches into chunks of exactly ``size`` rows (the last may be short)."""
    buf: list[Any] = []
    for part in parts:
        buf.extend(part)
        while len(buf) >= size:
            yield buf[:size]
            buf = buf[size:]
    if buf:
        yield buf


class _Walk:
    """The fast pass: check chunks in order, merge their roots, check heads (module docstring)."""

    def __init__(
        self, session: Session, n: int, heads: list[Head], report: VerifyReport, progress: Progress | None,
        bits: int, workers: int,
    ) -> None:
        self.session, self.n, self.heads, self.report, self.progress = session, n, heads, report, progress
        self.bits, self.workers = bits, workers
        self.top: list[tuple[int, bytes]] = []  # perfect subtrees of level >= bits left of the chunk
        self.next_head = 0
        self.last_good_size = 0

    def fail(
        self, start: int, end: int, fallback: str, *, entry: int | None = None, head: int | None = None,
        code: str = INCONSISTENT,
    ) -> bool:
        self.report.problems.append(diagnose(self.session, start, end, fallback, entry=entry, head=head, code=code))
        return False

    def heads_by_chunk(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for h in self.heads:
            lo = ((h.tree_size - 1) >> self.bits) << self.bits
            out.setdefault(lo, []).append(h.tree_size)
        return out

    def results(self) -> Iterator[treecheck.ChunkResult]:
        size = 1 << self.bits
        heads_in = self.heads_by_chunk()
        url = self.session.connection().engine.url
        if self.workers > 1 and self.n >= 4 * size and url.database not in (None, "", ":memory:") \
                and treecheck.can_fork():
            yield from treecheck.parallel_chunks(
                url.render_as_string(hide_password=False), self.n, self.bits, heads_in, self.workers
            )
            return
        lo = 0
        for rows in _aligned(repository.stream_hash_rows(self.session, size), size):
            yield treecheck.check_chunk(lo, rows, self.bits, heads_in.get(lo, ()))
            lo += len(rows)

    def run(self) -> bool:
        seen = 0
        for out in self.results():
            if out.failure:
                start, end, message = out.failure
                code = MISSING if "missing" in message else INCONSISTENT
                return self.fail(start, end, message, entry=start, code=code)
            if out.lo != seen:
                return self.fail(seen, out.lo, f"entries {seen} to {out.lo - 1} are missing", entry=seen, code=MISSING)
            seen = out.lo + out.count
            if not self.merge(out):
                return False
            if self.progress:
                self.progress(seen, self.n)
        if seen != self.n:
            return self.fail(seen, self.n, f"entries {seen} to {self.n - 1} are missing", entry=seen, code=MISSING)
        return True

    def merge(self, out: treecheck.ChunkResult) -> bool:
        lo, cnt, bits = out.lo, out.count, self.bits
        before = dict(self.top)
        if out.root is not None:
            h, k, level, made = out.root, lo >> bits, bits, []
            while k & 1:
                _, left = self.top.pop()
                h = merkle.node_hash(left, h)
                made.append(h)
                k >>= 1
                level += 1
            self.top.append((level, h))
            if out.tail != b"".join(made):
                a = lo + (1 << bits) - (1 << level)
                return self.fail(a, lo + cnt, f"a stored subtree hash over entries {a} to {lo + cnt - 1} "
                                 "does not match them", entry=a)
        while self.next_head < len(self.heads) and self.heads[self.next_head].tree_size <= lo + cnt:
            head = self.heads[self.next_head]
            size = head.tree_size
            if size == lo + cnt and out.root is not None:
                root = merkle.fold([h for _, h in self.top])
            else:
                left = [before[level] for level, idx in merkle.root_nodes(size) if (idx + 1) << level <= lo]
                root = merkle.fold(left + out.head_parts[size])
            if root.hex() != head.root_hash:
                a = self.last_good_size
                return self.fail(
                    a, size,
                    f"{head.name} (signed {head.timestamp}) does not match entries {a} to {size - 1}: "
                    "one of them was changed, removed, inserted or reordered after the head was signed",
                    entry=a, head=head.number or None,
                )
            self.last_good_size = size
            self.next_head += 1
        return True


def diagnose(
    session: Session, start: int, end: int, fallback: str, *, entry: int | None = None, head: int | None = None,
    code: str = INCONSISTENT,
) -> Problem:
    """Look entry by entry through ``[start, end)`` for the first one that is plainly wrong."""
    expected = start
    for rows in repository.stream_entries(session, 4096, start, end):
        for seq, raw_leaf, raw_hash, _ in rows:
            try:
                leaf = repository.stored_bytes(raw_leaf, seq, "content")
                stored_hash = repository.stored_bytes(raw_hash, seq, "leaf hash")
            except IntegrityFailure as exc:
                return Problem(exc.message, entry=seq, head=head)
            if seq != expected:
                return Problem(f"entry {expected} is missing (entries were deleted)", entry=expected, head=head,
                               code=MISSING)
            expected += 1
            try:
                body = json.loads(leaf)
            except ValueError:
                return Problem(f"entry {seq}: its content is not valid JSON (it was edited)", entry=seq, head=head)
            claimed = body.get("seq") if isinstance(body, dict) else None
            if claimed != seq:
                return Problem(
                    f"entry {seq} holds the entry numbered {claimed}: entries were removed, inserted or reordered",
                    entry=seq, head=head, code=MISSING if isinstance(claimed, int) and claimed > seq else INCONSISTENT,
                )
            if rfc8785.dumps(body) != leaf:
                return Problem(
                    f"entry {seq}: its content is not in canonical form (it was edited)", entry=seq, head=head
                )
            if merkle.leaf_hash(leaf) != stored_hash:
                return Problem(
                    f"entry {seq}: its content was changed after it was written (it no longer matches its leaf hash)",
                    entry=seq, head=head,
                )
    if expected < end:
        return Problem(f"entry {expected} is missing (entries were deleted)", entry=expected, head=head, code=MISSING)
    return Problem(fallback, entry=entry, head=head, code=code)


def _deep_check(session: Session, report: VerifyReport, chunk: int) -> None:
    for part in repository.stream_full(session, chunk):
        for e in part:
            body = json.loads(e.leaf)
            obj = body.get("object") or {}
            expected = {
                "actor_id": column_value(str((body.get("actor") or {}).get("id")), ACTOR_ID_LEN),
                "action": body.get("action"),
                "object_type": obj.get("type"),
                "object_id": column_value(str(obj.get("id")), OBJECT_ID_LEN),
                "evidence_sha256": body.get("evidence_sha256"),
                "outcome": body.get("outcome"),
                "recorded_at": body.get("time"),
            }
            actual = {k: getattr(e, k) for k in expected}
            actual["recorded_at"] = format_timestamp(e.recorded_at)
            wrong = [k for k in expected if expected[k] != actual[k]]
            if wrong:
                report.problems.append(Problem(
                    f"entry {e.seq}: the column(s) {', '.join(wrong)} no longer agree with its signed content "
                    "(searches and custody reports would be misled)",
                    entry=e.seq,
                ))
                return
    report.checked.append("every entry's query columns (actor, action, object, evidence, outcome, time) agree with it")


def refuse_if_tampered(session: Session, public_key: Ed25519PublicKey) -> None:
    """Recompute the whole tree and check every head before signing a new one (exports, ``head --sign``).

    Raises IntegrityFailure, LEDGER_ENTRY_MISSING when entries a head covers (or
    numbers below the tree's size) are gone, LEDGER_INCONSISTENT for any other
    failure: the agency's signature never goes on a log that fails its own check.
    """
    report = verify_ledger(session, public_key)
    if report.ok:
        return
    first = report.problems[0]
    raise IntegrityFailure(
        f"refusing to sign: {first.message}; run `bwc ledger verify`",
        code=first.code,
        detail={"problems": [p.public() for p in report.problems[:5]], "first_bad_entry": report.first_bad_entry},
    )
