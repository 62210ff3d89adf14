"""Sweeps of the object store: orphaned objects no row references, and crash leftovers (temporary files)."""
