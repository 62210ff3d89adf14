"""One way to show a list in the console: filters, sort, a page of rows and the pager.

A list page reads its filters from the query string as usual, then asks
:func:`list_page` for one page: it bounds the page number, checks the sort
against the ones the page offers, calls the page's ``fetch(limit, offset, sort)``
and returns a :class:`Listing` that the one pager template
(``_pager.html``) renders, with links that keep the filters. The same
``Listing`` gives the table its rows and the heading its total.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Request

from openbwc.kit.errors import ValidationFailed
from openbwc.kit.pagination import MAX_PAGE

T = TypeVar("T")
PER_PAGE = 50


@dataclass(frozen=True)
class Listing(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    per_page: int
    path: str
    filters: Mapping[str, str] = field(default_factory=dict)
    sort: str | None = None
    sorts: Mapping[str, str] = field(default_factory=dict)  # key -> label, the sorts the page offers

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """1-based position of the first row shown (0 when there is none)."""
        return 0 if not self.items else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)

    def url(self, page: int | None = None, sort: str | None = None) -> str:
        """This list's address for another page (or sort), keeping every filter that is set."""
        query = {k: v for k, v in self.filters.items() if v not in (None, "")}
        chosen = sort if sort is not None else self.sort
        if chosen:
            query["sort"] = chosen
        target = page if page is not None else (1 if sort is not None else self.page)
        if target > 1:
            query["page"] = str(target)
        return self.path + ("?" + urlencode(query) if query else "")


def list_page(
    request: Request,
    fetch: Callable[[int, int, str | None], tuple[Sequence[T], int]],
    *,
    page: int = 1,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    sorts: Mapping[str, str] | None = None,
    default_sort: str | None = None,
    per_page: int = PER_PAGE,
) -> Listing[T]:
    """One page of a list: ``fetch(limit, offset, sort)`` returns (rows, total matching)."""
    sorts = dict(sorts or {})
    if sort and sort not in sorts:
        raise ValidationFailed(
            f"this list sorts by {', '.join(sorts) or 'nothing'}, not {sort!r}",
            code="INVALID_SORT",
            detail={"sort": sort, "allowed": list(sorts)},
        )
    if not 1 <= page <= MAX_PAGE:
        raise ValidationFailed(f"page must be between 1 and {MAX_PAGE}", code="INVALID_PAGE", detail={"page": page})
    chosen = sort or default_sort
    items, total = fetch(per_page, (page - 1) * per_page, chosen)
    shown = {k: "" if v is None else str(v) for k, v in (filters or {}).items()}
    return Listing(items, total, page, per_page, request.url.path, shown, sort, sorts)
