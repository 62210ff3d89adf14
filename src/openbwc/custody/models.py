"""Ledger tables. Append-only: the database refuses UPDATE and DELETE (migration 0002).

There is no table of tree nodes apart from the entries: each entry row carries
the hashes of the perfect subtrees its leaf completes (see ``merkle``), so an
append is one INSERT, any root or proof reads O(log n) rows by primary key,
and a full verification streams a single table in order.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from openbwc.db.base import Base

# Column sizes of the query columns. The full values are always in the leaf.
ACTOR_ID_LEN = 120
ACTION_LEN = 120
OBJECT_TYPE_LEN = 60
OBJECT_ID_LEN = 255


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_object", "object_type", "object_id"),)

    # The leaf index in the Merkle tree: 0, 1, 2, ... without gaps.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime]
    # Copies of leaf fields for queries; `bwc ledger verify --deep` checks they agree with the leaf.
    actor_id: Mapped[str] = mapped_column(String(ACTOR_ID_LEN), index=True)
    action: Mapped[str] = mapped_column(String(ACTION_LEN), index=True)
    object_type: Mapped[str] = mapped_column(String(OBJECT_TYPE_LEN))
    object_id: Mapped[str] = mapped_column(String(OBJECT_ID_LEN))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    # The exact bytes hashed into the tree (RFC 8785 canonical JSON of the entry).
    leaf: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    # Hashes (32 bytes each, level 1 upward) of the perfect subtrees this leaf
    # completes; empty for even seq. Derived data, kept so appends and proofs cost O(log n).
    subtree_hashes: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerHead(Base):
    """A signed tree head: the agency's signed statement of the tree's size and root at a time."""

    __tablename__ = "ledger_heads"

    # 1, 2, 3, ... in signing order; assigned under the ledger's append lock.
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    signed_at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
