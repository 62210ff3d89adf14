"""Identity documents on the portal: uploaded by the requester, kept in the object store, read by records roles only."""

from __future__ import annotations

import copy
import hashlib
import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openbwc.custody.models import LedgerEntry
from openbwc.requests.models import RequestDocument
from openbwc.storage import open_store
from tests.factories import make_account, role_headers
from tests.requests.helpers import SUBMISSION
from tests.web_helpers import csrf_from, log_on, post_form

SECRET = "X-Requester-Secret"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 20 + b"%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x11" * 2000


def _submit(client) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    got = client.post("/api/v1/public/requests", json=copy.deepcopy(SUBMISSION))
    assert got.status_code == 201, got.text
    return got.json()["tracking_code"], got.json()["secret"]


def _upload(client, code: str, secret: str | None, data: bytes, name: str = "id.png", ctype: str = "image/png"):  # type: ignore[no-untyped-def]
    headers = {SECRET: secret} if secret is not None else {}
    return client.post(f"/api/v1/public/requests/{code}/documents", headers=headers,
                       files={"file": (name, data, ctype)})


def _entries(db, action: str) -> list[LedgerEntry]:  # type: ignore[no-untyped-def]
    db.flush()
    return list(db.scalars(select(LedgerEntry).where(LedgerEntry.action == action)))


def _count(db) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(RequestDocument))


def test_the_requester_uploads_a_document_and_the_records_officer_downloads_it(client, db):
    code, secret = _submit(client)
    r = _upload(client, code, secret, PNG)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["media_type"] == "image/png" and doc["size"] == len(PNG)
    assert doc["sha256"] == hashlib.sha256(PNG).hexdigest()
    row = db.get(RequestDocument, uuid.UUID(doc["id"]))
    assert row is not None and row.storage_key and not hasattr(row, "data")
    # The bytes are in the object store, not in the database.
    assert open_store().exists(row.storage_key)
    records = role_headers(db, "records_officer")
    shown = client.get(f"/api/v1/requests/{code}", headers=records).json()
    assert [d["id"] for d in shown["documents"]] == [doc["id"]]
    got = client.get(f"/api/v1/requests/{code}/documents/{doc['id']}", headers=records)
    assert got.status_code == 200, got.text
    assert got.content == PNG and got.headers["content-type"] == "image/png"
    assert "attachment" in got.headers["content-disposition"]
    up, down = _entries(db, "requests:document:upload"), _entries(db, "requests:document:download")
    assert len(up) == 1 and len(down) == 1
    for e in (*up, *down):
        assert e.object_id == code and doc["sha256"].encode() in e.leaf and doc["id"].encode() in e.leaf
        assert b"Dana" not in e.leaf and b"dana@example.org" not in e.leaf and b"555-0100" not in e.leaf
    assert up[0].actor_id == f"requester:{code}"


def test_a_wrong_secret_answers_exactly_like_an_unknown_code(client, db):
    code, secret = _submit(client)
    wrong = _upload(client, code, "not-the-secret", PNG)
    none = _upload(client, code, None, PNG)
    unknown = _upload(client, "R-2026-ZZZZZZZZ", secret, PNG)
    looked = client.get(f"/api/v1/public/requests/{code}", headers={SECRET: "not-the-secret"})
    assert wrong.status_code == none.status_code == unknown.status_code == looked.status_code == 404
    assert wrong.json() == none.json() == unknown.json() == looked.json()
    assert _count(db) == 0 and not _entries(db, "requests:document:upload")


def test_too_large_and_wrong_types_are_refused_and_keep_nothing(client, db, settings, monkeypatch):
    code, secret = _submit(client)
    monkeypatch.setattr(settings, "request_document_max_bytes", 4096)
    big = _upload(client, code, secret, PNG + b"\x00" * 4096)
    assert (big.status_code, big.json()["code"]) == (413, "DOCUMENT_TOO_LARGE")
    # A body announced far larger than the bound is refused before it is read.
    huge = _upload(client, code, secret, PNG + b"\x00" * 200_000)
    assert (huge.status_code, huge.json()["code"]) == (413, "DOCUMENT_TOO_LARGE")
    unread = _upload(client, code, "not-the-secret", PNG + b"\x00" * 200_000)  # refused before the secret is read
    assert (unread.status_code, unread.json()["code"]) == (413, "DOCUMENT_TOO_LARGE")
    # The type comes from the content: a name or a claimed type does not make a file a PDF.
    for data, name, ctype in ((b"MZ\x90\x00 not a picture", "id.pdf", "application/pdf"),
                              (b"GIF89a......", "id.png", "image/png"),
                              (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "id.jpg", "image/jpeg")):
        bad = _upload(client, code, secret, data, name, ctype)
        assert (bad.status_code, bad.json()["code"]) == (422, "DOCUMENT_TYPE_NOT_ALLOWED"), name
    empty = _upload(client, code, secret, b"")
    assert (empty.status_code, empty.json()["code"]) == (422, "DOCUMENT_EMPTY")
    assert _count(db) == 0 and not _entries(db, "requests:document:upload")
    for data, media in ((PDF, "application/pdf"), (JPEG, "image/jpeg")):
        ok = _upload(client, code, secret, data, "scan.bin", "application/octet-stream")
        assert ok.status_code == 201 and ok.json()["media_type"] == media


def test_uploads_are_rate_limited_per_client(client, db, settings, monkeypatch):
    code, secret = _submit(client)
    monkeypatch.setattr(settings, "request_portal_uploads_per_hour", 2)
    assert [_upload(client, code, secret, PNG).status_code for _ in range(2)] == [201, 201]
    over = _upload(client, code, secret, PNG)
    assert (over.status_code, over.json()["code"]) == (429, "RATE_LIMITED")


def test_only_records_roles_fetch_a_document_others_get_a_missing_one(client, db):
    code, secret = _submit(client)
    doc_id = _upload(client, code, secret, PDF).json()["id"]
    url = f"/api/v1/requests/{code}/documents/{doc_id}"
    missing = client.get(f"/api/v1/requests/{code}/documents/{uuid.uuid4()}",
                         headers=role_headers(db, "records_officer"))
    assert (missing.status_code, missing.json()["code"]) == (404, "DOCUMENT_NOT_FOUND")
    # Oversight follows requests but holds no personal data: answered as for a missing document.
    hidden = client.get(url, headers=role_headers(db, "oversight"))
    assert hidden.status_code == 404 and hidden.json()["code"] == "DOCUMENT_NOT_FOUND"
    assert client.get(f"/api/v1/requests/{code}", headers=role_headers(db, "oversight")).json()["documents"] is None
    # Supervisors and officers hold nothing in requests: refused like every request route.
    for role in ("supervisor", "officer"):
        r = client.get(url, headers=role_headers(db, role))
        assert r.status_code in (403, 404) and b"%PDF" not in r.content, role
    other_code, _ = _submit(client)
    cross = client.get(f"/api/v1/requests/{other_code}/documents/{doc_id}", headers=role_headers(db, "records_officer"))
    assert cross.status_code == 404
    assert not _entries(db, "requests:document:download")
    ok = client.get(url, headers=role_headers(db, "records_officer"))
    assert ok.status_code == 200 and ok.content == PDF
    assert len(_entries(db, "requests:document:download")) == 1


FORM = {
    "type": "victim", "name": "Rae Moss", "email": "rae@example.org", "description": "Pushed at the gate.",
    "occurred_on": "2024-03-04", "location": "Baltimore field office",
}  # fmt: skip


def _officer_client(app, person) -> TestClient:  # type: ignore[no-untyped-def]
    c = TestClient(app, base_url="https://testserver")
    log_on(c, person)
    return c


def test_the_portal_forms_take_a_document_and_the_intake_page_shows_it(app, client, db):
    page = client.get("/portal/requests/new")
    assert 'enctype="multipart/form-data"' in page.text and 'type="file"' in page.text
    bad = post_form(client, "/portal/requests/new", "/portal/requests", FORM,
                    files={"document": ("id.png", b"not an image", "image/png")})
    assert bad.status_code == 422 and "JPEG or PNG" in bad.text and "Rae Moss" in bad.text
    assert _count(db) == 0
    r = post_form(client, "/portal/requests/new", "/portal/requests", FORM,
                  files={"document": ("passport.jpg", JPEG, "image/jpeg")})
    assert r.status_code == 201, r.text
    code = re.search(r'id="tracking-code">([^<]+)<', r.text).group(1)
    secret = re.search(r'id="secret">([^<]+)<', r.text).group(1)
    assert _count(db) == 1
    # No file chosen: the browser sends an empty part; the request goes in without a document.
    plain = post_form(client, "/portal/requests/new", "/portal/requests", FORM,
                      files={"document": ("", b"", "application/octet-stream")})
    assert plain.status_code == 201 and _count(db) == 1
    # While following the request, the secret travels in the form's body.
    status = post_form(client, "/portal/track", "/portal/track", {"code": code, "secret": secret})
    assert 'action="/portal/requests/' in status.text and "1 document(s)" in status.text
    sent = client.post(f"/portal/requests/{code}/documents",
                       data={"secret": secret, "csrf_token": csrf_from(status.text)},
                       files={"document": ("back.pdf", PDF, "application/pdf")})
    assert sent.status_code == 201 and "was received" in sent.text and "2 document(s)" in sent.text
    wrong = client.post(f"/portal/requests/{code}/documents",
                        data={"secret": "nope", "csrf_token": csrf_from(status.text)},
                        files={"document": ("back.pdf", PDF, "application/pdf")})
    assert wrong.status_code == 404 and _count(db) == 2
    # The records officer's intake page lists them, with a download link.
    ro = _officer_client(app, make_account(db, "records_officer"))
    intake = ro.get(f"/requests/{code}")
    links = re.findall(rf'href="(/requests/{code}/documents/[0-9a-f-]+)"', intake.text)
    assert len(links) == 2 and "image/jpeg" in intake.text and "application/pdf" in intake.text
    got = ro.get(links[0])
    assert got.status_code == 200 and got.content == JPEG
    over = _officer_client(app, make_account(db, "oversight"))
    assert "/documents/" not in over.get(f"/requests/{code}").text
    assert over.get(links[0]).status_code == 404
