"""Ranged downloads of a viewing copy: a bad Range is a coded 416 with Content-Range, never a 500."""

from __future__ import annotations

import pytest

from openbwc.kit.errors import ErrorBody
from tests.factories import role_headers
from tests.test_custody_walk import build_evidence

BAD_RANGES = ["bytes=999999999-", "bytes=5-2", "bytes=-", "pages=1-2", "bytes=" + "9" * 5000 + "-"]


@pytest.mark.parametrize("header", BAD_RANGES)
def test_an_unsatisfiable_range_is_a_coded_416(client, db, tmp_path, header):
    ev = build_evidence(db, tmp_path)
    headers = role_headers(db, "oversight")
    db.commit()
    r = client.get(f"/api/v1/recordings/{ev.recording_id}/proxy", headers={**headers, "Range": header})
    assert r.status_code == 416, r.text
    body = ErrorBody.model_validate_json(r.text)
    assert body.code == "RANGE_NOT_SATISFIABLE"
    size = body.detail["size"]
    assert r.headers["content-range"] == f"bytes */{size}" and size > 0


def test_the_document_says_what_a_download_answers(app):
    op = app.openapi()["paths"]["/api/v1/recordings/{recording_id}/proxy"]["get"]
    assert set(op["responses"]["200"]["content"]) == {"video/mp4"}
    assert set(op["responses"]["206"]["content"]) == {"video/mp4"}
    assert op["responses"]["416"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
