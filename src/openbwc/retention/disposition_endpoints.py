"""Retention API: what is due, dispositions (two people), certificates, a recording's retain-until and why."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from openbwc.evidence import service as evidence_service
from openbwc.identity.service import Principal
from openbwc.kit.pagination import Limit, Offset, Page
from openbwc.retention import disposition, schedule
from openbwc.retention.permissions import RetentionPermissions
from openbwc.retention.schemas import (
    CertificateOut,
    DecisionIn,
    DispositionIn,
    DispositionOut,
    DueOut,
    DuePage,
    RetentionOut,
)
from openbwc.storage import open_store
from openbwc.web.http import DB, actor_of, requires

router = APIRouter(prefix="/api/v1", tags=["retention"])
P = RetentionPermissions


def certificate_out(cert: object) -> CertificateOut:
    return CertificateOut(**disposition.certificate_dict(cert), ledger_seq=cert.ledger_seq)  # type: ignore[arg-type,attr-defined]


@router.get("/retention/due", response_model=DuePage)
def due(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.RETENTION_READ),
    limit: Limit = 50,
    offset: Offset = 0,
) -> DuePage:
    """Recordings whose retention has run out (not held, not requested), oldest date first."""
    items, total = disposition.due(
        db, actor_of(request, caller), evidence_service.viewer_for(db, caller), limit=limit, offset=offset
    )
    return DuePage(
        items=[
            DueOut(
                recording_id=str(i.recording.id),
                recorded_start=i.recording.recorded_start,
                category=i.retention.category,
                retain_until=i.retention.retain_until,  # type: ignore[arg-type]
                why=i.retention.why,
                proposal_id=str(i.proposal) if i.proposal else None,
            )
            for i in items
        ],
        total=total,
        limit=limit,
        offset=offset,
        by_basis=disposition.counts(db),
    )


@router.post("/retention/dispositions", response_model=DispositionOut, status_code=201)
def propose(
    body: DispositionIn, request: Request, db: Session = DB, caller: Principal = requires(P.DISPOSITION_PROPOSE)
) -> DispositionOut:
    """Propose destroying due recordings; a different person approves (409 NOT_DUE, RECORDING_HELD...)."""
    viewer = evidence_service.viewer_for(db, caller)
    d = disposition.propose(db, actor_of(request, caller), viewer, body.recording_ids, body.reason)
    return DispositionOut.of(d, disposition.recordings_of(db, d.id, viewer))


@router.get("/retention/dispositions", response_model=Page[DispositionOut])
def list_dispositions(
    db: Session = DB,
    caller: Principal = requires(P.RETENTION_READ),
    status: str | None = Query(None, max_length=20, description="proposed, destroyed or declined"),
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[DispositionOut]:
    rows, total = disposition.list_dispositions(
        db, evidence_service.viewer_for(db, caller), status=status, limit=limit, offset=offset
    )
    return Page(items=[DispositionOut.of(d, ids) for d, ids in rows], total=total, limit=limit, offset=offset)


@router.get("/retention/dispositions/{disposition_id}", response_model=DispositionOut)
def show(
    disposition_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.RETENTION_READ)
) -> DispositionOut:
    d, ids = disposition.show(db, actor_of(request, caller), evidence_service.viewer_for(db, caller), disposition_id)
    return DispositionOut.of(d, ids)


@router.post("/retention/dispositions/{disposition_id}/approve", response_model=list[CertificateOut])
def approve(
    disposition_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.DISPOSITION_APPROVE)
) -> list[CertificateOut]:
    """Approve and destroy (409 TWO_PERSON_REQUIRED for the proposer); answers the certificates."""
    done = disposition.approve(db, actor_of(request, caller), open_store(request.app.state.settings), disposition_id)
    return [certificate_out(c) for c in done.certificates]


@router.post("/retention/dispositions/{disposition_id}/decline", response_model=DispositionOut)
def decline(
    disposition_id: str,
    body: DecisionIn,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.DISPOSITION_APPROVE),
) -> DispositionOut:
    """Decline a proposal (nothing is destroyed); the reason goes to the ledger."""
    d = disposition.decline(db, actor_of(request, caller), disposition_id, body.reason)
    return DispositionOut.of(d, disposition.recordings_of(db, d.id, evidence_service.viewer_for(db, caller)))


@router.get("/retention/certificates", response_model=Page[CertificateOut])
def certificates(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.RETENTION_READ),
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CertificateOut]:
    rows, total = disposition.certificates(
        db, actor_of(request, caller), evidence_service.viewer_for(db, caller), limit=limit, offset=offset
    )
    return Page(items=[certificate_out(c) for c in rows], total=total, limit=limit, offset=offset)


@router.get("/recordings/{recording_id}/retention", response_model=RetentionOut)
def recording_retention(
    recording_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.RETENTION_READ)
) -> RetentionOut:
    """The recording's retain-until date and why (no date: kept while its basis stands)."""
    rec, row = schedule.read(db, actor_of(request, caller), evidence_service.viewer_for(db, caller), recording_id)
    return RetentionOut(
        recording_id=str(rec.id),
        retain_until=row.retain_until,
        basis=row.basis,
        why=row.why,
        category=row.category,
        policy_version=row.policy_version,
        computed_at=row.computed_at,
        disposed_at=rec.disposed_at,
    )
