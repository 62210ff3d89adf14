"""The demo agency: deterministic seed data for `bwc demo`."""


def register(registry):  # type: ignore[no-untyped-def]
    """``bwc demo`` (seed the demo agency and serve it) and the dock simulator (``bwc sim``)."""
    from openbwc.demo import cli, simulator

    registry.add_cli("demo", cli.demo_command)
    registry.add_cli("sim", simulator.app)
