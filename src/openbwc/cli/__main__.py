"""`python -m openbwc.cli` runs the `bwc` command."""

from openbwc.cli.main import app

app(prog_name="bwc")
