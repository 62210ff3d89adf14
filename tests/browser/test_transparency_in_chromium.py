"""The public transparency site in a real Chromium: charts, CSV, no JavaScript, and axe-core."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "var" / "screenshots"


def _axe(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """Serious and critical axe-core violations on the page as it stands."""
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (make install runs npm ci)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_public_site_with_charts_csv_and_no_serious_accessibility_problems(live_server, page):
    page.goto(live_server + "/transparency")
    assert page.title().startswith("Transparency")
    assert page.locator("h1").inner_text() == "Body-worn camera program: public figures"
    assert "Log off" not in page.content()
    # chart.js from node_modules draws the charts over the tables.
    page.wait_for_function("() => !document.getElementById('charts').hidden")
    assert page.locator("#chart-recordings").is_visible()
    assert page.locator("#by-office + .scroll tbody tr").count() > 0
    assert page.get_by_role("link", name="Request footage through the public request portal").is_visible()
    problems = _axe(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "transparency.png"), full_page=True)
    assert problems == [], problems

    with page.expect_download() as info:
        page.get_by_role("link", name="Per office and month (CSV)").click()
    text = Path(info.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {"office_code", "month", "recordings", "requests_received"} <= set(rows[0])
    small = {r["recordings"] for r in rows} - {"0", ""}
    assert all(v == "fewer than 10" or int(v) >= 10 for v in small)


def test_public_site_without_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server + "/transparency")
        assert not page.locator("#charts").is_visible()
        assert page.get_by_role("table", name="Figures per month").locator("tbody tr").count() == 12
        page.fill("#since", "2024-13")
        with page.expect_navigation():
            page.get_by_role("button", name="Show").click()
        assert page.locator("#since-error").inner_text().startswith("since:")
        assert page.input_value("#since") == "2024-13"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "transparency-no-js.png"), full_page=True)
    finally:
        context.close()
