"""The camera fleet: cameras, who holds them when, docks, telemetry, malfunctions.

Other domains use :mod:`openbwc.devices.service` (``camera_by_serial``,
``holder_at``, ``camera_key_id``, ``public_key_of``) and nothing deeper.
"""
