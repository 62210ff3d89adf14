"""Evidence API: submit a recording, list and read recordings, the quarantine."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response
from sqlalchemy.orm import Session

from openbwc.evidence import quarantine, service
from openbwc.evidence.models import QuarantineStatus, UploadSession
from openbwc.evidence.permissions import EvidencePermissions
from openbwc.evidence.schemas import (
    Decision,
    FileOut,
    QuarantineOut,
    RecordingOut,
    RecordingSubmit,
    SubmitOut,
)
from openbwc.evidence.uploads import sessions as uploads
from openbwc.evidence.uploads import tus as tus_module
from openbwc.identity.service import Principal
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.pagination import Limit, Offset, Page
from openbwc.kit.time import ensure_utc
from openbwc.kit.types import Instant
from openbwc.storage import open_store
from openbwc.web.http import DB, actor_of, requires

router = APIRouter(prefix="/api/v1", tags=["evidence"])
tus_router = tus_module.router


@router.post(
    "/recordings",
    response_model=SubmitOut,
    status_code=201,
    responses={200: {"model": SubmitOut, "description": "A duplicate: the recording is already evidence"}},
)
def submit_recording(
    body: RecordingSubmit,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    db: Session = DB,
    caller: Principal = requires(EvidencePermissions.UPLOADS_WRITE),
) -> SubmitOut:
    """Create a recording from a camera manifest whose files are finished tus uploads."""
    settings = request.app.state.settings
    result = service.submit_manifest(
        db, open_store(settings), settings, actor_of(request, caller), caller.account_id, body.manifest, body.uploads
    )
    if result.status == "duplicate":
        response.status_code = 200
    # Staging copies are removed once the response (and so the commit) is done.
    claimed = [u.id for u in db.query(UploadSession).filter_by(recording_id=result.recording.id)]
    background.add_task(uploads.remove_staging, settings, claimed)
    return SubmitOut(
        recording_id=str(result.recording.id),
        status=result.status,
        flags=result.flags,
        files=[
            FileOut(name=f.name, sha256=f.sha256, size=f.size, status=f.status, recording_id=f.recording_id)
            for f in result.files
        ],
    )


@router.get("/recordings", response_model=Page[RecordingOut])
def list_recordings(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(EvidencePermissions.RECORDINGS_READ),
    officer: str | None = Query(None, max_length=20),
    camera: str | None = Query(None, max_length=40),
    office: str | None = Query(None, max_length=12),
    flag: str | None = Query(None, max_length=40),
    category: str | None = Query(None, max_length=40),
    start_from: Instant | None = None,
    start_to: Instant | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RecordingOut]:
    for value in (start_from, start_to):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed("times need a zone (e.g. 2026-03-01T00:00:00Z)", code="INVALID_TIME")
    filters: dict[str, Any] = service.resolve_filters(db, officer=officer, camera=camera)
    views, total = service.list_recordings(
        db,
        actor_of(request, caller),
        service.viewer_for(db, caller),
        limit=limit,
        offset=offset,
        office_code=office.upper() if office else None,
        flag=flag.upper() if flag else None,
        category=category,
        start_from=ensure_utc(start_from) if start_from else None,
        start_to=ensure_utc(start_to) if start_to else None,
        **filters,
    )
    return Page(items=[RecordingOut(**v.as_dict()) for v in views], total=total, limit=limit, offset=offset)


@router.get("/recordings/{recording_id}", response_model=RecordingOut)
def get_recording(
    recording_id: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(EvidencePermissions.RECORDINGS_READ),
) -> RecordingOut:
    view = service.show(
        db, actor_of(request, caller), service.viewer_for(db, caller), service.parse_recording_id(recording_id)
    )
    return RecordingOut(**view.as_dict(with_segments=True))


@router.get("/quarantine", response_model=Page[QuarantineOut])
def list_quarantine(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(EvidencePermissions.QUARANTINE_READ),
    status: str | None = Query(QuarantineStatus.HELD, max_length=20),
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[QuarantineOut]:
    rows, total = quarantine.list_quarantine(
        db, actor_of(request, caller), status=status or None, limit=limit, offset=offset
    )
    return Page(items=[QuarantineOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post("/quarantine/{item_id}/release", response_model=QuarantineOut)
def release_quarantine(
    item_id: str,
    body: Decision,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(EvidencePermissions.QUARANTINE_WRITE),
) -> QuarantineOut:
    item = quarantine.get_quarantine(db, item_id)
    quarantine.release(db, open_store(request.app.state.settings), actor_of(request, caller), item, body.note)
    return QuarantineOut.model_validate(item)


@router.post("/quarantine/{item_id}/reject", response_model=QuarantineOut)
def reject_quarantine(
    item_id: str,
    body: Decision,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(EvidencePermissions.QUARANTINE_WRITE),
) -> QuarantineOut:
    item = quarantine.get_quarantine(db, item_id)
    quarantine.reject(db, actor_of(request, caller), item, body.note)
    return QuarantineOut.model_validate(item)
