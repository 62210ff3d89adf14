"""Roots, inclusion proofs and consistency proofs from the stored subtree hashes.

Each answer reads O(log n) rows by primary key in one query: the perfect
subtrees a proof needs are computed first (``merkle``), then fetched together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from openbwc.custody import merkle, repository
from openbwc.custody.heads import Head
from openbwc.kit.errors import IntegrityFailure, NotFound, ValidationFailed


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    audit_path: list[bytes]
    root_hash: bytes

    def public(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
            "audit_path": [h.hex() for h in self.audit_path],
            "root_hash": self.root_hash.hex(),
        }

    def verifies(self) -> bool:
        return merkle.verify_inclusion(self.leaf_hash, self.leaf_index, self.tree_size, self.audit_path, self.root_hash)


def _spans_hashes(
    session: Session, spans: list[merkle.Span], extra: Sequence[merkle.Node] = ()
) -> tuple[list[bytes], list[bytes]]:
    """Hashes of ``spans`` (folded) and of the single nodes ``extra``, in one read."""
    per_span = merkle.spans_nodes(spans)
    wanted = [n for nodes in per_span for n in nodes] + list(extra)
    stored = repository.node_hashes(session, wanted)
    return [merkle.fold([stored[n] for n in nodes]) for nodes in per_span], [stored[n] for n in extra]


def check_tree_size(session: Session, size: int, *, field: str = "tree_size", allow_zero: bool = False) -> int:
    """Refuse sizes the tree has not reached (or below 1); return the current size."""
    current = repository.tree_size(session)
    low = 0 if allow_zero else 1
    if size < low or size > current:
        raise ValidationFailed(
            f"{field} {size} is outside the ledger: it holds {current} entries, so use {low} to {current}",
            code="TREE_SIZE_OUT_OF_RANGE",
            detail={"field": field, "value": size, "tree_size": current},
        )
    return current


def root_at(session: Session, size: int) -> bytes:
    """The RFC 6962 root of the first ``size`` entries."""
    nodes = merkle.root_nodes(size)
    stored = repository.node_hashes(session, nodes)
    return merkle.fold([stored[n] for n in nodes])


def inclusion(session: Session, seq: int, tree_size: int) -> InclusionProof:
    """RFC 6962 2.1.1 audit path for entry ``seq`` in the tree of ``tree_size`` entries."""
    if seq < 0:
        raise ValidationFailed(f"entry numbers start at 0, got {seq}", code="INVALID_SEQ", detail={"seq": seq})
    current = check_tree_size(session, tree_size)
    if seq >= current:
        raise NotFound(
            f"there is no ledger entry {seq}: the ledger holds entries 0 to {current - 1}",
            code="UNKNOWN_ENTRY",
            detail={"seq": seq, "tree_size": current},
        )
    if seq >= tree_size:
        raise ValidationFailed(
            f"entry {seq} is not in the tree of {tree_size} entries: ask for a tree size above {seq}",
            code="ENTRY_NOT_IN_TREE",
            detail={"seq": seq, "tree_size": tree_size},
        )
    root_nodes = merkle.root_nodes(tree_size)
    path, extra = _spans_hashes(session, merkle.inclusion_spans(seq, tree_size), [(0, seq), *root_nodes])
    return InclusionProof(
        leaf_index=seq, tree_size=tree_size, leaf_hash=extra[0], audit_path=path, root_hash=merkle.fold(extra[1:])
    )


def consistency(session: Session, first: int, second: int) -> list[bytes]:
    """RFC 6962 2.1.2 proof that the tree of ``second`` entries extends the tree of ``first``."""
    if first > second:
        raise ValidationFailed(
            f"first ({first}) must not be larger than second ({second}): a log only grows",
            code="FIRST_AFTER_SECOND",
            detail={"first": first, "second": second},
        )
    check_tree_size(session, first, field="first")
    check_tree_size(session, second, field="second")
    if first == second:
        return []
    path, _ = _spans_hashes(session, merkle.consistency_spans(first, second))
    return path


def prove_against(session: Session, seq: int, head: Head) -> InclusionProof:
    """Inclusion of ``seq`` in the tree a signed head vouches for, checked before it is handed out."""
    proof = inclusion(session, seq, head.tree_size)
    if proof.root_hash.hex() != head.root_hash or not proof.verifies():
        raise IntegrityFailure(
            f"the stored tree disagrees with signed head {head.number}: run `bwc ledger verify`",
            code="LEDGER_INCONSISTENT",
            detail={"head": head.number, "seq": seq},
        )
    return proof
