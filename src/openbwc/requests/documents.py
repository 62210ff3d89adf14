"""Identity documents a requester attaches on the portal (issue 13): a photo or PDF of an ID.

The bytes go to the object store (encrypted at rest by default), never into the
database; the row keeps the SHA-256, size, media type and time. The type is taken
from the file's first bytes (JPEG, PNG or PDF), never from its name or the type
the browser claims. Documents are personal data: only holders of
``requests:requesters:read`` list or download them; anyone else is answered as
for a document that does not exist. Each upload and each staff download is a
custody-ledger entry naming the request, the document's id and its SHA-256 only.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from openbwc.custody import Actor
from openbwc.db.session import settings_of
from openbwc.kit.errors import DomainError, NotFound, ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.requests import portal, service
from openbwc.requests import repository as repo
from openbwc.requests.models import AccessRequest, AttemptKind, RequestDocument, RequestStatus
from openbwc.storage.base import ObjectStore

CHUNK = 1024 * 1024
MAX_PER_REQUEST = 10
# Magic bytes of the types accepted, and the media type each is served as.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
ALLOWED = tuple(media for _magic, media in SIGNATURES)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


class DocumentTooLarge(DomainError):
    status = 413
    code = "DOCUMENT_TOO_LARGE"


class DocumentTypeNotAllowed(DomainError):
    status = 422
    code = "DOCUMENT_TYPE_NOT_ALLOWED"


def sniff(head: bytes) -> str | None:
    """The media type the first bytes show, or None when it is not one accepted."""
    for magic, media in SIGNATURES:
        if head.startswith(magic):
            return media
    return None


def too_large(max_bytes: int) -> DocumentTooLarge:
    return DocumentTooLarge(
        f"the document is larger than {max_bytes // (1024 * 1024)} MiB: send a smaller photo or scan",
        detail={"max_bytes": max_bytes},
    )


def _spool(source: BinaryIO, max_bytes: int) -> tuple[BinaryIO, int]:
    """The upload copied into a private temporary file, refused past ``max_bytes``."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the caller)
    size = 0
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            out.close()
            raise too_large(max_bytes)
        out.write(chunk)
    out.seek(0)
    return out, size


@dataclass
class Checked:
    """An upload that passed the checks, in a private temporary file (close it when done)."""

    file: BinaryIO
    size: int
    media_type: str


def check(session: Session, source: BinaryIO) -> Checked:
    """The upload copied aside and checked: not empty, not too large, a JPEG, PNG or PDF by its content."""
    max_bytes = settings_of(session).request_document_max_bytes
    spooled, size = _spool(source, max_bytes)
    try:
        if size == 0:
            raise ValidationFailed("the document is empty: choose a file", code="DOCUMENT_EMPTY")
        media = sniff(spooled.read(16))
        if media is None:
            raise DocumentTypeNotAllowed(
                "a document must be a JPEG or PNG photo or a PDF (the file's content was checked, not its name)",
                detail={"allowed": list(ALLOWED)},
            )
    except DomainError:
        spooled.close()
        raise
    spooled.seek(0)
    return Checked(spooled, size, media)


def keep(session: Session, store: ObjectStore, req: AccessRequest, checked: Checked,
         client_addr: str | None) -> RequestDocument:
    """Store a checked upload (encrypted at rest by the store) and record it: a row and a ledger entry."""
    s = settings_of(session)
    client = portal.client_key(session, client_addr)
    portal.limit(session, client, AttemptKind.UPLOAD, s.request_portal_uploads_per_hour)
    if req.status == RequestStatus.CLOSED:
        raise ValidationFailed("this request is closed: submit a new one", code="REQUEST_CLOSED")
    if len(repo.documents_of(session, req.id)) >= MAX_PER_REQUEST:
        raise ValidationFailed(f"a request takes at most {MAX_PER_REQUEST} documents", code="TOO_MANY_DOCUMENTS")
    with checked.file:
        stored = store.put_stream(checked.file, max_bytes=s.request_document_max_bytes)
    doc = RequestDocument(request_id=req.id, sha256=stored.sha256, size=stored.size, media_type=checked.media_type,
                          storage_key=stored.key, uploaded_at=utcnow())
    session.add(doc)
    session.flush()
    portal.count(session, client, AttemptKind.UPLOAD)
    service.ledger(session, portal.requester_actor(req), "requests:document:upload", req,
                   document=str(doc.id), sha256=doc.sha256)
    return doc


def attach(
    session: Session, store: ObjectStore, code: str, secret: str | None, source: BinaryIO, client_addr: str | None
) -> RequestDocument:
    """Attach an identity document to a request opened with its code and secret; nothing is kept on refusal.

    The code and secret are checked first: a wrong secret answers as an unknown code whatever the file."""
    req = portal.authenticate(session, code, secret, client_addr)
    return keep(session, store, req, check(session, source), client_addr)


def document_not_found(code: str, document_id: str) -> NotFound:
    return NotFound(
        f"no document {str(document_id)[:40]!r} on request {service.normal_code(code)!r}",
        code="DOCUMENT_NOT_FOUND",
        detail={"code": service.normal_code(code), "document_id": str(document_id)[:40]},
    )


def fetch(
    session: Session, actor: Actor, store: ObjectStore, code: str, document_id: str, *, personal: bool
) -> tuple[RequestDocument, AccessRequest, BinaryIO]:
    """A document's row, its request and its bytes, for a records role; the download is ledgered.

    A caller without personal-data access, an unknown request and an unknown document answer alike."""
    missing = document_not_found(code, document_id)
    if not personal:
        raise missing
    try:
        wanted = uuid.UUID(str(document_id))
    except ValueError:
        raise missing from None
    req = repo.by_code(session, service.normal_code(code)) if len(str(code)) <= 40 else None
    doc = session.get(RequestDocument, wanted)
    if req is None or doc is None or doc.request_id != req.id:
        raise missing
    reader = store.open_reader(doc.storage_key)
    service.ledger(session, actor, "requests:document:download", req, document=str(doc.id), sha256=doc.sha256)
    return doc, req, reader


def file_name(req: AccessRequest, doc: RequestDocument) -> str:
    return f"{req.code}-document-{doc.id}.{EXTENSIONS.get(doc.media_type, 'bin')}"


def copy_out(reader: BinaryIO) -> Iterator[bytes]:
    """The stored bytes in chunks (for a streaming response), closing the reader at the end."""
    with reader:
        while chunk := reader.read(CHUNK):
            yield chunk

