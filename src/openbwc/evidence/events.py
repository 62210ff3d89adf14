"""What evidence publishes when a recording changes (openbwc.events): higher domains react.

Compliance, for one, seals footage of First Amendment activity alone the moment
it arrives or is tagged so (PRO-1), in the same transaction, which evidence, a
layer below, cannot do itself; media makes a new recording's viewing copies after
the ingest commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from openbwc.events import Event


@dataclass(frozen=True)
class RecordingIngested(Event):
    """A new recording was stored (not a duplicate of one already held)."""

    name: ClassVar[str] = "recording.ingested"
    recording_id: uuid.UUID
    ingested_by: str = "system"


@dataclass(frozen=True)
class RecordingTagged(Event):
    """A recording's tags changed: ``added`` and ``removed`` as stored (normalised)."""

    name: ClassVar[str] = "recording.tagged"
    recording_id: uuid.UUID
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordingClassified(Event):
    """A recording's retention category was set by hand."""

    name: ClassVar[str] = "recording.classified"
    recording_id: uuid.UUID
    old: str
    new: str


@dataclass(frozen=True)
class RecordingCaseLinked(Event):
    """A recording was linked to a case (``linked``) or taken off one: its retention may change."""

    name: ClassVar[str] = "recording.case_linked"
    recording_id: uuid.UUID
    case_number: str
    linked: bool = True


@dataclass(frozen=True)
class CaseClosed(Event):
    """A case was closed (``closed``) or reopened: the retention of its recordings may change (RET-3)."""

    name: ClassVar[str] = "case.closed"
    case_number: str
    recording_ids: tuple[uuid.UUID, ...] = ()
    closed: bool = True
