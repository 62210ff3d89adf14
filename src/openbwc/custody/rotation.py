"""Rotating the ledger's signing key without breaking the chain of trust.

A key is retired by a ledger entry, ``custody:key:rotate``, whose details
carry the retiring and the new public key (raw 32 bytes, hex). In the same
transaction the retiring key signs a head that covers that entry, and the new
key signs a head of the same tree; from then on only the new key may sign.

So whichever key an outsider pinned, the whole schedule is authenticated:
- pinned the first key: its signed heads cover the entry naming the next key,
  whose heads cover the entry naming the one after, and so on;
- pinned a later key: its heads' roots cover every earlier entry, the earlier
  rotation entries with their public keys among them, and every earlier head
  must be a prefix of that tree.

The rule a verifier applies (here and in tools/verify_custody.py): heads are
taken in order; each must be signed by the key in force. Once a head signed by
the key in force covers the entry announcing its successor, the successor's
first head makes the successor the key in force, and the old key is retired.
A head by a retired key, or by a key never announced, is refused.

The private key file is replaced only after the transaction commits: the new
key waits beside it as ``<file>.next``; a rotation interrupted between the
commit and the rename is finished by running ``bwc ledger rotate-key`` again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from openbwc.custody import heads, repository, service
from openbwc.custody.actor import Actor
from openbwc.custody.keys import key_id, public_key_pem, signing_key_path
from openbwc.kit.errors import Conflict, IntegrityFailure
from openbwc.kit.secrets import write_private_bytes
from openbwc.settings import Settings

ROTATE_ACTION = "custody:key:rotate"


@dataclass(frozen=True)
class Rotation:
    """One ``custody:key:rotate`` entry, read from its signed bytes."""

    seq: int
    time: str
    previous: Ed25519PublicKey
    new: Ed25519PublicKey
    reason: str | None

    @property
    def previous_key_id(self) -> str:
        return key_id(self.previous)

    @property
    def new_key_id(self) -> str:
        return key_id(self.new)


def raw_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def parse(seq: int, leaf: bytes) -> Rotation:
    """A rotation from an entry's leaf bytes; ValueError names what is wrong."""
    try:
        body = json.loads(leaf)
        d = body["details"]
        previous = Ed25519PublicKey.from_public_bytes(bytes.fromhex(d["previous_public_key"]))
        new = Ed25519PublicKey.from_public_bytes(bytes.fromhex(d["new_public_key"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"entry {seq} is a key rotation whose keys cannot be read ({exc})") from exc
    if d.get("previous_key_id") != key_id(previous) or d.get("new_key_id") != key_id(new):
        raise ValueError(f"entry {seq} is a key rotation whose key ids do not match its keys")
    return Rotation(seq=seq, time=body.get("time", ""), previous=previous, new=new, reason=body.get("reason"))


def rotations(session: Session) -> list[Rotation]:
    """Every rotation in ledger order. ValueError when one cannot be read."""
    return [parse(e.seq, bytes(e.leaf)) for e in repository.entries_by_action(session, ROTATE_ACTION)]


@dataclass
class HeadKeyProblem:
    head: int
    message: str


def schedule_problems(
    signed: Sequence[heads.Head], chain: Sequence[Rotation], trusted: Ed25519PublicKey
) -> tuple[list[HeadKeyProblem], list[Ed25519PublicKey]]:
    """Check every head against the key in force for it (module docstring).

    Returns the problems and the keys in the order they came into force. The
    trusted key must be one of them; unless it is the first, it must have
    signed a head (else nothing it vouches for covers the earlier keys).
    """
    problems: list[HeadKeyProblem] = []
    keys = [chain[0].previous] if chain else [trusted]
    for r, following in zip(chain, chain[1:], strict=False):
        if following.previous_key_id != r.new_key_id:
            problems.append(HeadKeyProblem(0, f"key rotation entry {following.seq} retires key "
                                              f"{following.previous_key_id[:16]}..., which entry {r.seq} "
                                              "did not bring into force: the chain of keys is broken"))
            return problems, keys
        keys.append(r.new)
    if chain:
        keys.append(chain[-1].new)
    ids = [key_id(k) for k in keys]
    trusted_id = key_id(trusted)
    if trusted_id not in ids:
        problems.append(HeadKeyProblem(0, f"the heads are signed by key {ids[0][:16]}... and its {len(chain)} "
                                          f"successor(s), none of them the key you trust ({trusted_id[:16]}...)"))
        return problems, keys
    in_force, announced = 0, False
    signed_by_trusted = False
    for h in signed:
        if announced and h.key_id == ids[in_force + 1]:
            in_force, announced = in_force + 1, False  # the new key's first head: the old one is retired
        why = heads.signature_problem(h, keys[in_force])
        if why and h.key_id in ids[:in_force]:
            why = f"it is signed by key {h.key_id[:16]}..., retired by entry {chain[ids.index(h.key_id)].seq}"
        if why:
            problems.append(HeadKeyProblem(h.number, f"head {h.number} (tree size {h.tree_size}, signed "
                                                     f"{h.timestamp}) is refused: {why}"))
            continue
        signed_by_trusted |= in_force == ids.index(trusted_id)
        if in_force < len(chain) and h.tree_size > chain[in_force].seq:
            announced = True  # the key in force has vouched for its successor
    if trusted_id != ids[0] and not signed_by_trusted and not problems:
        problems.append(HeadKeyProblem(0, f"the key you trust ({trusted_id[:16]}...) has not signed a head yet, "
                                          "so nothing it signed vouches for the keys before it"))
    return problems, keys


def key_history(session: Session, current: Ed25519PublicKey) -> list[dict[str, object]]:
    """The signing keys in the order they came into force, oldest first, for publication."""
    chain = rotations(session)
    keys = [chain[0].previous, *(r.new for r in chain)] if chain else [current]
    out: list[dict[str, object]] = []
    for i, key in enumerate(keys):
        out.append({
            "key_id": key_id(key),
            "public_key_pem": public_key_pem(key).decode(),
            "announced_by_entry": chain[i - 1].seq if i else None,
            "retired_by_entry": chain[i].seq if i < len(chain) else None,
            "retired_reason": chain[i].reason if i < len(chain) else None,
        })
    return out


# ---- rotating ---------------------------------------------------------------------------------


def next_key_path(settings: Settings) -> Path:
    path = signing_key_path(settings)
    return path.with_name(path.name + ".next")


def _load_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise IntegrityFailure(f"{path} is not an Ed25519 private key", code="LEDGER_KEY_INVALID")
    return key


def finish_interrupted(session: Session, settings: Settings) -> str | None:
    """Complete or discard a rotation that stopped before its key file was swapped.

    Returns the key id installed, or None when there was nothing to finish.
    A ``.next`` key the ledger announced is installed; one it never announced
    (the transaction did not commit) is deleted.
    """
    pending = next_key_path(settings)
    if not pending.exists():
        return None
    new = _load_private(pending)
    chain = rotations(session)
    if chain and chain[-1].new_key_id == key_id(new.public_key()):
        install(settings)
        return chain[-1].new_key_id
    pending.unlink()
    return None


def rotate(session: Session, settings: Settings, actor: Actor, *, reason: str) -> dict[str, object]:
    """Announce a new key, sign with the old then the new key, in the caller's transaction.

    The new private key is written to ``<key file>.next``; call :func:`install`
    after the commit to put it in place.
    """
    if not reason.strip():
        raise Conflict("a key rotation needs a reason (it is kept in the ledger)", code="REASON_REQUIRED")
    old = heads.signing_key(settings)
    path = signing_key_path(settings)
    if not os.access(path.parent, os.W_OK):
        raise Conflict(f"cannot write the new key beside {path}: the directory is not writable",
                       code="LEDGER_KEY_NOT_WRITABLE")
    new = Ed25519PrivateKey.generate()
    pending = next_key_path(settings)
    write_private_bytes(pending, new.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    try:
        return _announce(session, actor, old, new, reason.strip())
    except BaseException:
        pending.unlink(missing_ok=True)  # never announced: the caller's transaction will not commit it
        raise


def _announce(
    session: Session, actor: Actor, old: Ed25519PrivateKey, new: Ed25519PrivateKey, reason: str
) -> dict[str, object]:
    old_pub, new_pub = old.public_key(), new.public_key()
    entry = service.record(
        session, actor=actor, action=ROTATE_ACTION, object_type="ledger_key", object_id=key_id(new_pub),
        reason=reason,
        details={
            "previous_key_id": key_id(old_pub), "previous_public_key": raw_hex(old_pub),
            "new_key_id": key_id(new_pub), "new_public_key": raw_hex(new_pub),
        },
    )
    last_old = service.sign_head(session, key=old)
    first_new = service.sign_head(session, key=new)
    return {
        "entry": entry.seq,
        "previous_key_id": key_id(old_pub),
        "new_key_id": key_id(new_pub),
        "last_head_of_previous_key": last_old.number,
        "first_head_of_new_key": first_new.number,
        "tree_size": first_new.tree_size,
    }


def install(settings: Settings) -> None:
    """Put the committed rotation's key in place; the retired private key is destroyed."""
    path = signing_key_path(settings)
    pending = next_key_path(settings)
    retired = open(path, "r+b") if path.exists() else None  # noqa: SIM115 - closed below, after the swap
    try:
        os.replace(pending, path)  # atomic: the file always holds a whole, usable key
        if retired is not None:
            # The retired key's bytes still sit in the replaced file's blocks: overwrite them,
            # so a copy of the disk cannot sign a head that forks the log later.
            size = os.fstat(retired.fileno()).st_size
            retired.write(os.urandom(size))
            retired.flush()
            os.fsync(retired.fileno())
    finally:
        if retired is not None:
            retired.close()
