"""The demo agency (deterministic seed data, `bwc demo`) and the dock simulator (`bwc sim`).

Tools of the `bwc` command rather than a domain: they drive the domains from
outside, as an agency's data and docks would.
"""
