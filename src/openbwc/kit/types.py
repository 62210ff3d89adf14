"""Input types every route, schema and command shares, so each rule is written once.

Whole numbers: Python's ``int`` has no ceiling, but every database column and
every JSON client does. A number past 2**63 - 1 reached SQLite as an
``OverflowError`` and PostgreSQL as "bigint out of range": a 500 for a typo.
Every integer input is therefore one of the bounded types here, and the
largest any of them accepts is ``MAX_INT`` (2**53 - 1): it fits a 64-bit
column and a JavaScript number exactly, so no layer below has to check again.

Times: pydantic, left to itself, reads a number (``0``, ``"6e-86"``,
``"1700000000"``) as seconds since 1970. Evidence times are never typed that
way, and a number in a time field is a mistake to refuse, not an instant in
1970. ``Instant`` accepts only ISO 8601 text (or a ``datetime`` from Python code).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import AwareDatetime, BeforeValidator, WithJsonSchema

MAX_INT = 2**53 - 1

# A count, a position or an index: 0 .. MAX_INT.
Index = Annotated[int, Interval(ge=0, le=MAX_INT)]
# A whole number the database can hold, whose sign the service judges with its own code
# (a ledger entry number below 0 is INVALID_SEQ, not a generic validation error).
Whole = Annotated[int, Interval(ge=-MAX_INT, le=MAX_INT)]
# A sequence number that starts at 1.
Ordinal = Annotated[int, Interval(ge=1, le=MAX_INT)]

# YYYY-MM-DD, optionally followed by a time; what comes after the date is left to the parser.
_ISO_8601 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9]{2}:[0-9]{2}.*)?")
_TIME_HINT = "an ISO 8601 date or time such as 2024-03-15T14:05:00Z"


def iso_8601_only(value: Any) -> Any:
    """Let ISO 8601 text and ``datetime`` objects through; refuse numbers and anything else."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_8601.fullmatch(value.strip()):
        return value.strip()
    raise ValueError(f"must be {_TIME_HINT} (numbers are not times)")


_SCHEMA = WithJsonSchema({"type": "string", "format": "date-time", "description": f"Give {_TIME_HINT}."})

# Any ISO 8601 date or time; a time without a zone is left for the service to refuse with its own code.
Instant = Annotated[datetime, BeforeValidator(iso_8601_only), _SCHEMA]
# An ISO 8601 time with a zone (Z or an offset): what evidence and custody times need.
AwareInstant = Annotated[AwareDatetime, BeforeValidator(iso_8601_only), _SCHEMA]
