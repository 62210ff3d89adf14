"""Classifying recordings by hand: retention categories, tags and cases (service, API, CLI)."""
