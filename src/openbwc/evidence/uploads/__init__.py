"""Uploads in flight: tus 1.0.0 resumable upload sessions (``sessions``) and the protocol's routes (``tus``).

Bytes being uploaded are not evidence yet; they become evidence when a manifest
that names them is submitted (``evidence.service``).
"""
