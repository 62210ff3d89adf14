"""Who did something, from where: carried from the request into every ledger entry."""

from __future__ import annotations

import getpass
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The party an action is attributed to.

    ``id`` is an account id, or a pseudo-id such as ``system`` or ``cli:<os user>``
    for work done by the platform itself or by an operator at the console.
    """

    id: str
    name: str
    request_id: str | None = None
    client_addr: str | None = None


SYSTEM = Actor(id="system", name="openbwc")


def cli_actor() -> Actor:
    """An operator running ``bwc`` on the server: attributed to their OS account."""
    try:
        user = getpass.getuser()
    except OSError:  # no passwd entry in some containers
        user = "unknown"
    return Actor(id=f"cli:{user}", name=f"{user} (command line)")
