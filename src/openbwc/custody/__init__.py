"""The custody ledger: every handling of evidence and every security event.

Callers use :func:`record` and nothing else, so how the ledger stores and
proves entries can change without touching them.
"""

from openbwc.custody.actor import SYSTEM, Actor
from openbwc.custody.service import record

__all__ = ["SYSTEM", "Actor", "record"]
