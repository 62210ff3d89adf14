"""Offset pagination shared by list endpoints, console pages and CLI commands.

Every list takes its ``limit`` and ``offset`` (or a console ``page``) through the
types here, so the bounds are the same everywhere and checked before a query
is built: an offset past ``MAX_OFFSET`` is a 422 with a code, never a number
the database cannot hold.
"""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from annotated_types import Interval
from pydantic import BaseModel

from openbwc.kit.types import MAX_INT

T = TypeVar("T")

MAX_LIMIT = 500
MAX_OFFSET = MAX_INT
# Console pages are numbered from 1; a page past this is past any list openbwc keeps.
MAX_PAGE = 1_000_000

Limit = Annotated[int, Interval(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Interval(ge=0, le=MAX_OFFSET)]
PageNumber = Annotated[int, Interval(ge=1, le=MAX_PAGE)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
