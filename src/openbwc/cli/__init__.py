"""The `bwc` command."""
