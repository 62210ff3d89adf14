"""openbwc: body-worn-camera program and digital-evidence platform."""

__version__ = "0.1.0"
