"""Ledger API.

Heads, head history, proofs and the public key are public on purpose: they
reveal only hashes, and anyone who keeps heads can later prove a rewritten log.
Entry listings (what happened, to whom) need ``custody:ledger:audit``; custody
reports need ``custody:ledger:read``.
"""

from __future__ import annotations

import math
from typing import Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from openbwc.custody import heads, proofs, reports, repository, rotation, service
from openbwc.custody.keys import key_id, public_key_pem
from openbwc.custody.permissions import CustodyPermissions
from openbwc.custody.schemas import (
    ConsistencyOut,
    EntryOut,
    HeadOut,
    InclusionProofOut,
    LedgerKeyOut,
    NumberedHeadOut,
    PublicKeyOut,
    ReportOut,
)
from openbwc.db.session import settings_of
from openbwc.kit import scope
from openbwc.kit.errors import Conflict
from openbwc.kit.pagination import Limit, Offset, Page
from openbwc.kit.types import Whole
from openbwc.web.http import DB, Caller, actor_of, public, requires

router = APIRouter(prefix="/api/v1", tags=["custody"])


@router.get("/ledger/head", response_model=HeadOut, dependencies=[public()])
def latest_head(db: Session = DB) -> HeadOut:
    """The latest signed tree head; a new one is signed if entries arrived and the last is over a minute old."""
    return HeadOut(**service.current_head(db).public())


@router.get("/ledger/heads", response_model=Page[NumberedHeadOut], dependencies=[public()])
def head_history(
    db: Session = DB, limit: Limit = 50, offset: Offset = 0
) -> Page[NumberedHeadOut]:
    """Every signed head, newest first: keep them, and check later heads are consistent with them."""
    rows = repository.heads(db, limit=limit, offset=offset, newest_first=True)
    items = [NumberedHeadOut(number=h.number, **h.public()) for h in map(heads.Head.from_row, rows)]
    return Page(items=items, total=repository.head_count(db), limit=limit, offset=offset)


@router.get("/ledger/public-key", response_model=PublicKeyOut, dependencies=[public()])
def ledger_public_key(request: Request) -> PublicKeyOut:
    key = heads.public_key(request.app.state.settings)
    return PublicKeyOut(
        key_id=key_id(key), public_key_pem=public_key_pem(key).decode(), signature_type=heads.SIGNATURE_TYPE
    )


@router.get("/ledger/keys", response_model=list[LedgerKeyOut], dependencies=[public()])
def ledger_keys(db: Session = DB) -> list[LedgerKeyOut]:
    """Every signing key, oldest first: each later key is announced by an entry the key before it signed."""
    return [LedgerKeyOut(**k) for k in rotation.key_history(db, heads.public_key(settings_of(db)))]


@router.get("/ledger/entries", response_model=Page[EntryOut])
def list_entries(
    request: Request,
    db: Session = DB,
    caller: Caller = requires(CustodyPermissions.LEDGER_AUDIT),
    action: str | None = Query(None, max_length=120),
    actor_id: str | None = Query(None, max_length=120),
    object_type: str | None = Query(None, max_length=60),
    object_id: str | None = Query(None, max_length=255),
    evidence_sha256: str | None = Query(None, pattern="^[0-9a-fA-F]{64}$"),
    outcome: Literal["success", "failure", "denied"] | None = None,
    order: Literal["newest", "oldest"] = "newest",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[EntryOut]:
    """Entries for a ledger audit (oversight). Listing them is itself recorded in the ledger."""
    items, total = reports.list_entries(
        db, actor_of(request, caller), limit=limit, offset=offset, newest_first=order == "newest",
        action=action, actor_id=actor_id, object_type=object_type, object_id=object_id,
        evidence_sha256=evidence_sha256, outcome=outcome,
    )
    return Page(items=[EntryOut(**e) for e in items], total=total, limit=limit, offset=offset)


@router.get("/ledger/proof/{seq}", response_model=InclusionProofOut, dependencies=[public()])
def inclusion_proof(
    seq: Whole, db: Session = DB, tree_size: Whole | None = Query(None, description="default: the latest signed head")
) -> InclusionProofOut:
    """RFC 6962 audit path of entry ``seq``, against the latest signed head unless ``tree_size`` is given."""
    if tree_size is not None:
        return InclusionProofOut(**proofs.inclusion(db, seq, tree_size).public())
    head = service.current_head(db)
    if 0 <= seq < repository.tree_size(db) and seq >= head.tree_size:
        wait = max(1, math.ceil(settings_of(db).ledger_head_lag_s))
        raise Conflict(
            f"entry {seq} is newer than the latest signed head ({head.tree_size} entries); a head covers every "
            f"commit within {wait} s: retry shortly, or pass tree_size",
            code="ENTRY_NOT_YET_SIGNED",
            detail={"seq": seq, "head_tree_size": head.tree_size, "retry_after_s": wait},
        )
    return InclusionProofOut(**proofs.prove_against(db, seq, head).public())


@router.get("/ledger/consistency", response_model=ConsistencyOut, dependencies=[public()])
def consistency_proof(first: Whole, second: Whole, db: Session = DB) -> ConsistencyOut:
    """RFC 6962 proof that the tree of ``second`` entries extends the tree of ``first``."""
    proof = proofs.consistency(db, first, second)
    return ConsistencyOut(first=first, second=second, proof=[h.hex() for h in proof])


@router.get("/custody/reports/{evidence_id}", response_model=ReportOut)
def custody_report(
    evidence_id: str, request: Request, db: Session = DB, caller: Caller = requires(CustodyPermissions.LEDGER_READ)
) -> ReportOut:
    """Every ledger entry about an item, each with its inclusion proof against one signed head."""
    actor = actor_of(request, caller)
    # The caller's row scope: no report on a recording they may not see (sealed: oversight alone).
    return ReportOut(**reports.custody_report(db, actor, evidence_id, scope=scope.for_caller(db, caller, actor)))
