"""Test data builders."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy.orm import Session

from openbwc.custody import Actor
from openbwc.identity import duties, service, tokens
from openbwc.identity.models import Account
from openbwc.kit.time import utcnow

TEST_ACTOR = Actor(id="test", name="test suite")
PASSWORD = "correct horse battery staple"
_n = itertools.count(1)


@dataclass
class Person:
    account: Account
    password: str
    totp_secret: str

    def code(self, at: datetime | None = None) -> str:
        return pyotp.TOTP(self.totp_secret).at(at or utcnow())


def make_account(db: Session, *roles: str, email: str | None = None, mfa: bool = True) -> Person:
    email = email or f"user{next(_n)}@example.gov"
    account = service.create_account(
        db,
        TEST_ACTOR,
        email=email,
        display_name=email.split("@")[0],
        roles=list(roles) or ["officer"],
        password=PASSWORD,
        authority=duties.PLATFORM,
    )
    secret = pyotp.random_base32()
    if mfa:
        account.totp_secret = secret
        account.totp_enabled = True
    db.flush()
    return Person(account, PASSWORD, secret)


def make_machine(db: Session, *roles: str) -> Account:
    return service.create_account(
        db,
        TEST_ACTOR,
        email=f"dock{next(_n)}@example.gov",
        display_name="dock",
        roles=list(roles) or ["dock"],
        kind="machine",
        authority=duties.PLATFORM,
    )


def bearer(db: Session, account: Account) -> dict[str, str]:
    plain, _ = tokens.create_token(db, TEST_ACTOR, account, name="test", authority=duties.PLATFORM)
    db.flush()
    return {"Authorization": f"Bearer {plain}"}


def role_headers(db: Session, *roles: str) -> dict[str, str]:
    return bearer(db, make_account(db, *roles).account)
