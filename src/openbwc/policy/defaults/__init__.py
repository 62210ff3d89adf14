"""Policy files shipped with openbwc (package data)."""
