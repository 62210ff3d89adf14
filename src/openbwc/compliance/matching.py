"""Which recordings belong to which (activity, officer) pair: a set-wise interval join.

A recording belongs to a pair when it is the same officer's, it ends after the
activity starts, and it was activated no later than the activity's end plus
the activation grace (TRG-6: an officer who activates within the grace of a
short activity has still recorded it). The pre-event buffer does not count as
activation (TRG-6, TRG-7).

The join sorts the recordings once by (officer, activation) and finds every
pair's candidates with two binary searches, so a million pairs cost a sort and
two ``searchsorted`` calls, not a million queries. Times are integer
milliseconds since the epoch; officers are small integer codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Keys pack (officer, time) into one int64: the officer in the high bits, the time
# (relative to the earliest one) in the low 42 bits, ample for 139 years in ms.
TIME_BITS = 42
MAX_OFFICERS = 1 << (63 - TIME_BITS)


@dataclass(frozen=True)
class Matches:
    """Matched (pair, recording) index pairs: sorted by pair, then by the recording's activation."""

    pair: np.ndarray
    rec: np.ndarray

    def __len__(self) -> int:
        return len(self.pair)


def empty() -> Matches:
    return Matches(np.empty(0, np.int64), np.empty(0, np.int64))


def match(
    pair_officer: np.ndarray,
    pair_start: np.ndarray,
    pair_end: np.ndarray,
    rec_officer: np.ndarray,
    rec_act: np.ndarray,
    rec_end: np.ndarray,
    activation_grace_ms: int,
) -> Matches:
    """Every (pair, recording) with the same officer and overlapping time, as above.

    Recordings whose officer code is negative (no officer known) match nothing.
    """
    pair_officer = np.asarray(pair_officer, np.int64)
    rec_officer = np.asarray(rec_officer, np.int64)
    if len(pair_officer) == 0 or len(rec_officer) == 0:
        return empty()
    pair_start = np.asarray(pair_start, np.int64)
    pair_end = np.asarray(pair_end, np.int64)
    rec_act = np.asarray(rec_act, np.int64)
    rec_end = np.asarray(rec_end, np.int64)
    base = int(min(pair_start.min(), rec_act.min(), rec_end.min()))
    top = int(max(pair_end.max() + activation_grace_ms, rec_end.max(), rec_act.max())) - base
    if top >= 1 << TIME_BITS:
        raise ValueError("times span more than 139 years")
    if int(max(pair_officer.max(), rec_officer.max())) >= MAX_OFFICERS:
        raise ValueError("too many officers for one join")

    known = rec_officer >= 0
    idx = np.flatnonzero(known)
    order = idx[np.lexsort((rec_act[idx], rec_officer[idx]))]
    off_hi = rec_officer[order] << TIME_BITS
    act_key = off_hi | (rec_act[order] - base)
    # The running maximum of end times, within each officer: the officer bits keep the
    # maximum from carrying over, since every key of the next officer is larger.
    end_sorted = rec_end[order]
    run_end_key = np.maximum.accumulate(off_hi | (end_sorted - base))

    p_hi = pair_officer << TIME_BITS
    # First recording whose running end passes the start: everything before it ended earlier.
    lo = np.searchsorted(run_end_key, p_hi | (pair_start - base), side="right")
    # One past the last recording activated by the end plus the grace.
    hi = np.searchsorted(act_key, p_hi | (pair_end + activation_grace_ms - base), side="right")
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    if total == 0:
        return empty()
    pair_idx = np.repeat(np.arange(len(pair_officer), dtype=np.int64), counts)
    first = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    pos = first + np.arange(total, dtype=np.int64)
    # A candidate inside the range may itself have ended before the start (the running
    # maximum came from an earlier, longer recording): keep only real overlaps.
    keep = end_sorted[pos] > pair_start[pair_idx]
    return Matches(pair_idx[keep], order[pos[keep]])
