"""What retention publishes: holds placed and lifted (retention periods are recomputed on them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from openbwc.events import Event


@dataclass(frozen=True)
class RecordingsHeld(Event):
    """Recordings came under a hold (a new hold, or added to one)."""

    name: ClassVar[str] = "recordings.held"
    hold_id: uuid.UUID
    recording_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class HoldLifted(Event):
    """A hold was lifted (two people): its recordings may now be due, unless another hold keeps them."""

    name: ClassVar[str] = "hold.lifted"
    hold_id: uuid.UUID
    recording_ids: tuple[uuid.UUID, ...]
