"""The policy in force: show, validate, activate.

The shipped default (``policy/defaults/bwc-policy.yaml``) is in force until an
agency activates its own file. Activation is a custody-ledger entry and a row
in ``policies`` holding the file's text and SHA-256; the latest activation is
the policy in force, and each finding keeps the version it was computed under.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from openbwc import custody, events
from openbwc.custody import Actor
from openbwc.kit.errors import Conflict, ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.policy import repository as repo
from openbwc.policy.events import PolicyActivated
from openbwc.policy.models import PolicyVersion
from openbwc.policy.retention import DEFAULT_POLICY_FILE, RetentionPolicy
from openbwc.policy.retention import parse_policy as parse_retention
from openbwc.policy.rules import RecordingRules, compile_rules
from openbwc.policy.schema import PolicyDocument, parse_text

MAX_POLICY_BYTES = 1_000_000


@dataclass(frozen=True)
class Policy:
    """A validated policy: its text, document and compiled rules, and whether it is activated."""

    version: str
    name: str
    sha256: str
    source: str
    text: str
    document: PolicyDocument
    rules: RecordingRules
    activated_at: datetime | None = None
    activated_by: str | None = None

    @property
    def is_shipped_default(self) -> bool:
        return self.activated_at is None


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=16)
def _parsed(text: str, source: str) -> tuple[PolicyDocument, RecordingRules]:
    # Incremental evaluation asks for the policy on every new recording: parse a text once.
    doc = parse_text(text, source)
    return doc, compile_rules(doc, sha256_of(text))


def parse(text: str, source: str) -> Policy:
    """Validate a policy's text (raises ``INVALID_POLICY`` naming each bad field's path)."""
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise ValidationFailed(f"{source} is larger than {MAX_POLICY_BYTES} bytes", code="INVALID_POLICY")
    doc, rules = _parsed(text, source)
    return Policy(doc.version, doc.name, rules.sha256, source, text, doc, rules)


def default_text() -> str:
    return resources.files("openbwc.policy.defaults").joinpath(DEFAULT_POLICY_FILE).read_text(encoding="utf-8")


def shipped_default() -> Policy:
    return parse(default_text(), f"shipped default {DEFAULT_POLICY_FILE}")


def read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValidationFailed(
            f"cannot read {path}: {exc.strerror}", code="UNREADABLE_FILE", detail={"path": str(path)}
        )
    except UnicodeDecodeError:
        raise ValidationFailed(f"{path} is not UTF-8 text", code="INVALID_POLICY", detail={"path": str(path)})


def validate_file(path: Path) -> Policy:
    return parse(read_file(path), str(path))


def _from_row(row: PolicyVersion) -> Policy:
    policy = parse(row.document, f"policy {row.version} activated {row.activated_at.date().isoformat()}")
    return Policy(
        policy.version,
        policy.name,
        policy.sha256,
        row.source,
        row.document,
        policy.document,
        policy.rules,
        row.activated_at,
        row.activated_by,
    )


def active(session: Session) -> Policy:
    """The policy in force: the latest activation, else the shipped default."""
    row = repo.latest(session)
    return _from_row(row) if row is not None else shipped_default()


def active_retention(session: Session) -> RetentionPolicy:
    """The retention categories (RET-3) of the policy in force: the forecast's default mix."""
    policy = active(session)
    return parse_retention(yaml.safe_load(policy.text), f"{policy.source} (version {policy.version})")


def activate(session: Session, actor: Actor, text: str, source: str) -> tuple[Policy, bool]:
    """Make a policy file the one in force. Returns (policy, activated_now).

    A version string names one text: activating an edited file under an old
    version is refused, so a finding's version always means one set of rules.
    Activating the file already in force changes nothing.
    """
    policy = parse(text, source)
    for earlier in repo.by_version(session, policy.version):
        if earlier.sha256 != policy.sha256:
            raise Conflict(
                f"policy version {policy.version} was activated before with different content "
                f"(SHA-256 {earlier.sha256[:12]}...); give the edited file a new version",
                code="POLICY_VERSION_EXISTS",
                detail={"version": policy.version, "sha256": earlier.sha256},
            )
    current = repo.latest(session)
    if current is not None and current.sha256 == policy.sha256:
        return _from_row(current), False
    row = PolicyVersion(
        version=policy.version,
        name=policy.name,
        sha256=policy.sha256,
        document=text,
        source=source[:300],
        activated_at=utcnow(),
        activated_by=actor.id,
    )
    session.add(row)
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="policy:policy:activate",
        object_type="policy",
        object_id=policy.version,
        details={
            "sha256": policy.sha256,
            "source": source,
            "previous": current.version if current is not None else f"shipped default {shipped_default().version}",
        },
    )
    events.publish(session, PolicyActivated(policy.version, policy.sha256))
    return _from_row(row), True
