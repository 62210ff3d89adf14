"""Facts one domain provides to another it does not import (``registry.provide(KEY, fn)``).

A domain high in the layers (the public transparency site) shows figures that
belong to a domain it must not import, or that may not be installed at all.
The owner registers a function under a key named here; the reader asks the
registry for it and shows "no data" when nobody provided one.

Keys and the shape of what each function returns are declared here, so both
sides agree without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# ``fn(session, *, since: datetime, until: datetime) -> Iterable[RequestFacts | Mapping]``:
# public-records (video release) requests per office and calendar month (UTC, "YYYY-MM"),
# for months in [since, until). ``received`` counts requests in the month they arrived;
# ``fulfilled``, ``expedited`` and ``release_days`` count releases in the month of release.
# ``release_days`` holds one figure per fulfilled request (days from receipt to release),
# so medians can be taken over any grouping (an office, the agency).
REQUEST_FACTS = "transparency.request_facts"

# ``fn(session, account_id) -> Mapping | None``: the person an account belongs to
# (``badge``, ``name``, ``title``, ``office_code``), for ``/api/v1/me`` (org provides it).
ACCOUNT_PERSON = "org.account_person"

# ``fn(session, actor, badge, account) -> None``: link an account to the person with
# ``badge`` (``bwc users create --badge``; org provides it, with its rules and ledger entry).
LINK_ACCOUNT = "org.link_account"

# ``fn(session, ids: Iterable[str]) -> dict[str, str]``: who an actor id (an account id,
# ``cli:<user>``, ``system``) is, by name and badge, for the console (org provides it).
ACTOR_NAMES = "org.actor_names"

KEYS = (REQUEST_FACTS, ACCOUNT_PERSON, LINK_ACCOUNT, ACTOR_NAMES)


@dataclass(frozen=True)
class RequestFacts:
    office_code: str | None
    month: str
    received: int = 0
    fulfilled: int = 0
    expedited: int = 0
    release_days: tuple[float, ...] = field(default_factory=tuple)

    @classmethod
    def coerce(cls, item: Any) -> RequestFacts:
        """A provider may return this class or a mapping with the same keys."""
        if isinstance(item, cls):
            return item
        get = item.get if isinstance(item, Mapping) else (lambda k, d=None: getattr(item, k, d))
        return cls(
            office_code=get("office_code"),
            month=str(get("month")),
            received=int(get("received", 0) or 0),
            fulfilled=int(get("fulfilled", 0) or 0),
            expedited=int(get("expedited", 0) or 0),
            release_days=tuple(float(d) for d in (get("release_days", ()) or ())),
        )


class ProvidedError(RuntimeError):
    """An unknown key, or two providers for one key (a programming error)."""


class Provided:
    """The functions provided under each key: at most one per key."""

    def __init__(self) -> None:
        self._fns: dict[str, Callable[..., Any]] = {}

    def provide(self, key: str, fn: Callable[..., Any]) -> None:
        if key not in KEYS:
            raise ProvidedError(f"unknown key {key!r}: declare it in openbwc.kit.provided")
        if key in self._fns:
            raise ProvidedError(f"two domains provide {key!r}")
        self._fns[key] = fn

    def get(self, key: str) -> Callable[..., Any] | None:
        return self._fns.get(key)
