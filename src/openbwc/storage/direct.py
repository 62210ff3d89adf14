"""Writing whole disk blocks with O_DIRECT, past the page cache.

On a small machine, copying every byte into the page cache costs about as much
CPU as hashing it. Ingest (staged objects) and tus uploads both hand whole
4 KiB blocks of page-aligned buffers to the disk directly and send whatever is
left (an unaligned tail, a plain buffer) through the page cache; an fsync
afterwards covers both kinds of write.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from pathlib import Path

# O_DIRECT needs the file offset, the length and the memory address on this boundary.
DIRECT_ALIGN = 4096


def open_direct(path: Path | str) -> int | None:
    """A second, O_DIRECT descriptor for writing ``path``; None where the file system refuses it (tmpfs)."""
    if not hasattr(os, "O_DIRECT"):
        return None
    try:
        return os.open(path, os.O_WRONLY | os.O_DIRECT)
    except OSError:
        return None


def close_direct(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


def page_aligned(view: memoryview) -> bool:
    """Whether a (writable) buffer starts on a DIRECT_ALIGN boundary."""
    if view.readonly or not view.c_contiguous or not len(view):
        return False
    try:
        address = ctypes.addressof(ctypes.c_char.from_buffer(view))
    except (TypeError, ValueError):
        return False
    return address % DIRECT_ALIGN == 0


def write_blocks(fd: int, view: memoryview, pos: int) -> tuple[int, bool]:
    """Write the whole blocks at the start of ``view`` at file offset ``pos`` with O_DIRECT.

    The caller checks that ``pos`` is block-aligned and ``view`` page-aligned.
    Returns (bytes written, still usable): after an error the descriptor should be
    closed and the rest written through the page cache.
    """
    whole = len(view) - len(view) % DIRECT_ALIGN
    done = 0
    try:
        while done < whole:
            n = os.pwrite(fd, view[done:whole], pos + done)
            if n <= 0:
                break
            done += n
            if n % DIRECT_ALIGN:
                break
    except OSError:
        return done, False
    return done, True
