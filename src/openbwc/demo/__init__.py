"""The demo agency: deterministic seed data for `bwc demo`."""
