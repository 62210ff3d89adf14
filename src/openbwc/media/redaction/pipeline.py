"""One pass over a recording: decode, find faces, track them, draw redactions, encode.

The original file is only ever opened for reading; the redacted copy goes to a
new file that the caller stores as a new evidence item (POLICY.md REL-5).

Speed comes from doing little per frame: the detector runs on every
``stride``-th frame only (the tracker supplies the boxes in between, see
tracker.py), redactions are drawn straight into the decoder's YUV planes, and
frames without a box go to the encoder untouched. FFmpeg's decoder and x264
each run their own threads, so decode, detection and encode overlap on the
machine's cores.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from openbwc.media.redaction import render
from openbwc.media.redaction.audio import AudioRange, apply_ranges
from openbwc.media.redaction.boxes import Box
from openbwc.media.redaction.detector import merge
from openbwc.media.redaction.tracker import Track, Tracker, TrackParams


@dataclass(frozen=True)
class ManualBox:
    """A box drawn by a person: position and size as fractions of the frame, over a time range."""

    start_s: float
    end_s: float
    x: float
    y: float
    w: float
    h: float

    def at(self, t: float, width: int, height: int) -> Box | None:
        if not (self.start_s <= t < self.end_s):
            return None
        return Box(self.x * width, self.y * height, (self.x + self.w) * width, (self.y + self.h) * height)


@dataclass
class Plan:
    faces: bool = True
    style: str = "blur"
    keep_tracks: frozenset[int] = frozenset()
    boxes: tuple[ManualBox, ...] = ()
    audio: tuple[AudioRange, ...] = ()
    # Tracks found earlier (stored with the recording): drawn as they are, no detection.
    tracks: list[Track] | None = None
    # Detect on every stride-th frame; 0: five times a second, whatever the frame rate.
    stride: int = 0
    preset: str = "veryfast"
    crf: int = 20


@dataclass
class Outcome:
    frames: int = 0
    width: int = 0
    height: int = 0
    fps: float = 0.0
    tracks: list[Track] = field(default_factory=list)
    boxes_drawn: int = 0
    frames_redacted: int = 0
    has_audio: bool = False

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps if self.fps else 0.0


class MediaError(Exception):
    """The input cannot be read as video (caller turns it into a coded domain error)."""


def _fps(stream) -> Fraction:  # type: ignore[no-untyped-def]
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate or rate <= 0:
        raise MediaError("the video stream does not say its frame rate")
    return Fraction(rate).limit_denominator(1001)


def _expected_frames(container, stream, fps: Fraction) -> int:  # type: ignore[no-untyped-def]
    if stream.frames:
        return int(stream.frames)
    if stream.duration and stream.time_base:
        return max(1, int(stream.duration * stream.time_base * fps))
    if container.duration:
        return max(1, int(container.duration / 1_000_000 * fps))
    return 0


def _no_picture_type(frame) -> None:  # type: ignore[no-untyped-def]
    # A decoded frame keeps its I/P/B flag; left in place it would make x264 copy
    # the source's key-frame pattern instead of choosing its own.
    try:
        import av.video.frame as vf

        frame.pict_type = vf.PictureType.NONE
    except (ImportError, AttributeError, TypeError, ValueError):
        pass


def redact(
    src: Path,
    dst: Path,
    plan: Plan,
    *,
    detector=None,  # type: ignore[no-untyped-def]
    progress: Callable[[float], None] | None = None,
    on_frame: Callable[[int, list[Box]], None] | None = None,
) -> Outcome:
    """Write a redacted copy of ``src`` to ``dst`` (MP4, H.264 + AAC) following ``plan``.

    ``detector`` is a :class:`FaceDetector` (made here when faces must be found and
    none is given). ``on_frame(index, boxes)`` sees every frame's redaction boxes.
    """
    import av

    if plan.style not in render.STYLES:
        raise ValueError(f"style must be one of {render.STYLES}")
    try:
        container = av.open(str(src))
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(f"cannot open the recording: {exc}") from exc
    own_detector = False
    with container:
        if not container.streams.video:
            raise MediaError("the recording has no video stream")
        vs = container.streams.video[0]
        vs.thread_type = "AUTO"
        a_in = container.streams.audio[0] if container.streams.audio else None
        fps = _fps(vs)
        expected = _expected_frames(container, vs, fps)
        width, height = vs.codec_context.width, vs.codec_context.height
        if width % 2 or height % 2:
            raise MediaError(f"frame size {width}x{height} is odd; 4:2:0 video needs even sizes")
        stride = plan.stride or max(1, round(float(fps) / DETECTIONS_PER_SECOND))
        params = TrackParams.for_fps(float(fps), stride, (width, height))
        detect = plan.faces and plan.tracks is None
        if detect and detector is None:
            from openbwc.media.redaction.detector import FaceDetector

            detector = FaceDetector()
            own_detector = True
        tracker = Tracker(params)
        finder = _Finder(detector, tracker, width, height) if detect else None
        if plan.faces and plan.tracks is not None:
            tracker.tracks = list(plan.tracks)
        outcome = Outcome(width=width, height=height, fps=float(fps), has_audio=a_in is not None)
        pending: deque = deque()
        last_report = -1.0

        with av.open(str(dst), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            vo = out.add_stream("libx264", rate=fps)
            vo.width, vo.height, vo.pix_fmt = width, height, "yuv420p"
            vo.options = {"preset": plan.preset, "crf": str(plan.crf)}
            vo.thread_type = "AUTO"
            ao = None
            if a_in is not None:
                ao = out.add_stream("aac", rate=a_in.codec_context.sample_rate or 48000)
                ao.layout = a_in.codec_context.layout.name if a_in.codec_context.layout else "mono"

            def emit(frame) -> None:  # type: ignore[no-untyped-def]
                index = frame.pts
                t = index / fps
                boxes: list[Box] = []
                if plan.faces:
                    boxes.extend(b for _n, b in tracker.boxes_at(index, plan.keep_tracks))
                for mb in plan.boxes:
                    b = mb.at(float(t), width, height)
                    if b is not None:
                        boxes.append(b)
                if boxes:
                    outcome.boxes_drawn += render.draw(render.plane_views(frame), boxes, plan.style)
                    outcome.frames_redacted += 1
                if on_frame is not None:
                    on_frame(index, boxes)
                for packet in vo.encode(frame):
                    out.mux(packet)

            def on_video(frame) -> None:  # type: ignore[no-untyped-def]
                nonlocal last_report
                index = outcome.frames
                outcome.frames += 1
                if frame.format.name != "yuv420p":
                    frame = frame.reformat(format="yuv420p")
                frame.pts = index
                frame.time_base = 1 / fps
                _no_picture_type(frame)
                # A frame is drawn once no later detection can change its boxes.
                horizon = index - params.lag if detect else index
                if detect and index % params.stride == 0:
                    rgb = render.rgb_of(_read_planes(frame))
                    started = tracker.update(index, finder.look(index, rgb))
                    if started:
                        finder.look_back(started, rgb, pending, horizon + params.reach)
                pending.append(frame)
                while pending and pending[0].pts <= horizon:
                    emit(pending.popleft())
                if progress is not None and expected:
                    done = min(0.99, outcome.frames / expected)
                    if done - last_report >= 0.01:
                        last_report = done
                        progress(done)

            try:
                for packet in container.demux(*(s for s in (vs, a_in) if s is not None)):
                    if packet.stream is vs:
                        for frame in packet.decode():
                            on_video(frame)
                    elif ao is not None:
                        for aframe in packet.decode():
                            _on_audio(aframe, ao, out, plan.audio)
            except av.FFmpegError as exc:
                raise MediaError(f"cannot decode the recording: {exc}") from exc
            while pending:
                emit(pending.popleft())
            for packet in vo.encode():
                out.mux(packet)
            if ao is not None:
                for packet in ao.encode():
                    out.mux(packet)
    if own_detector:
        detector.close()
    outcome.tracks = tracker.tracks if plan.faces else []
    if progress is not None:
        progress(1.0)
    return outcome


# Key frames a second: faces move smoothly enough over a fifth of a second that a
# straight line between two sightings follows them (tracker.py pads for the rest).
DETECTIONS_PER_SECOND = 5.0

# A new face's first sighting at or above this score stands even when a closer look
# misses it; below it, it needs the closer look to agree.
SURE = 0.8


class _Finder:
    """Which detector runs on a key frame: every known face is followed on a crop
    around where it should be, and one step of the search for new faces runs:
    the whole frame on every other key frame (large faces), one tile in turn on
    the others (small faces). A full search so spans eight key frames, and a
    face first seen late is still covered back to when it came in (tracker.py)."""

    def __init__(self, detector, tracker: Tracker, width: int, height: int) -> None:  # type: ignore[no-untyped-def]
        self.detector, self.tracker = detector, tracker
        tiles = [p for p in detector.parts(width, height) if p is not None]
        self.cycle: list = []
        for tile in tiles or [None]:
            self.cycle.extend([None, tile] if tile is not None else [None])
        self.step = 0

    def look(self, index: int, rgb: np.ndarray) -> list:
        found = []
        for predicted in self.tracker.predictions(index):
            found.extend(self.detector.follow(rgb, predicted))
        found.extend(self.detector.scan_part(rgb, self.cycle[self.step % len(self.cycle)]))
        self.step += 1
        return merge(found)

    def look_back(self, started: list[Track], rgb: np.ndarray, held, after: int) -> None:  # type: ignore[no-untyped-def]
        """Look again, closer, at each new face in its first frame ``rgb`` (a search over
        the whole frame or a tile sees a small face coarsely, and its box is loose), then
        follow it back through the frames still held (key-frame steps, frames after
        ``after`` only), so its track starts where the face came in."""
        stride = self.tracker.params.stride
        by_index = {f.pts: f for f in held}
        for track in started:
            closer = self.detector.follow(rgb, track.boxes[0])
            if closer:
                track.boxes[0], track.scores[0] = closer[0].box, closer[0].score
            elif track.scores[0] < SURE:
                # A weak sighting the closer look does not confirm: no face, no box.
                self.tracker.discard(track)
                continue
            frame = track.first - stride
            while frame > after and frame in by_index:
                near = track.predict(frame) if len(track.frames) > 1 else track.boxes[0]
                rgb = render.rgb_of(_read_planes(by_index[frame]))
                found = [d for d in self.detector.follow(rgb, near) if d.box.overlap_of_smaller(near) > 0.3]
                if not found:
                    break
                best = max(found, key=lambda d: d.box.iou(near))
                track.insert(frame, best.box, best.score)
                frame -= stride


def _read_planes(frame) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    views = []
    for plane in frame.planes:
        buf = np.frombuffer(memoryview(plane), dtype=np.uint8)
        views.append(buf.reshape(plane.height, plane.line_size)[:, : plane.width])
    return views


def _on_audio(frame, stream, out, ranges: tuple[AudioRange, ...]) -> None:  # type: ignore[no-untyped-def]
    if ranges and frame.time is not None:
        frame = apply_ranges(frame, ranges)
    frame.pts = None
    for packet in stream.encode(frame):
        out.mux(packet)
