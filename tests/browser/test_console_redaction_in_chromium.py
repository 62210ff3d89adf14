"""Draw a redaction box with the mouse on a paused video in a real browser, and submit it.

The footage is 1920x1080, its viewing copy 1280x720, the player 960 px wide: the
box must reach the server in the source's pixels (stored as fractions of it).
"""

from __future__ import annotations

import json
import subprocess

import pytest
from sqlalchemy import create_engine, text

from openbwc.demo.agency import DEMO_ACCOUNTS
from tests.browser.conftest import BWC, bwc_env, log_on, serving

RECORDS = next(a for a in DEMO_ACCOUNTS if a.role == "records_officer")
SRC_W, SRC_H = 1920, 1080


@pytest.fixture(scope="module")
def server_with_footage(tmp_path_factory, browser):
    """A demo server over its own data directory holding one 1080p recording with its proxy made."""
    from openbwc.media.synthetic import astronaut_clip

    data = tmp_path_factory.mktemp("redact-live")

    def run(*args: str) -> str:
        done = subprocess.run([*BWC, *args], env=bwc_env(data), check=True, capture_output=True, text=True)
        return done.stdout

    run("demo", "--seed-only")
    clip = data / "clip.mp4"
    astronaut_clip(clip, width=SRC_W, height=SRC_H, fps=15, seconds=4, audio=True)
    out = run("ingest", str(clip), "--camera", "BWC-000001", "--recorded-start", "2026-01-05T10:00:00Z", "--json")
    recording_id = json.loads(out[out.index("[") :])[0]["recording_id"]
    run("derivatives", recording_id, "--json")
    with serving(data) as url:
        yield url, recording_id, data / "openbwc.sqlite3"


def test_a_box_dragged_on_the_paused_video_is_sent_in_source_pixels(server_with_footage, page, tmp_path):
    url, recording_id, database = server_with_footage
    page.set_viewport_size({"width": 1400, "height": 1000})
    log_on(page, url, RECORDS, f"/media/{recording_id}/redact")
    page.wait_for_function("document.getElementById('redact-video').readyState >= 1")
    assert page.locator("#redact-stage").is_visible()
    # Pause one second in, where the plate would be.
    page.evaluate(
        """() => new Promise(done => { const v = document.getElementById('redact-video');
             v.pause(); v.addEventListener('seeked', done, {once: true}); v.currentTime = 1.0; })"""
    )
    video = page.locator("#redact-video").bounding_box()
    assert video is not None and round(video["width"]) == 960  # on screen: half the source's width
    # Drag from 25 % / 20 % to 50 % / 45 % of the picture.
    x0, y0 = video["x"] + 0.25 * video["width"], video["y"] + 0.20 * video["height"]
    x1, y1 = video["x"] + 0.50 * video["width"], video["y"] + 0.45 * video["height"]
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    assert page.locator("tr.redact-row").count() == 1
    assert page.evaluate("document.getElementById('redact-video').paused")
    # "to here": move on to 2.5 s and end the box there.
    page.evaluate(
        """() => new Promise(done => { const v = document.getElementById('redact-video');
             v.addEventListener('seeked', done, {once: true}); v.currentTime = 2.5; })"""
    )
    page.click("tr.redact-row button.box-to-here")
    line = page.input_value("#boxes")
    *where, when = line.split(",")
    assert when == "1-2.5", line
    # Mouse positions land on whole screen pixels: a source pixel or two either way.
    assert all(abs(int(v) - e) <= 2 for v, e in zip(where, (480, 216, 480, 270), strict=True)), line
    # A second box, deleted again: the list and the text follow.
    page.mouse.move(x0 + 200, y0 + 100)
    page.mouse.down()
    page.mouse.move(x0 + 260, y0 + 160, steps=4)
    page.mouse.up()
    assert page.locator("tr.redact-row").count() == 2
    page.locator("tr.redact-row").nth(1).locator("button.box-delete").click()
    assert page.locator("tr.redact-row").count() == 1 and page.input_value("#boxes") == line
    page.uncheck("#faces")
    page.fill("#re", "licence plate")
    page.screenshot(path=str(tmp_path / "redact.png"), full_page=True)
    page.click("#redact-submit")
    page.wait_for_url(f"**/media/{recording_id}")
    assert RECORDS.name in page.locator("table").first.inner_text()  # listed as requested by them

    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        red = conn.execute(
            text("SELECT id, faces, reason, job_id FROM media_redactions ORDER BY created_at DESC LIMIT 1")
        ).one()
        boxes = conn.execute(
            text("SELECT x, y, w, h, start_s, end_s FROM media_redaction_boxes WHERE redaction_id = :r"), {"r": red.id}
        ).all()
        job = conn.execute(text("SELECT kind, status, args FROM jobs WHERE id = :j"), {"j": red.job_id}).one()
    engine.dispose()
    assert not red.faces and red.reason == "licence plate"
    assert job.kind == "media.redact" and job.status in ("queued", "running", "succeeded")  # the demo runs jobs itself
    assert len(boxes) == 1
    b = boxes[0]
    # Back in source pixels: 25 % of 1920 = 480, 20 % of 1080 = 216; one screen pixel is two source pixels.
    got = (b.x * SRC_W, b.y * SRC_H, b.w * SRC_W, b.h * SRC_H)
    for value, expected in zip(got, (480, 216, 480, 270), strict=True):
        assert abs(value - expected) <= 2, got
    assert (b.start_s, b.end_s) == (1.0, 2.5)
