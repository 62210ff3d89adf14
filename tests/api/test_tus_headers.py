"""tus headers are bounded: numbers a database can hold, metadata a row should hold."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from openbwc.evidence.models import UploadSession
from openbwc.evidence.uploads import sessions as uploads
from tests.factories import bearer, make_machine

TUS = {"Tus-Resumable": "1.0.0"}
STREAM = {"Content-Type": "application/offset+octet-stream"}


@pytest.fixture
def dock(db):
    return bearer(db, make_machine(db, "dock"))


def _sessions(db) -> int:
    return db.scalar(select(func.count()).select_from(UploadSession))


# "²" is a digit to str.isdigit and not to int(): it once made a 500.
@pytest.mark.parametrize("length", ["1" + "0" * 5000, "9" * 17, "18446744073709551616", "²", "-1", "1e3", ""])
def test_upload_length_that_is_not_a_byte_count_is_a_coded_422(client, db, dock, length):
    before = _sessions(db)
    r = client.post("/api/v1/uploads/", headers={**dock, **TUS, "Upload-Length": length.encode("latin-1")})
    assert (r.status_code, r.json()["code"]) == (422, "INVALID_UPLOAD_HEADER"), r.text
    assert r.headers["tus-resumable"] == "1.0.0"
    assert _sessions(db) == before


@pytest.mark.parametrize("offset", ["1" + "0" * 5000, "9223372036854775808", "²"])
def test_upload_offset_that_is_not_a_byte_count_is_a_coded_422(client, db, dock, offset):
    r = client.post("/api/v1/uploads/", headers={**dock, **TUS, "Upload-Length": "10"})
    url = r.headers["location"]
    r = client.patch(url, content=b"x", headers={**dock, **TUS, **STREAM, "Upload-Offset": offset.encode("latin-1")})
    assert (r.status_code, r.json()["code"]) == (422, "INVALID_UPLOAD_HEADER"), r.text
    assert client.head(url, headers={**dock, **TUS}).headers["upload-offset"] == "0"


def _meta(size: int) -> str:
    return "filename " + base64.b64encode(b"a" * size).decode()


def test_metadata_over_the_bound_is_refused_and_nothing_is_stored(client, db, dock):
    before = _sessions(db)
    r = client.post("/api/v1/uploads/", headers={**dock, **TUS, "Upload-Length": "10", "Upload-Metadata": _meta(6000)})
    assert (r.status_code, r.json()["code"]) == (413, "UPLOAD_METADATA_TOO_LARGE"), r.text
    assert r.json()["detail"] == {"max_bytes": uploads.MAX_METADATA_BYTES}
    many = ",".join(f"k{i} " for i in range(uploads.MAX_METADATA_KEYS + 1))
    r = client.post("/api/v1/uploads/", headers={**dock, **TUS, "Upload-Length": "10", "Upload-Metadata": many})
    assert (r.status_code, r.json()["code"]) == (413, "UPLOAD_METADATA_TOO_LARGE")
    long_key = "k" * (uploads.MAX_METADATA_KEY + 1) + " eA=="
    r = client.post("/api/v1/uploads/", headers={**dock, **TUS, "Upload-Length": "10", "Upload-Metadata": long_key})
    assert (r.status_code, r.json()["code"]) == (422, "INVALID_UPLOAD_METADATA")
    assert _sessions(db) == before


def test_a_mebibyte_of_metadata_never_reaches_the_server(client, db, dock):
    before = _sessions(db)
    r = client.post(
        "/api/v1/uploads/", headers={**dock, **TUS, "Upload-Length": "10", "Upload-Metadata": _meta(1024 * 1024)}
    )
    assert (r.status_code, r.json()["code"]) == (431, "HEADERS_TOO_LARGE")
    assert _sessions(db) == before


def test_metadata_within_the_bound_is_kept(client, db, dock):
    r = client.post("/api/v1/uploads/", headers={**dock, **TUS, "Upload-Length": "10", "Upload-Metadata": _meta(2000)})
    assert r.status_code == 201
    st = client.head(r.headers["location"], headers={**dock, **TUS})
    assert uploads.parse_metadata(st.headers["upload-metadata"]) == {"filename": "a" * 2000}
