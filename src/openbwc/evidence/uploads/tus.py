"""The tus 1.0.0 server at ``/api/v1/uploads/``: core, creation, creation-with-upload,
termination, expiration and checksum (sha256).

Docks authenticate with a bearer token (``evidence:uploads:write``). An upload
cut off by the network keeps every byte that arrived (unless the request
carried an ``Upload-Checksum``, which a partial chunk cannot satisfy); HEAD
tells the client where to resume.
"""

from __future__ import annotations

import asyncio
import mmap
from collections.abc import Callable, Coroutine
from email.utils import format_datetime
from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.requests import ClientDisconnect

from openbwc.evidence.models import UploadSession, UploadStatus
from openbwc.evidence.permissions import EvidencePermissions
from openbwc.evidence.uploads import sessions as uploads
from openbwc.identity.service import Principal
from openbwc.kit.errors import Conflict, DomainError, ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.storage.base import FileTooLarge
from openbwc.web.http import DB, actor_of, public, requires

OFFSET_STREAM = "application/offset+octet-stream"


class TusVersionUnsupported(DomainError):
    status = 412
    code = "TUS_VERSION_UNSUPPORTED"


class TusRoute(APIRoute):
    """Every response, errors included, carries ``Tus-Resumable`` (the protocol requires it)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_tus_headers(request: Request) -> Response:
            try:
                response = await handler(request)
            except DomainError as exc:
                response = JSONResponse(status_code=exc.status, content=exc.to_dict(), headers=exc.headers)
                if exc.status == 412:
                    response.headers["Tus-Version"] = uploads.TUS_VERSION
                if exc.status == 409 and isinstance(exc.detail, dict) and "offset" in exc.detail:
                    response.headers["Upload-Offset"] = str(exc.detail["offset"])
            response.headers["Tus-Resumable"] = uploads.TUS_VERSION
            return response

        return with_tus_headers


# The protocol's own refusals, documented with the one error body (api.errors fills it in).
TUS_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"description": "OFFSET_MISMATCH (the detail and Upload-Offset give the server's offset) or UPLOAD_FINISHED"},
    410: {"description": "UPLOAD_GONE: terminated or expired; start a new upload"},
    412: {"description": "TUS_VERSION_UNSUPPORTED: send Tus-Resumable: 1.0.0"},
    413: {"description": "FILE_TOO_LARGE, UPLOAD_OVERFLOW or UPLOAD_METADATA_TOO_LARGE"},
    415: {"description": "UNSUPPORTED_MEDIA_TYPE: PATCH bodies are application/offset+octet-stream"},
    423: {"description": "UPLOAD_LOCKED: another request is writing to this upload"},
    460: {"description": "CHECKSUM_MISMATCH: the chunk was discarded; send it again"},
}

router = APIRouter(prefix="/api/v1/uploads", tags=["uploads (tus)"], route_class=TusRoute, responses=TUS_ERRORS)


def _check_version(request: Request) -> None:
    if request.headers.get("tus-resumable") != uploads.TUS_VERSION:
        raise TusVersionUnsupported(
            f"send 'Tus-Resumable: {uploads.TUS_VERSION}' (got {request.headers.get('tus-resumable')!r})"
        )


def _expires(upload: UploadSession) -> dict[str, str]:
    if upload.status != UploadStatus.RECEIVING:
        return {}
    return {"Upload-Expires": format_datetime(upload.expires_at, usegmt=True)}


def _settings(request: Request) -> Any:
    return request.app.state.settings


@router.options("/", status_code=204, dependencies=[public()])
def discover(request: Request) -> Response:
    """What this server supports (tus discovery; no log-on needed)."""
    return Response(
        status_code=204,
        headers={
            "Tus-Version": uploads.TUS_VERSION,
            "Tus-Extension": uploads.TUS_EXTENSIONS,
            "Tus-Max-Size": str(_settings(request).max_upload_bytes),
            "Tus-Checksum-Algorithm": uploads.CHECKSUM_ALGORITHMS,
        },
    )


# The body arrives in the pieces the ASGI server reads from the socket (uvicorn: about
# 64 KiB). Hashing and writing each piece would pay Python's and the system call's
# per-call cost thousands of times per file, so pieces are gathered into large
# reused buffers first; a full buffer is hashed on one worker thread and written on
# another at the same time (hashlib and os.write release the GIL), while the event
# loop fills the next buffer.
BUFFER = 8 * 1024 * 1024
_FREE: list[mmap.mmap] = []  # buffers between requests (touched only on the event loop)
_FREE_MAX = 4


def _new_buffer() -> mmap.mmap:
    """Anonymous memory, page-aligned: the writer can hand it to the disk with O_DIRECT."""
    return mmap.mmap(-1, BUFFER)


class _Pipeline:
    """Gathers body pieces into a buffer; hashes and writes full buffers off the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, writer: uploads.Writer) -> None:
        self._loop = loop
        self._writer = writer
        self._buf = _FREE.pop() if _FREE else _new_buffer()
        self._fill = 0
        self._spare: mmap.mmap | None = None
        self._pending: list[asyncio.Future[None]] = []

    async def feed(self, piece: bytes) -> None:
        n = len(piece)
        if self._fill + n <= BUFFER:
            self._buf[self._fill : self._fill + n] = piece
            self._fill += n
            if self._fill == BUFFER:
                await self._submit()
            return
        view = memoryview(piece)
        while view:
            k = min(len(view), BUFFER - self._fill)
            self._buf[self._fill : self._fill + k] = view[:k]
            self._fill += k
            view = view[k:]
            if self._fill == BUFFER:
                await self._submit()

    async def _submit(self) -> None:
        await self.drain()  # the previous buffer is hashed and written: it may be refilled
        full, n = self._buf, self._fill
        data = memoryview(full)[:n]
        self._pending = [
            self._loop.run_in_executor(None, self._writer.hash, data),
            self._loop.run_in_executor(None, partial(self._writer.append, data, aligned=True)),
        ]
        self._buf = self._spare if self._spare is not None else (_FREE.pop() if _FREE else _new_buffer())
        self._spare = full
        self._fill = 0

    async def flush(self) -> None:
        """Hash and write what is buffered; returns when every byte so far is written."""
        if self._fill:
            await self._submit()
        await self.drain()

    async def drain(self) -> None:
        """Wait for the buffer in flight (both threads, even when one failed), then raise its error."""
        pending, self._pending = self._pending, []
        if pending:
            await asyncio.wait(pending)
            for fut in pending:
                fut.result()

    def close(self) -> None:
        for buf in (self._buf, self._spare):
            if buf is not None and len(_FREE) < _FREE_MAX:
                _FREE.append(buf)
        self._spare = None


async def _receive(request: Request, db: Session, caller: Principal, upload: UploadSession, claimed_offset: int) -> int:
    """Append the request body at ``claimed_offset``; returns the new committed offset."""
    settings = _settings(request)
    expected_chunk = uploads.parse_checksum(request.headers.get("upload-checksum"))
    # No database transaction stays open while the body streams in: with SQLite every
    # transaction holds the write lock (BEGIN IMMEDIATE), and a slow dock must not stall others.
    db.commit()
    writer = uploads.Writer(uploads.staging_path(settings, upload.id), uploads.staging_cipher(settings, upload.id))
    try:
        db.refresh(upload)
        if upload.status != UploadStatus.RECEIVING:
            if (
                upload.status in (UploadStatus.COMPLETE, UploadStatus.CLAIMED, UploadStatus.QUARANTINED)
                and claimed_offset == upload.offset
            ):
                return upload.offset  # a retry of the last chunk, already applied
            raise Conflict(f"the upload is {upload.status}", code="UPLOAD_FINISHED", detail={"offset": upload.offset})
        if claimed_offset != upload.offset:
            raise Conflict(
                f"Upload-Offset {claimed_offset} does not match the server's offset {upload.offset}; "
                "ask with HEAD and resume from there",
                code="OFFSET_MISMATCH",
                detail={"offset": upload.offset},
            )
        declared = uploads.declared_length(request.headers.get("content-length"))
        if declared is not None and declared > upload.length - upload.offset:
            raise FileTooLarge(
                f"the request carries {declared} bytes; only {upload.length - upload.offset} remain of Upload-Length",
                code="UPLOAD_OVERFLOW",
            )
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, writer.begin, upload, expected_chunk)
        room = upload.length - upload.offset
        pipe = _Pipeline(loop, writer)
        total = 0
        disconnected = False
        try:
            try:
                async for piece in request.stream():
                    total += len(piece)
                    if total > room:
                        await pipe.drain()
                        writer.rollback()
                        raise FileTooLarge("the body runs past Upload-Length", code="UPLOAD_OVERFLOW")
                    await pipe.feed(piece)
            except ClientDisconnect:
                disconnected = True
            await pipe.flush()  # what arrived before a cut is kept (unless a checksum was promised)
        finally:
            try:
                await pipe.drain()
            finally:
                pipe.close()
        if disconnected and expected_chunk is not None:
            writer.rollback()  # a partial chunk cannot match its checksum: keep nothing of it
        elif not writer.checksum_ok():
            writer.rollback()
            raise uploads.ChecksumMismatch(
                "the chunk's SHA-256 differs from Upload-Checksum; it was discarded, send it again"
            )
        offset = await loop.run_in_executor(None, writer.sync)
        upload.offset = offset
        upload.updated_at = utcnow()
        if offset == upload.length:
            uploads.complete(db, actor_of(request, caller), upload, writer.state)
        # Commit while still holding the file lock: the next request reads the new offset.
        db.commit()
        return offset
    finally:
        writer.release()


@router.post("/", status_code=201)
async def create_upload(
    request: Request, db: Session = DB, caller: Principal = requires(EvidencePermissions.UPLOADS_WRITE)
) -> Response:
    """tus creation (and creation-with-upload when the body carries the first bytes)."""
    _check_version(request)
    if request.headers.get("upload-defer-length"):
        raise ValidationFailed("Upload-Defer-Length is not supported: send Upload-Length", code="INVALID_UPLOAD_HEADER")
    length = uploads.parse_length(request.headers.get("upload-length"), "Upload-Length")
    meta = uploads.parse_metadata(request.headers.get("upload-metadata"))
    settings = _settings(request)
    upload = uploads.create(db, settings, actor_of(request, caller), caller.account_id, length, meta)
    headers = {"Location": f"{str(request.base_url).rstrip('/')}/api/v1/uploads/{upload.id}", **_expires(upload)}
    if request.headers.get("content-type", "").split(";")[0].strip() == OFFSET_STREAM:
        headers["Upload-Offset"] = str(await _receive(request, db, caller, upload, 0))
        headers.update(_expires(upload))
    return Response(status_code=201, headers=headers)


@router.head("/{upload_id}")
def upload_status(
    upload_id: str, request: Request, db: Session = DB, caller: Principal = requires(EvidencePermissions.UPLOADS_WRITE)
) -> Response:
    _check_version(request)
    upload = uploads.get_for(db, upload_id, caller.account_id)
    headers = {
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.length),
        "Cache-Control": "no-store",
        **_expires(upload),
    }
    if upload.meta:
        headers["Upload-Metadata"] = uploads.encode_metadata(upload.meta)
    return Response(status_code=200, headers=headers)


@router.patch("/{upload_id}", status_code=204)
async def upload_bytes(
    upload_id: str, request: Request, db: Session = DB, caller: Principal = requires(EvidencePermissions.UPLOADS_WRITE)
) -> Response:
    _check_version(request)
    if request.headers.get("content-type", "").split(";")[0].strip() != OFFSET_STREAM:
        raise _unsupported_media()
    claimed = uploads.parse_length(request.headers.get("upload-offset"), "Upload-Offset")
    upload = uploads.get_for(db, upload_id, caller.account_id)
    offset = await _receive(request, db, caller, upload, claimed)
    return Response(status_code=204, headers={"Upload-Offset": str(offset), **_expires(upload)})


@router.delete("/{upload_id}", status_code=204)
def terminate_upload(
    upload_id: str, request: Request, db: Session = DB, caller: Principal = requires(EvidencePermissions.UPLOADS_WRITE)
) -> Response:
    _check_version(request)
    upload = uploads.get_for(db, upload_id, caller.account_id)
    uploads.terminate(db, _settings(request), actor_of(request, caller), upload)
    return Response(status_code=204)


def _unsupported_media() -> DomainError:
    err = DomainError(f"PATCH bodies must be sent as Content-Type: {OFFSET_STREAM}", code="UNSUPPORTED_MEDIA_TYPE")
    err.status = 415
    return err
