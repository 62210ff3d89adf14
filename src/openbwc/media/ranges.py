"""Serving stored files with HTTP range requests (206 + Content-Range), so a video element can seek.

Used by the media API (proxies, thumbnails, derived items) and by any domain that hands out a
derived item's bytes (shared links).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from openbwc.kit.errors import DomainError
from openbwc.storage import open_store

# At most 16 digits a side (kit.types.MAX_INT): a longer number is no offset in any file.
_RANGE = re.compile(r"^bytes=([0-9]{0,16})-([0-9]{0,16})$")


class RangeNotSatisfiable(DomainError):
    status = 416
    code = "RANGE_NOT_SATISFIABLE"


def _unsatisfiable(header: str, size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(
        f"Range {header[:60]!r} is not within the {size} bytes of this file; ask for bytes=START-END",
        headers={"Content-Range": f"bytes */{size}"},
        detail={"size": size},
    )


def served(mime: str, what: str) -> dict[int | str, dict[str, Any]]:
    """What a ranged download answers, for the OpenAPI document."""
    content = {mime: {"schema": {"type": "string", "format": "binary"}}}
    return {
        200: {"description": f"The {what}", "content": content},
        206: {"description": f"Part of the {what} (a Range request); Content-Range says which", "content": content},
        416: {"description": "RANGE_NOT_SATISFIABLE: the Range is outside the file (Content-Range gives its size)"},
    }


def ranged(request: Request, key: str, size: int, mime: str) -> Response:
    """Serve a stored object with HTTP range support (206 + Content-Range), so a video
    element can seek without downloading everything."""
    store = open_store(request.app.state.settings)
    header = request.headers.get("range")
    start, end = 0, size - 1
    status = 200
    if header:
        m = _RANGE.match(header.strip())
        if not m or (not m.group(1) and not m.group(2)):
            raise _unsatisfiable(header, size)
        if m.group(1):
            start = int(m.group(1))
            end = min(size - 1, int(m.group(2))) if m.group(2) else size - 1
        else:
            start = max(0, size - int(m.group(2)))
        if start > end or start >= size:
            raise _unsatisfiable(header, size)
        status = 206
    stream = store.open_range(key, start, end + 1)

    def body():  # type: ignore[no-untyped-def]
        try:
            while True:
                chunk = stream.read(256 * 1024)
                if not chunk:
                    break
                yield chunk
        finally:
            stream.close()

    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(end - start + 1),
        "Cache-Control": "private, max-age=3600",
    }
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return StreamingResponse(body(), status_code=status, media_type=mime, headers=headers)
