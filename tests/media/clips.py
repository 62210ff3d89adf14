"""Test clips, made once per test session (a few seconds, small)."""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path

from openbwc.media.redaction.boxes import Box

_DIR = Path(tempfile.mkdtemp(prefix="bwc-clips-"))


@functools.cache
def astronaut(seconds: float = 4.0, fps: int = 15, width: int = 640, height: int = 360) -> tuple[Path, list[Box]]:
    from openbwc.media.synthetic import astronaut_clip

    path = _DIR / f"astronaut-{width}x{height}-{fps}-{seconds}.mp4"
    truth = astronaut_clip(
        path, width=width, height=height, fps=fps, seconds=seconds, min_face=40, max_face=110, audio=True
    )
    path.with_suffix(".json").write_text(json.dumps([b.as_list() for b in truth]))
    return path, truth
