"""Query parameters of the public site, shared by the page, the JSON and the downloads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Month = Annotated[str | None, Query(max_length=7, description="YYYY-MM")]
OfficeCode = Annotated[str | None, Query(max_length=12, description="an office code; all offices when absent")]
