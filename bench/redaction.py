"""Redaction speed and face coverage, beside plain decode + encode of the same clip.

A 60-second 1280x720 30 fps H.264 clip in which a real face (scikit-image's
astronaut) wanders, grows and shrinks is made once (bench/out/); its true face
box in every frame is known. In the same run:

* decode + encode alone: every frame decoded and re-encoded with the same
  encoder settings the redaction uses; the bound redaction cannot beat;
* redaction: faces found, tracked and blurred, written to a new file.

Coverage: a frame counts as covered when the face's true box lies inside the
union of the redaction boxes drawn on that frame.

    .venv/bin/python bench/redaction.py [--seconds 60] [--threads 2]

Targets (issue 7): >= 1.0x real time, >= 0.60 x decode+encode, face covered in
100% of the frames it is in.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def _clip(seconds: float):
    from openbwc.media.redaction.boxes import Box
    from openbwc.media.synthetic import astronaut_clip

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"astronaut-720p30-{int(seconds)}s.mp4"
    truth_path = path.with_suffix(".json")
    if path.exists() and truth_path.exists():
        return path, [Box.from_list(b) for b in json.loads(truth_path.read_text())]
    print(f"making the test clip {path.name} (once) ...", flush=True)
    truth = astronaut_clip(path, seconds=seconds, audio=True)
    truth_path.write_text(json.dumps([b.as_list() for b in truth]))
    return path, truth


def decode_encode(src: Path, dst: Path, preset: str, crf: int) -> tuple[int, float]:
    import av

    t0 = time.perf_counter()
    n = 0
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        vs = inp.streams.video[0]
        vs.thread_type = "AUTO"
        vo = out.add_stream("libx264", rate=vs.average_rate)
        vo.width, vo.height, vo.pix_fmt = vs.codec_context.width, vs.codec_context.height, "yuv420p"
        vo.options = {"preset": preset, "crf": str(crf)}
        vo.thread_type = "AUTO"
        for frame in inp.decode(vs):
            frame.pts = n
            frame.time_base = 1 / vs.average_rate
            n += 1
            for p in vo.encode(frame):
                out.mux(p)
        for p in vo.encode():
            out.mux(p)
    return n, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=2, help="cores to use (the target is measured on 2)")
    ap.add_argument("--preset", default="veryfast")
    ap.add_argument("--crf", type=int, default=20)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity") and args.threads:
        cpus = sorted(os.sched_getaffinity(0))[: args.threads]
        os.sched_setaffinity(0, cpus)
    sys.path.insert(0, str(ROOT / "src"))
    from openbwc.media.redaction.detector import FaceDetector
    from openbwc.media.redaction.pipeline import Plan, redact

    src, truth = _clip(args.seconds)
    fps = 30.0

    n_base, t_base = decode_encode(src, OUT / "baseline.mp4", args.preset, args.crf)
    base_fps = n_base / t_base

    covered = 0
    present = sum(1 for b in truth if b.area > 0)

    def on_frame(i: int, boxes) -> None:  # type: ignore[no-untyped-def]
        nonlocal covered
        gt = truth[i]
        if gt.area <= 0:
            return
        if any(b.contains(gt) for b in boxes) or _union_covers(boxes, gt):
            covered += 1

    with FaceDetector() as det:
        t0 = time.perf_counter()
        outcome = redact(
            src, OUT / "redacted.mp4", Plan(preset=args.preset, crf=args.crf), detector=det, on_frame=on_frame
        )
        t_red = time.perf_counter() - t0
    red_fps = outcome.frames / t_red
    print(
        f"redaction {red_fps:.1f} fps = {red_fps / fps:.2f}x real time = {red_fps / base_fps:.2f} x decode+encode "
        f"{base_fps:.1f} fps (target >=1.0x, >=0.60); face covered {covered}/{present} frames"
    )
    print(
        f"  {outcome.frames} frames {outcome.width}x{outcome.height}, {len(outcome.tracks)} track(s), "
        f"{outcome.frames_redacted} frames redacted, {len(os.sched_getaffinity(0))} cores, "
        f"x264 {args.preset} crf {args.crf}"
    )
    return 0


def _union_covers(boxes, gt) -> bool:  # type: ignore[no-untyped-def]
    """True when the boxes together cover every pixel of ``gt`` (checked on a coarse grid)."""
    import numpy as np

    if not boxes:
        return False
    xs = np.linspace(gt.x0, gt.x1 - 1e-3, 16)
    ys = np.linspace(gt.y0, gt.y1 - 1e-3, 16)
    for y in ys:
        for x in xs:
            if not any(b.x0 <= x < b.x1 and b.y0 <= y < b.y1 for b in boxes):
                return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
