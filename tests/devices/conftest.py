"""Builders for fleet tests: officers with or without training, cameras with fresh keys."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from openbwc.devices import service as devices
from openbwc.kit.time import utcnow
from openbwc.org import service as org
from tests.factories import TEST_ACTOR

_n = itertools.count(1)


def new_key_pem() -> str:
    key = Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def days_ago(n: float) -> datetime:
    return utcnow() - timedelta(days=n)


class Fleet:
    """A tiny agency and fleet inside the test's transaction."""

    def __init__(self, db) -> None:  # type: ignore[no-untyped-def]
        self.db = db

    def officer(self, *, trained_days_ago: float | None = 100, office: str = "BAL", division: str = "ERO"):  # type: ignore[no-untyped-def]
        badge = f"T{next(_n):05d}"
        person = org.add_person(
            self.db, TEST_ACTOR, badge=badge, name=f"Officer {badge}", division=division, office=office
        )
        if trained_days_ago is not None:
            org.add_training(self.db, TEST_ACTOR, badge=badge, completed_at=days_ago(trained_days_ago))
        return person

    def camera(self, *, office: str | None = "BAL", model: str = "Test Cam"):  # type: ignore[no-untyped-def]
        serial = f"TST-{next(_n):06d}"
        return devices.register_camera(self.db, TEST_ACTOR, devices.CameraSpec(serial, model, new_key_pem(), office))


@pytest.fixture
def fleet(db) -> Fleet:
    return Fleet(db)
