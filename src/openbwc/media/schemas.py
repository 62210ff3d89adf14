"""Redaction input: its checks and the shapes it arrives in (API JSON, console form, CLI, box file).

Every way of asking for a redaction ends in the same checks here, called by
:func:`openbwc.media.service.create_redaction`, so the API, the console and the
command line refuse the same input with the same codes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from openbwc.kit.errors import ValidationFailed
from openbwc.kit.types import Index

MAX_BOXES = 2000
MAX_AUDIO_RANGES = 1000
# Containers round durations to a frame or an audio packet: an end this far past the
# recorded duration is still "the end", anything further is a mistake.
END_TOLERANCE_S = 0.5

_TIME = re.compile(r"^(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)$")


def parse_time(text: str) -> float:
    """Seconds from ``SS``, ``MM:SS`` or ``HH:MM:SS`` (decimals allowed)."""
    m = _TIME.match(text.strip())
    if not m:
        raise ValidationFailed(
            f"{text!r} is not a time; use seconds (12.5), MM:SS or HH:MM:SS", code="INVALID_TIME_RANGE"
        )
    a, b, c = m.groups()
    parts = [float(x) for x in (a, b) if x is not None]
    value = float(c)
    for i, p in enumerate(reversed(parts)):
        value += p * (60 ** (i + 1))
    return value


def parse_range(text: str) -> tuple[float, float]:
    """``FROM-TO`` (e.g. ``5-8.5`` or ``1:02-1:10``), FROM before TO."""
    if text.count("-") != 1:
        raise ValidationFailed(
            f"time range {text!r} must be FROM-TO, e.g. 5-8.5 or 1:02-1:10", code="INVALID_TIME_RANGE"
        )
    a, b = text.split("-")
    return check_range(parse_time(a), parse_time(b))


def check_range(start: float, end: float, duration: float | None = None) -> tuple[float, float]:
    if not (start >= 0 and end > start):
        raise ValidationFailed(
            f"time range {start:g}-{end:g} s is empty or backwards; the start must come before the end",
            code="INVALID_TIME_RANGE",
            detail={"start_s": start, "end_s": end},
        )
    if duration is not None and (start >= duration or end > duration + END_TOLERANCE_S):
        raise ValidationFailed(
            f"time range {start:g}-{end:g} s is not inside the recording (0-{duration:.1f} s); "
            f"end it at {duration:.1f} s at the latest",
            code="INVALID_TIME_RANGE",
            detail={"start_s": start, "end_s": end, "duration_s": duration},
        )
    return float(start), float(end)


@dataclass(frozen=True)
class BoxIn:
    """A box to cover: position and size as fractions of the frame (what ManualBox draws), over a time range."""

    start_s: float
    end_s: float
    x: float
    y: float
    w: float
    h: float
    note: str = ""


def check_box(b: BoxIn, duration: float | None, number: int | None = None) -> BoxIn:
    where = f"box {number}: " if number is not None else ""
    try:
        check_range(b.start_s, b.end_s, duration)
    except ValidationFailed as exc:
        raise ValidationFailed(where + exc.message, code=exc.code, detail={"box": number, **(exc.detail or {})})
    values = (b.x, b.y, b.w, b.h)
    if (
        not all(isinstance(v, int | float) and math.isfinite(v) for v in values)
        or b.w <= 0
        or b.h <= 0
        or b.x < 0
        or b.y < 0
        or b.x + b.w > 1.0001
        or b.y + b.h > 1.0001
    ):
        raise ValidationFailed(
            where + "a box must lie inside the frame and have a width and height above 0",
            code="INVALID_BOX",
            detail={"box": number, "x": b.x, "y": b.y, "w": b.w, "h": b.h},
        )
    return b


def check_box_count(count: int) -> None:
    if count > MAX_BOXES:
        raise ValidationFailed(
            f"{count} boxes: at most {MAX_BOXES} per redaction; split the work into several redactions",
            code="TOO_MANY_BOXES",
            detail={"count": count, "max": MAX_BOXES},
        )


def parse_box_file(data: Any) -> list[BoxIn]:
    """A box file: a JSON list of {start, end, x, y, w, h[, note]} (times in seconds or MM:SS,
    position and size as fractions of the frame)."""
    if isinstance(data, dict) and "boxes" in data:
        data = data["boxes"]
    if not isinstance(data, list):
        raise ValidationFailed("a box file is a JSON list of boxes", code="INVALID_BOX_FILE")
    out = []
    for i, item in enumerate(data):
        try:
            start = item["start"] if "start" in item else item["start_s"]
            end = item["end"] if "end" in item else item["end_s"]
            box = BoxIn(
                parse_time(str(start)),
                parse_time(str(end)),
                float(item["x"]),
                float(item["y"]),
                float(item["w"]),
                float(item["h"]),
                str(item.get("note", ""))[:300],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationFailed(
                f"box {i + 1}: needs start, end, x, y, w, h ({exc})", code="INVALID_BOX_FILE", detail={"box": i + 1}
            )
        except ValidationFailed as exc:
            raise ValidationFailed(f"box {i + 1}: {exc.message}", code="INVALID_BOX_FILE", detail={"box": i + 1})
        out.append(box)
    return out


_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def parse_box_lines(text: str, frame: tuple[int, int] | None) -> list[BoxIn]:
    """Boxes typed one a line as ``x,y,w,h,FROM-TO`` in the source video's pixels (the console's form).

    ``frame`` is the source's (width, height); the boxes come back as fractions of it,
    the form every other way in uses. Blank lines and lines starting with ``#`` are skipped.
    Only the syntax is checked here; where the boxes lie is checked by :func:`check_box`, as for
    boxes from anywhere else.
    """
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line and not line.startswith("#")]
    if not lines:
        return []
    check_box_count(len(lines))
    if frame is None or not frame[0] or not frame[1]:
        raise ValidationFailed(
            "this recording's frame size is unknown (its footage was not probed), so boxes in pixels cannot be "
            "placed; give boxes as fractions of the frame through the API or `bwc redact --boxes`",
            code="FRAME_SIZE_UNKNOWN",
        )
    width, height = frame
    out = []
    for n, line in lines:
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 5 or not all(_NUMBER.match(p) for p in parts[:4]):
            raise ValidationFailed(
                f"box line {n} {line!r}: write x,y,w,h,FROM-TO with x, y, w, h in pixels of the "
                f"{width}x{height} source frame, e.g. 100,80,200,120,5-8.5",
                code="INVALID_BOX_LINE",
                detail={"line": n, "text": line[:200]},
            )
        try:
            start, end = parse_range(parts[4])
        except ValidationFailed as exc:
            raise ValidationFailed(
                f"box line {n}: {exc.message}", code=exc.code, detail={"line": n, "text": line[:200]}
            )
        x, y, w, h = (float(p) for p in parts[:4])
        out.append(BoxIn(start, end, x / width, y / height, w / width, h / height))
    return out


def parse_ranges(text: str) -> list[tuple[float, float]]:
    """Time ranges separated by commas, spaces or new lines: ``12-15, 1:02-1:04.5``."""
    items = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    if len(items) > MAX_AUDIO_RANGES:
        raise ValidationFailed(f"at most {MAX_AUDIO_RANGES} audio ranges per redaction", code="TOO_MANY_AUDIO_RANGES")
    return [parse_range(p) for p in items]


# --- API bodies -------------------------------------------------------------------------------
# Only the shape is checked here; the values are checked by the service (check_box,
# check_range), so a bad box gets the same code from the API as from the console.


class BoxBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_s: float
    end_s: float
    x: float
    y: float
    w: float
    h: float
    note: str = Field("", max_length=300)

    def to_in(self) -> BoxIn:
        return BoxIn(self.start_s, self.end_s, self.x, self.y, self.w, self.h, self.note)


class TrackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: str = Field(..., max_length=10, description="accept (redact the face) or reject (leave it visible)")
    reason: str = Field("", max_length=300)
    requester: bool = Field(False, description="the requester's own face: kept visible (REL-4)")


class AudioBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_s: float
    end_s: float
    mode: str = "mute"
    note: str = Field("", max_length=300)


class RedactionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    faces: StrictBool = True  # 0 or "yes" is a 422, as the schema says (make fuzz found it accepted)
    style: str = "blur"
    exemption: str = "7(C)"
    reason: str = Field("", max_length=2000)
    keep_tracks: list[Index] = Field(default_factory=list, max_length=100)
    # A bound on the body's size; the coded count check is the service's (TOO_MANY_BOXES).
    boxes: list[BoxBody] = Field(default_factory=list, max_length=MAX_BOXES + 1)
    audio: list[AudioBody] = Field(default_factory=list, max_length=MAX_AUDIO_RANGES)


class KeepBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keep_tracks: list[Index] = Field(max_length=100)


class SuggestionsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kinds: list[str] | None = None
    mode: str = "bleep"
