"""Accounts, roles, permissions, sessions, MFA and API tokens."""
