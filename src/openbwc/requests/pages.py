"""Console pages for the request queue and workflow, and the public portal's pages."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
