"""What a file is, asked of FFmpeg through PyAV: container, codecs, duration, size, rate, frames.

Only what the demuxer needs is read: the header, the index, and the last group
of pictures (to catch a file cut short whose index survived, as with a
"faststart" MP4 that lost its tail).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import av

from openbwc.kit.errors import describe, without_paths
from openbwc.kit.time import parse_instant

# Leading bytes of containers cameras write: a file that starts like one but will
# not open is TRUNCATED (damaged on the way); anything else is NOT_VIDEO.
_SIGNATURES = (
    (4, b"ftyp"),  # ISO base media (MP4, MOV)
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska / WebM
    (0, b"RIFF"),  # AVI
    (0, b"\x47"),  # MPEG transport stream sync byte
)


@dataclass(frozen=True)
class ProbeInfo:
    container: str
    video_codec: str
    audio_codec: str | None
    duration_s: float | None
    width: int
    height: int
    fps: float | None
    frames: int | None
    created_at: datetime | None


class ProbeFailed(Exception):
    """Why a file is not usable video. The message goes to the dock or person that sent the
    file and into the quarantine record, so it never names a file on this server."""

    def __init__(self, code: str, message: str) -> None:
        message = without_paths(message)
        super().__init__(message)
        self.code = code
        self.message = message


def _looks_like_video(head: bytes) -> bool:
    for offset, magic in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            # One sync byte alone is weak evidence: demand a second at 188 for TS.
            return magic != b"\x47" or (len(head) > 188 and head[188:189] == b"\x47")
    return False


def _created(metadata: dict[str, str]) -> datetime | None:
    value = metadata.get("creation_time")
    if not value:
        return None
    try:
        return parse_instant(value, field="creation_time")
    except Exception:
        return None


def probe(reader: BinaryIO | str, size: int) -> ProbeInfo:
    """Describe the video in ``reader`` (a seekable file object, or a local path), or raise
    :class:`ProbeFailed` with a code. A path lets FFmpeg read the file itself, without
    a Python call per read."""
    if size == 0:
        raise ProbeFailed("EMPTY_FILE", "the file is empty (0 bytes)")
    if isinstance(reader, str):
        with open(reader, "rb") as fh:
            head = fh.read(256)
    else:
        head = reader.read(256)
        reader.seek(0)
    try:
        container = av.open(reader, mode="r")
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        if _looks_like_video(head):
            raise ProbeFailed(
                "TRUNCATED", f"the file starts like a video but cannot be read to the end: {describe(exc)}"
            )
        raise ProbeFailed("NOT_VIDEO", "the file is not a video FFmpeg can read")
    with container:
        if not container.streams.video:
            raise ProbeFailed("NOT_VIDEO", f"the {container.format.name} file has no video stream")
        vs = container.streams.video[0]
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else None
        duration = None
        if vs.duration is not None and vs.time_base is not None:
            duration = float(vs.duration * vs.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        rate = vs.average_rate or vs.guessed_rate
        info = ProbeInfo(
            container=container.format.name[:60],
            video_codec=vs.codec_context.name,
            audio_codec=audio,
            duration_s=duration,
            width=vs.codec_context.width,
            height=vs.codec_context.height,
            fps=float(rate) if rate else None,
            frames=vs.frames or None,
            created_at=_created(dict(container.metadata)),
        )
        if not info.width or not info.height:
            raise ProbeFailed("NOT_VIDEO", "the video stream has no picture size")
        _check_tail(container, vs, duration)
    return info


def _check_tail(
    container: av.container.InputContainer, vs: av.video.stream.VideoStream, duration: float | None
) -> None:
    """Demux the last group of pictures: a file cut short ends before its index says it should."""
    if not duration or vs.time_base is None:
        return
    end_ts = int(duration / vs.time_base)
    try:
        container.seek(end_ts, stream=vs, backward=True, any_frame=False)
        last_end = None
        for packet in container.demux(vs):
            if packet.pts is None or packet.size == 0:
                continue
            packet_end = packet.pts + (packet.duration or 0)
            last_end = packet_end if last_end is None else max(last_end, packet_end)
    except av.error.FFmpegError as exc:
        raise ProbeFailed("TRUNCATED", f"the file ends in the middle of its video data: {describe(exc)}")
    if last_end is None:
        raise ProbeFailed("TRUNCATED", "the file has no video data where its index says the video ends")
    start = vs.start_time or 0
    # Allow one frame of slack for rounding in the container's duration.
    frame = (1 / float(vs.average_rate)) if vs.average_rate else 0.1
    if float((last_end - start) * vs.time_base) < duration - frame - 0.05:
        raise ProbeFailed(
            "TRUNCATED",
            f"the video data ends at {float((last_end - start) * vs.time_base):.2f} s "
            f"but the file says {duration:.2f} s: it was cut short",
        )
