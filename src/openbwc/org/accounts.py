"""Accounts belong to people: the link between a log-on and a person (badge).

A linked account sees what its person may see: an officer their own footage,
a supervisor their people's too (evidence row scope reads ``Person.account_id``).
Linking therefore widens what an account sees, and follows the rules of any
permission change: only an account administrator links, never their own
account; a machine account (a dock) belongs to nobody; one account per person
and one person per account. Each link and unlink is a custody-ledger entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.identity import repository as accounts
from openbwc.identity.models import Account
from openbwc.kit.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from openbwc.org import service
from openbwc.org.models import Person

LINK_ACTION = "org:person:account-link"
UNLINK_ACTION = "org:person:account-unlink"


@dataclass(frozen=True)
class Link:
    person: Person
    account: Account | None


def find_account(session: Session, email: str) -> Account:
    account = accounts.account_by_email(session, email) if email and email.strip() else None
    if account is None:
        raise NotFound(
            f"no account with the email {email!r}; create it first (bwc users create --email ... --badge ...)",
            code="ACCOUNT_NOT_FOUND",
            detail={"field": "email", "value": email},
        )
    return account


def person_of_account(session: Session, account_id: uuid.UUID) -> Person | None:
    return session.scalar(select(Person).where(Person.account_id == account_id))


def account_of(session: Session, person: Person) -> Account | None:
    return session.get(Account, person.account_id) if person.account_id else None


def link(session: Session, actor: Actor, badge: str, account: Account) -> Link:
    """Link ``account`` to the person with ``badge``; linking the same pair again changes nothing."""
    person = service.get_person(session, badge.strip().upper())
    if account.kind != "person":
        raise ValidationFailed(
            f"{account.email} is a machine account (a dock or a script): it belongs to no person",
            code="MACHINE_ACCOUNT",
            detail={"field": "email", "value": account.email},
        )
    if actor.id == str(account.id):
        raise PermissionDenied(
            "nobody links their own account to a person: ask another administrator",
            code="OWN_ACCOUNT",
            detail={"field": "email", "value": account.email},
        )
    if person.account_id == account.id:
        return Link(person, account)
    other = person_of_account(session, account.id)
    if other is not None:
        raise Conflict(
            f"{account.email} already belongs to {other.name} ({other.badge}); unlink it there first",
            code="ACCOUNT_ALREADY_LINKED",
            detail={"field": "email", "value": account.email, "badge": other.badge},
        )
    if person.account_id is not None:
        current = account_of(session, person)
        held = current.email if current else "another account"
        raise Conflict(
            f"{person.name} ({person.badge}) already has the account {held}; unlink it first",
            code="PERSON_ALREADY_LINKED",
            detail={"field": "email", "badge": person.badge},
        )
    person.account_id = account.id
    session.flush()
    custody.record(
        session,
        actor=actor,
        action=LINK_ACTION,
        object_type="person",
        object_id=person.badge,
        details={"account": account.email, "name": person.name},
    )
    return Link(person, account)


def link_by_email(session: Session, actor: Actor, badge: str, email: str) -> Link:
    return link(session, actor, badge, find_account(session, email))


def unlink(session: Session, actor: Actor, badge: str) -> Link:
    """Take the account away from the person; unlinking a person without one changes nothing."""
    person = service.get_person(session, badge.strip().upper())
    account = account_of(session, person)
    if account is None:
        return Link(person, None)
    if actor.id == str(account.id):
        raise PermissionDenied(
            "nobody unlinks their own account: ask another administrator", code="OWN_ACCOUNT"
        )
    person.account_id = None
    session.flush()
    custody.record(
        session,
        actor=actor,
        action=UNLINK_ACTION,
        object_type="person",
        object_id=person.badge,
        details={"account": account.email, "name": person.name},
    )
    return Link(person, None)


def person_facts(session: Session, account_id: uuid.UUID) -> dict[str, Any] | None:
    """What ``/api/v1/me`` says of the caller's person (kit.provided.ACCOUNT_PERSON)."""
    person = person_of_account(session, account_id)
    if person is None:
        return None
    return {"badge": person.badge, "name": person.name, "title": person.title, "office_code": person.office_code}


def actor_names(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    """Who each actor id is, as a person reads it: "Ana Lopez (E10001)" for an account that
    belongs to a person, the account's name for others, "jdoe (command line)" for ``cli:jdoe``.
    An id that names nobody is kept as it is (kit.provided.ACTOR_NAMES)."""
    out: dict[str, str] = {}
    wanted: dict[uuid.UUID, str] = {}
    for raw in ids:
        if raw is None:
            continue
        text = str(raw)
        if text == "system":
            out[text] = "openbwc (automatic)"
        elif text.startswith("cli:"):
            out[text] = f"{text[4:]} (command line)"
        else:
            try:
                wanted[uuid.UUID(text)] = text
            except ValueError:
                out[text] = text
    if wanted:
        rows = session.execute(select(Account.id, Account.display_name).where(Account.id.in_(wanted)))
        for account_id, name in rows:
            out[wanted[account_id]] = name
        people = session.execute(
            select(Person.account_id, Person.name, Person.badge).where(Person.account_id.in_(wanted))
        )
        for account_id, name, badge in people:
            out[wanted[account_id]] = f"{name} ({badge})"
        for text in wanted.values():
            out.setdefault(text, text)
    return out
