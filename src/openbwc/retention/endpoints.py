"""Legal-hold API: list, place, add recordings, ask to lift, decide (two people)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from openbwc.evidence import service as evidence_service
from openbwc.identity.service import Principal
from openbwc.kit.pagination import Limit, Offset, Page
from openbwc.retention import holds
from openbwc.retention.permissions import RetentionPermissions
from openbwc.retention.schemas import HoldIn, HoldOut, HoldRecordingsIn, LiftDecisionIn, LiftIn
from openbwc.web.http import DB, actor_of, requires

router = APIRouter(prefix="/api/v1", tags=["retention"])
P = RetentionPermissions


def _view(db: Session, request: Request, caller: Principal, hold_id: object) -> HoldOut:
    return HoldOut.of(holds.show(db, actor_of(request, caller), evidence_service.viewer_for(db, caller), hold_id))


@router.get("/holds", response_model=Page[HoldOut])
def list_holds(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.HOLDS_READ),
    status: str | None = Query(None, max_length=20, description="holding, active, lift_requested or lifted"),
    recording_id: str | None = Query(None, max_length=64),
    case_number: str | None = Query(None, max_length=60),
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[HoldOut]:
    rows, total = holds.list_holds(
        db,
        actor_of(request, caller),
        evidence_service.viewer_for(db, caller),
        status=status,
        recording_id=recording_id,
        case_number=case_number,
        limit=limit,
        offset=offset,
    )
    return Page(items=[HoldOut.of(v) for v in rows], total=total, limit=limit, offset=offset)


@router.post("/holds", response_model=HoldOut, status_code=201)
def place_hold(
    body: HoldIn, request: Request, db: Session = DB, caller: Principal = requires(P.HOLDS_WRITE)
) -> HoldOut:
    """Put recordings under a legal hold: they are kept whatever their retention period says."""
    hold = holds.place(
        db,
        actor_of(request, caller),
        evidence_service.viewer_for(db, caller),
        kind=body.kind,
        reason=body.reason,
        recording_ids=body.recording_ids,
        case_number=body.case_number,
    )
    return _view(db, request, caller, hold.id)


@router.get("/holds/{hold_id}", response_model=HoldOut)
def show_hold(hold_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.HOLDS_READ)) -> HoldOut:
    return _view(db, request, caller, hold_id)


@router.post("/holds/{hold_id}/recordings", response_model=HoldOut)
def add_to_hold(
    hold_id: str,
    body: HoldRecordingsIn,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.HOLDS_WRITE),
) -> HoldOut:
    hold, _added = holds.add_recordings(
        db, actor_of(request, caller), evidence_service.viewer_for(db, caller), hold_id, body.recording_ids
    )
    return _view(db, request, caller, hold.id)


@router.post("/holds/{hold_id}/lift", response_model=HoldOut)
def ask_to_lift(
    hold_id: str, body: LiftIn, request: Request, db: Session = DB, caller: Principal = requires(P.HOLDS_WRITE)
) -> HoldOut:
    """Ask for the hold to be lifted; it keeps holding until another person approves."""
    hold = holds.request_lift(db, actor_of(request, caller), hold_id, body.reason)
    return _view(db, request, caller, hold.id)


@router.post("/holds/{hold_id}/lift/approve", response_model=HoldOut)
def approve_lift(
    hold_id: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.HOLDS_APPROVE),
    body: LiftDecisionIn | None = None,
) -> HoldOut:
    """Lift the hold (409 TWO_PERSON_REQUIRED for the person who asked)."""
    hold = holds.decide_lift(db, actor_of(request, caller), hold_id, approve=True, note=body.note if body else None)
    return _view(db, request, caller, hold.id)


@router.post("/holds/{hold_id}/lift/decline", response_model=HoldOut)
def decline_lift(
    hold_id: str, body: LiftIn, request: Request, db: Session = DB, caller: Principal = requires(P.HOLDS_APPROVE)
) -> HoldOut:
    """Keep the hold: the request to lift it is declined, with a reason."""
    hold = holds.decide_lift(db, actor_of(request, caller), hold_id, approve=False, note=body.reason)
    return _view(db, request, caller, hold.id)
