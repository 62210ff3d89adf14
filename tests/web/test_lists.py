"""One list helper and one pager for every console list (web/lists.py, web/templates/_pager.html)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.requests import Request

from openbwc.kit.errors import ValidationFailed
from openbwc.web.lists import list_page

SRC = Path(__file__).parents[2] / "src" / "openbwc"


def _request(path: str = "/people") -> Request:
    return Request({"type": "http", "path": path, "query_string": b"", "headers": []})


def _fetch(rows: list[int]):  # type: ignore[no-untyped-def]
    def fetch(limit: int, offset: int, sort: str | None):  # type: ignore[no-untyped-def]
        ordered = sorted(rows, reverse=sort == "newest")
        return ordered[offset : offset + limit], len(rows)

    return fetch


def test_a_page_keeps_its_filters_in_the_pager_links():
    listing = list_page(
        _request(), _fetch(list(range(120))), page=2, filters={"office": "BAL", "q": "", "trained": None}
    )
    assert (listing.total, listing.pages, listing.first, listing.last) == (120, 3, 51, 100)
    assert listing.items[0] == 50
    assert listing.url(page=3) == "/people?office=BAL&page=3"
    assert listing.url(page=1) == "/people?office=BAL"  # page 1 is the list's own address


def test_sorting_is_only_by_what_the_page_offers():
    sorts = {"newest": "Newest first", "oldest": "Oldest first"}
    listing = list_page(_request(), _fetch([1, 2, 3]), sort="newest", sorts=sorts, filters={"office": "DET"})
    assert list(listing.items) == [3, 2, 1]
    assert listing.url(sort="oldest") == "/people?office=DET&sort=oldest"  # a new sort starts at page 1
    with pytest.raises(ValidationFailed) as err:
        list_page(_request(), _fetch([1]), sort="salary", sorts=sorts)
    assert err.value.code == "INVALID_SORT"


def test_an_empty_list_has_one_page_and_no_rows():
    listing = list_page(_request(), _fetch([]))
    assert (listing.pages, listing.first, listing.last) == (1, 0, 0)


def test_no_template_builds_a_pager_of_its_own():
    """Every paged list renders `_pager.html`'s macro; no template writes its own page links."""
    own = []
    for template in SRC.rglob("templates/*.html"):
        if template.name == "_pager.html":
            continue
        text = template.read_text()
        if "page=" in text or 'class="pager"' in text:
            own.append(str(template.relative_to(SRC)))
    assert own == []
    pages = [t for t in SRC.rglob("templates/*.html") if "pager(listing" in t.read_text()]
    assert len(pages) >= 8
