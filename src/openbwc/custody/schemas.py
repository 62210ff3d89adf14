"""Ledger API shapes. Hashes and signatures are lowercase hex."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class HeadOut(BaseModel):
    tree_size: int
    root_hash: str
    timestamp: str
    key_id: str
    signature: str


class NumberedHeadOut(HeadOut):
    number: int


class PublicKeyOut(BaseModel):
    key_id: str
    public_key_pem: str
    signature_type: str


class LedgerKeyOut(BaseModel):
    """One signing key in the order keys came into force (key rotation)."""

    key_id: str
    public_key_pem: str
    announced_by_entry: int | None  # None for the first key
    retired_by_entry: int | None  # None for the key in force
    retired_reason: str | None


class InclusionProofOut(BaseModel):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]
    root_hash: str


class ConsistencyOut(BaseModel):
    first: int
    second: int
    proof: list[str]


class EntryOut(BaseModel):
    """One entry as signed (parsed from its leaf), plus its leaf hash."""

    seq: int
    time: str
    actor: dict[str, Any]
    action: str
    object: dict[str, Any]
    evidence_sha256: str | None
    outcome: str
    reason: str | None
    request_id: str | None
    client_addr: str | None
    details: dict[str, Any]
    leaf_hash: str


class ReportEntryOut(BaseModel):
    seq: int
    entry: dict[str, Any]
    leaf: str  # the exact signed bytes (UTF-8): SHA-256(0x00 || leaf) is the leaf hash
    proof: InclusionProofOut


class ReportOut(BaseModel):
    evidence_id: str
    generated_at: str
    head_number: int
    head: HeadOut
    key_id: str
    public_key_pem: str
    entries: list[ReportEntryOut]
