"""The demo agency: deterministic seed data for `bwc demo`."""


def register(registry):  # type: ignore[no-untyped-def]
    """The dock simulator (``bwc sim``); the seed itself runs from ``bwc demo``."""
    from openbwc import simulator

    registry.add_cli("sim", simulator.app)
