"""Time helpers: every timestamp in openbwc is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

from openbwc.kit.errors import ValidationFailed


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Naive datetimes are rejected elsewhere; here they are read as UTC (SQLite drops zones)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_instant(text: str, *, field: str = "time") -> datetime:
    """Parse an ISO 8601 instant or date; a bare date means midnight UTC.

    A time without a zone is refused: guessing a zone for evidence times is how
    an activation gets judged an hour late.
    """
    raw = text.strip()
    try:
        if len(raw) == 10:
            d = date.fromisoformat(raw)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(
            f"{field}: {text!r} is not an ISO 8601 date or time (e.g. 2024-03-15T14:05:00Z)",
            code="INVALID_TIME",
            detail={"field": field, "value": text},
        )
    if value.tzinfo is None:
        raise ValidationFailed(
            f"{field}: {text!r} has no time zone; add Z or an offset such as -05:00",
            code="INVALID_TIME",
            detail={"field": field, "value": text},
        )
    return value.astimezone(UTC)


def isoformat(value: datetime | None) -> str | None:
    if value is None:
        return None
    return ensure_utc(value).isoformat().replace("+00:00", "Z")
