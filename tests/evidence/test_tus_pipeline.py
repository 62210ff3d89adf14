"""The PATCH body pipeline: pieces gathered into aligned buffers, hashed and written (O_DIRECT where it can)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import os
import types
import uuid
from pathlib import Path

import pytest

from openbwc.evidence.uploads import sessions as uploads
from openbwc.evidence.uploads import tus


async def _patches(path: Path, data: bytes, requests: list[list[int]]) -> int:
    """Sends ``data`` as PATCHes made of pieces of these sizes; checks the hash and the bytes."""
    path.write_bytes(b"")
    offset = 0
    expected = hashlib.sha256()
    for pieces in requests:
        writer = uploads.Writer(path)
        upload = types.SimpleNamespace(offset=offset, length=len(data), id=uuid.uuid4())
        uploads.HASHES.put(upload.id, offset, expected.copy())
        try:
            writer.begin(upload, None)  # type: ignore[arg-type]
            pipe = tus._Pipeline(asyncio.get_running_loop(), writer)
            for n in pieces:
                await pipe.feed(data[offset : offset + n])
                expected.update(data[offset : offset + n])
                offset += n
            await pipe.flush()
            pipe.close()
            assert writer.sync() == offset
            assert writer.state.hexdigest() == expected.hexdigest()
        finally:
            writer.release()
    assert path.read_bytes() == data[:offset]
    return offset


def _run(coro):  # type: ignore[no-untyped-def]
    """Run a coroutine on its own loop in a thread: another test in this worker (the
    browser tests' sync Playwright) may leave an event loop running on the main thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.mark.parametrize(
    "requests",
    [
        [[65536] * 300 + [12345, 262144 * 3]],  # aligned start, unaligned tail
        [[1000, 4096 * 3], [262144] * 20 + [777], [5 << 20, 3 << 20]],  # resumes at unaligned offsets
        [[8 << 20, 8 << 20, 4096], [100], [9 << 20]],  # pieces larger than a buffer
    ],
)
def test_pipeline_keeps_every_byte_in_order(tmp_path: Path, requests: list[list[int]]) -> None:
    data = os.urandom(40 << 20)
    total = _run(_patches(tmp_path / "a.part", data, requests))
    assert total == sum(map(sum, requests))
