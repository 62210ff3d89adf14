#!/usr/bin/env python3
"""Check an openbwc custody-ledger export, or a custody report, on your own computer.

    python3 verify_custody.py EXPORT_DIR [--public-key KEY.pem] [--known-head HEAD.json ...]
    python3 verify_custody.py REPORT.json [--public-key KEY.pem]
    python3 verify_custody.py --package RELEASE.zip [--public-key KEY.pem]

Needs Python 3.9+ and the `cryptography` package, nothing from openbwc: you need
not trust the agency's software to check the agency's ledger. It explains in
plain words what it checked; exit status 0 means everything checked out, 1
means something did not, 2 means the input could not be read.

The ledger is a Merkle tree as in RFC 6962 (Certificate Transparency):
  leaf hash      = SHA-256(0x00 || entry bytes)
  interior node  = SHA-256(0x01 || left || right), the left side holding the
                   largest power of two of entries smaller than the whole.
A signed tree head is an Ed25519 signature over the canonical JSON (RFC 8785)
of {"key_id", "root_hash", "signature_type": "openbwc-tree-head-v1",
"timestamp", "tree_size"}. For these values (ASCII strings and one integer)
RFC 8785 is exactly Python's json.dumps with sorted keys and no spaces.

The agency may retire its signing key. It then appends an entry with the
action "custody:key:rotate" whose details name the retiring and the new public
key; a head signed by the retiring key covers that entry, and once the new key
has signed a head, no head may be signed by the old one. Give this tool any one of the keys you obtained
from the agency: the keys before and after it are checked through that chain.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # pragma: no cover - explained to the user
    sys.exit("this tool needs the 'cryptography' package: pip install cryptography")

SIGNATURE_TYPE = "openbwc-tree-head-v1"
ROTATE_ACTION = "custody:key:rotate"
EMPTY_ROOT = hashlib.sha256(b"").digest()


class Failed(Exception):
    """A check did not pass; the message says which and why."""


# ---- RFC 6962 ---------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Tree:
    """Builds the root incrementally: a stack of perfect subtrees, merged like binary carries."""

    def __init__(self) -> None:
        self.size = 0
        self.stack: list[bytes] = []

    def add(self, h: bytes) -> None:
        n = self.size
        while n & 1:
            h = node_hash(self.stack.pop(), h)
            n >>= 1
        self.stack.append(h)
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        r = self.stack[-1]
        for h in reversed(self.stack[:-1]):
            r = node_hash(h, r)
        return r


def verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# ---- signed heads -----------------------------------------------------------------------------


def key_id_of(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def head_message(head: dict) -> bytes:
    body = {
        "key_id": head["key_id"],
        "root_hash": head["root_hash"],
        "signature_type": SIGNATURE_TYPE,
        "timestamp": head["timestamp"],
        "tree_size": head["tree_size"],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def check_head(head: dict, key: Ed25519PublicKey, kid: str, label: str) -> None:
    check_shape(head, label)
    if head["key_id"] != kid:
        raise Failed(f"{label} was signed with another key ({head['key_id'][:16]}...), not this one ({kid[:16]}...)")
    try:
        key.verify(bytes.fromhex(head["signature"]), head_message(head))
    except (InvalidSignature, ValueError):
        raise Failed(f"{label}: the signature is not valid for this public key (the head was altered or forged)")


def load_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise OSError(f"cannot read a public key from {path}: {exc}")
    if not isinstance(key, Ed25519PublicKey):
        raise OSError(f"{path} is not an Ed25519 public key")
    return key


def read_known(path: Path) -> list[dict]:
    """Heads you kept: one JSON head, a JSON list of heads, or one head per line (heads.jsonl)."""
    text = path.read_text(encoding="utf-8")
    try:
        whole = json.loads(text)
    except ValueError:
        return read_jsonl(path, str(path))
    return whole if isinstance(whole, list) else [whole]


def read_jsonl(path: Path, what: str) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            try:
                out.append(json.loads(line))
            except ValueError:
                raise Failed(f"{what} line {n} is not valid JSON")
    return out


# ---- what is checked ----------------------------------------------------------------------------


class Checker:
    def __init__(self) -> None:
        self.passed: list[str] = []

    def ok(self, text: str) -> None:
        self.passed.append(text)
        print(f"  [ok]   {text}")


def check_shape(head: dict, label: str) -> None:
    for field, kind in (("tree_size", int), ("root_hash", str), ("timestamp", str), ("key_id", str),
                        ("signature", str)):
        if not isinstance(head.get(field), kind):
            raise Failed(f"{label} has no valid '{field}'")


def rotation_keys(body: dict, seq: int) -> tuple[Ed25519PublicKey, Ed25519PublicKey]:
    """The retiring and the new key a custody:key:rotate entry announces."""
    try:
        d = body["details"]
        old = Ed25519PublicKey.from_public_bytes(bytes.fromhex(d["previous_public_key"]))
        new = Ed25519PublicKey.from_public_bytes(bytes.fromhex(d["new_public_key"]))
    except (KeyError, TypeError, ValueError):
        raise Failed(f"entry {seq} announces a new signing key that cannot be read")
    if d.get("previous_key_id") != key_id_of(old) or d.get("new_key_id") != key_id_of(new):
        raise Failed(f"entry {seq} announces a new signing key whose key ids do not match the keys")
    return old, new


def check_signatures(heads: list[dict], rotations: list[tuple[int, Ed25519PublicKey, Ed25519PublicKey]],
                     trusted: Ed25519PublicKey, c: Checker) -> list[Ed25519PublicKey]:
    """Each head signed by the key in force for it; returns the keys in the order they came into force.

    Once a head of the key in force covers the entry announcing its successor,
    the successor's first head retires it: from then on only the successor may
    sign, and so on down the chain.
    """
    keys = [rotations[0][1]] if rotations else [trusted]
    for (_, _, brought), (seq, retired, _) in zip(rotations, rotations[1:], strict=False):
        if key_id_of(retired) != key_id_of(brought):
            raise Failed(f"entry {seq} retires a key that was not in force: the chain of signing keys is broken")
    keys += [new for _, _, new in rotations]
    ids = [key_id_of(k) for k in keys]
    trusted_id = key_id_of(trusted)
    if trusted_id not in ids:
        raise Failed(f"the heads were signed with another key ({ids[0][:16]}... and the {len(rotations)} keys that "
                     f"followed it), not the key you trust ({trusted_id[:16]}...)")
    in_force, announced, signed_by_trusted = 0, False, False
    for n, h in enumerate(heads, start=1):
        if announced and h["key_id"] == ids[in_force + 1]:
            in_force, announced = in_force + 1, False  # the new key's first head retires the old key
        if h["key_id"] in ids[:in_force]:
            raise Failed(f"head {n} (heads.jsonl line {n}) was signed with key {h['key_id'][:16]}... after that key "
                         "was retired")
        check_head(h, keys[in_force], ids[in_force], f"head {n} (heads.jsonl line {n})")
        signed_by_trusted = signed_by_trusted or ids[in_force] == trusted_id
        if in_force < len(rotations) and h["tree_size"] > rotations[in_force][0]:
            announced = True  # the key in force has vouched for the entry naming its successor
    if trusted_id != ids[0] and not signed_by_trusted:
        raise Failed(f"the key you trust ({trusted_id[:16]}...) has signed no head yet, so nothing it signed vouches "
                     "for the keys before it")
    if rotations:
        c.ok(f"{len(heads):,} signed heads, each valid for the key in force when it was signed: {len(keys)} keys, "
             f"each later one announced in an entry that a head of the key before it covers; your key "
             f"{trusted_id[:16]}... is key {ids.index(trusted_id) + 1} of them")
    else:
        c.ok(f"{len(heads):,} signed heads: every signature is valid for this key")
    return keys


def verify_export(directory: Path, key_path: Path | None, known_heads: list[Path], c: Checker) -> None:
    key_path = key_path or directory / "public_key.pem"
    key = load_key(key_path)
    kid = key_id_of(key)
    print(f"Public key: {key_path} (key id {kid})")
    print("  Compare this key id with the one the agency publishes at /transparency/ledger:")
    print("  a key shipped inside the export proves nothing by itself.\n")

    heads = read_jsonl(directory / "heads.jsonl", "heads.jsonl")
    if not heads:
        raise Failed("heads.jsonl holds no signed head, so nothing vouches for the entries")
    prev = None
    for n, h in enumerate(heads, start=1):
        check_shape(h, f"head {n} (heads.jsonl line {n})")
        if prev is not None and h["tree_size"] < prev["tree_size"]:
            raise Failed(f"head {n} covers {h['tree_size']} entries, fewer than head {n - 1} ({prev['tree_size']}):"
                         " the log was cut back")
        prev = h

    wanted: dict[int, list[tuple[str, dict]]] = {}
    for n, h in enumerate(heads, start=1):
        wanted.setdefault(h["tree_size"], []).append((f"head {n}", h))
    extra = [h for path in known_heads for h in read_known(path)]
    for n, h in enumerate(extra, start=1):
        if not isinstance(h, dict):
            raise Failed(f"your kept head {n} is not a JSON object")
        check_shape(h, f"your kept head {n}")
        wanted.setdefault(h["tree_size"], []).append((f"your kept head {n}", h))

    tree = Tree()
    checked_heads = 0
    last_ok = 0
    rotations: list[tuple[int, Ed25519PublicKey, Ed25519PublicKey]] = []

    def compare_at(size: int) -> None:
        nonlocal checked_heads, last_ok
        root = tree.root().hex()
        for label, h in wanted.pop(size, []):
            if h["root_hash"] != root:
                raise Failed(
                    f"{label} (signed {h['timestamp']}, {size} entries) does not match the entries: one of entries "
                    f"{last_ok} to {size - 1} was changed, removed, inserted or reordered after it was signed"
                )
            checked_heads += 1
        last_ok = size

    compare_at(0)
    with open(directory / "entries.jsonl", "rb") as fh:
        for line in fh:
            entry = line[:-1] if line.endswith(b"\n") else line
            seq = tree.size
            try:
                body = json.loads(entry)
            except ValueError:
                raise Failed(f"entry {seq} (line {seq + 1}) is not valid JSON: it was edited")
            if not isinstance(body, dict) or body.get("seq") != seq:
                claimed = body.get("seq") if isinstance(body, dict) else None
                raise Failed(f"line {seq + 1} holds entry {claimed}, not entry {seq}: entries were removed, "
                             "inserted or reordered")
            if body.get("action") == ROTATE_ACTION:
                rotations.append((seq, *rotation_keys(body, seq)))
            tree.add(leaf_hash(entry))
            if tree.size in wanted:
                compare_at(tree.size)
    n = tree.size
    c.ok(f"{n:,} entries, numbered 0 to {max(n - 1, 0):,} in order without a gap, each one valid JSON")
    if wanted:
        size = min(wanted)
        raise Failed(f"{wanted[size][0][0]} covers {size} entries but the export holds only {n}: entries "
                     "were removed from the end (with the heads that covered them, if the export's own heads "
                     "do not show it)")
    keys = check_signatures(heads, rotations, key, c)
    c.ok("no head covers fewer entries than the one before it")
    c.ok(f"the RFC 6962 Merkle root recomputed from the entries matches all {checked_heads:,} heads at their "
         "tree sizes: no entry a head covers was changed, removed, inserted or reordered after it was signed, "
         "so every head is consistent with every earlier one")
    covered = heads[-1]["tree_size"]
    if covered < n:
        print(f"  [note] entries {covered} to {n - 1} are newer than the last signed head: nothing vouches for "
              "them yet")
    if extra:
        by_id = {key_id_of(k): k for k in keys}
        for i, h in enumerate(extra, start=1):
            if h["key_id"] not in by_id:
                raise Failed(f"your kept head {i} was signed with another key ({h['key_id'][:16]}...), not one of "
                             "the ledger's keys")
            check_head(h, by_id[h["key_id"]], h["key_id"], f"your kept head {i}")
        c.ok(f"the {len(extra)} heads you kept earlier (--known-head) are validly signed, and this export holds "
             "every entry each one covers with the root it signed: the log was not cut back or rewritten below them")


def verify_report(path: Path, key_path: Path | None, c: Checker) -> None:
    report = json.loads(path.read_text(encoding="utf-8"))
    if key_path:
        key = load_key(key_path)
    else:
        key = serialization.load_pem_public_key(report["public_key_pem"].encode())
        if not isinstance(key, Ed25519PublicKey):
            raise Failed("the report's public key is not Ed25519")
    kid = key_id_of(key)
    print(f"Custody report for {report.get('evidence_id')!r}; public key id {kid}")
    if not key_path:
        print("  (the key came with the report: compare its id with the one the agency publishes)\n")
    head = report["head"]
    check_head(head, key, kid, f"head {report.get('head_number')}")
    c.ok(f"the signed tree head ({head['tree_size']:,} entries, signed {head['timestamp']}) is valid for this key")
    root = bytes.fromhex(head["root_hash"])
    for item in report["entries"]:
        leaf = item["leaf"].encode("utf-8")
        proof = item["proof"]
        seq = item["seq"]
        if json.loads(leaf) != item["entry"] or json.loads(leaf).get("seq") != seq:
            raise Failed(f"entry {seq}: the displayed entry differs from its signed bytes")
        lh = leaf_hash(leaf)
        if lh.hex() != proof["leaf_hash"] or proof["leaf_index"] != seq or proof["tree_size"] != head["tree_size"]:
            raise Failed(f"entry {seq}: its proof is not about this entry and this head")
        path_ = [bytes.fromhex(h) for h in proof["audit_path"]]
        if not verify_inclusion(lh, seq, head["tree_size"], path_, root):
            raise Failed(f"entry {seq}: its inclusion proof does not lead to the signed root: the entry is not "
                         "in the ledger as signed")
    count = len(report["entries"])
    which = "the one entry" if count == 1 else f"all {count} entries"
    c.ok(f"{which}: each one's bytes hash to its leaf hash, and its RFC 6962 audit path leads to the signed root, "
         "so each is in the ledger exactly as shown")


RELEASE_APPROVE_ACTION = "requests:release:approve"
PACKAGE_MANIFEST = "manifest.json"


def _package_member(zf, name: str) -> bytes:
    """One member's bytes; a damaged or altered member fails its CRC or header check, naming it."""
    import zipfile

    try:
        return zf.read(name)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Failed(f"{name}: its bytes in the package were changed or damaged ({exc})")


def verify_package(path: Path, key_path: Path | None, c: Checker) -> None:
    """A release package (zip): files, manifest.json with ledger proofs, VERIFY.txt.

    Each file must hash to the SHA-256 the approved release document gives; that
    document's SHA-256 must be the one the approval entry in the custody ledger
    names; the entry must be in the tree a signed head commits to (inclusion
    proof); and the head's signature must be valid for the agency's key.
    """
    import zipfile

    if not path.is_file():
        raise OSError(f"no file {path}")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Failed(f"{path.name} is not a readable zip: it was changed or damaged ({exc})")
    with zf:
        names = zf.namelist()
        if len(set(names)) != len(names):
            raise Failed(f"{path.name} holds the same file name twice: it was altered")
        if PACKAGE_MANIFEST not in names:
            raise Failed(f"{path.name} has no {PACKAGE_MANIFEST}: it is not a release package, or it was altered")
        raw = _package_member(zf, PACKAGE_MANIFEST)
        try:
            manifest = json.loads(raw)
        except ValueError:
            raise Failed(f"{PACKAGE_MANIFEST} is not valid JSON: it was changed")
        written = (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=True) + "\n").encode("ascii")
        if written != raw:
            raise Failed(f"{PACKAGE_MANIFEST} is not byte for byte as the agency wrote it: it was changed")
        doc = manifest["release"]
        canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
        doc_sha = hashlib.sha256(canonical).hexdigest()
        if doc_sha != manifest.get("release_sha256"):
            raise Failed(f"{PACKAGE_MANIFEST}: the release document does not hash to the SHA-256 it states: it "
                         "was changed")
        print(f"Release {doc['release']} for request {doc['request']} ({len(doc['files'])} file(s))")

        ledger = manifest["ledger"]
        if key_path:
            key = load_key(key_path)
        else:
            key = serialization.load_pem_public_key(ledger["public_key_pem"].encode())
            if not isinstance(key, Ed25519PublicKey):
                raise Failed(f"{PACKAGE_MANIFEST}: the public key is not Ed25519")
        kid = key_id_of(key)
        print(f"Public key id {kid}")
        if not key_path:
            print("  (the key came with the package: compare its id with the one the agency publishes at "
                  "/transparency/ledger)\n")
        head = ledger["head"]
        check_head(head, key, kid, "the signed tree head in manifest.json")
        c.ok(f"the signed tree head ({head['tree_size']:,} entries, signed {head['timestamp']}) is valid for this "
             "key")
        root = bytes.fromhex(head["root_hash"])
        approved = None
        for item in ledger["entries"]:
            leaf = item["leaf"].encode("utf-8")
            proof, seq = item["proof"], item["seq"]
            lh = leaf_hash(leaf)
            if lh.hex() != proof["leaf_hash"] or proof["leaf_index"] != seq or proof["tree_size"] != head["tree_size"]:
                raise Failed(f"{PACKAGE_MANIFEST}: ledger entry {seq}'s proof is not about this entry and this head")
            if not verify_inclusion(lh, seq, head["tree_size"], [bytes.fromhex(h) for h in proof["audit_path"]], root):
                raise Failed(f"{PACKAGE_MANIFEST}: ledger entry {seq} is not in the ledger the signed head commits "
                             "to (its inclusion proof fails)")
            body = json.loads(leaf)
            obj = body.get("object") or {}
            if (body.get("action") == RELEASE_APPROVE_ACTION and obj.get("type") == "release"
                    and obj.get("id") == doc["release"] and body.get("outcome") == "success"):
                approved = body
        c.ok(f"{len(ledger['entries'])} ledger entries of this release: each is in the ledger exactly as shown "
             "(RFC 6962 inclusion proof to the signed root)")
        if approved is None:
            raise Failed(f"{PACKAGE_MANIFEST}: no ledger entry in the package approves release {doc['release']}")
        if approved.get("details", {}).get("document_sha256") != doc_sha:
            raise Failed(f"{PACKAGE_MANIFEST}: the release document is not the one the ledger's approval entry "
                         "vouches for: it was changed")
        c.ok(f"the approval entry (seq {approved['seq']}, by {approved['actor']['name']}) vouches for this release "
             f"document (SHA-256 {doc_sha[:16]}...)")

        expected = {f["name"]: f["sha256"] for f in doc["files"]}
        expected[doc["instructions"]["name"]] = doc["instructions"]["sha256"]
        for name in names:
            if name != PACKAGE_MANIFEST and name not in expected:
                raise Failed(f"{name} is not part of the approved release: it was added")
        for name, want in expected.items():
            if name not in names:
                raise Failed(f"{name} is missing from the package")
            digest = hashlib.sha256()
            try:
                with zf.open(name) as fh:
                    while block := fh.read(1 << 20):
                        digest.update(block)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise Failed(f"{name}: its bytes in the package were changed or damaged ({exc})")
            if digest.hexdigest() != want:
                raise Failed(f"{name} was changed: its SHA-256 is {digest.hexdigest()}, the approved release "
                             f"says {want}")
        c.ok(f"all {len(expected)} files hash to the SHA-256 the approved release gives: none was changed")
        for f in doc["files"]:
            print(f"         {f['name']}  sha256 {f['sha256']}  (original {f.get('original_sha256')})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", type=Path, nargs="?", help="an export directory, or a custody report (.json)")
    parser.add_argument("--package", type=Path, help="a release package (.zip) downloaded from the request portal")
    parser.add_argument("--public-key", type=Path, help="the agency's public key (PEM), obtained independently")
    parser.add_argument("--known-head", "--known-heads", dest="known_heads", type=Path, action="append", default=[],
                        help="a head you kept earlier (one JSON head, a JSON list, or JSON lines such as an older "
                        "export's heads.jsonl); repeatable. The ledger must hold every entry it covers, with its "
                        "root: this is what catches a log cut back together with the heads that covered the cut")
    args = parser.parse_args(argv)
    if args.package is None and args.target is None:
        parser.error("give an export directory, a custody report, or --package FILE.zip")
    c = Checker()
    print("openbwc custody verifier (RFC 6962 Merkle tree, Ed25519 signed heads)\n")
    try:
        if args.package is not None:
            print(f"Release package: {args.package}")
            verify_package(args.package, args.public_key, c)
        elif args.target.is_dir():
            print(f"Export: {args.target}")
            verify_export(args.target, args.public_key, args.known_heads, c)
        else:
            verify_report(args.target, args.public_key, c)
    except Failed as exc:
        print(f"  [FAIL] {exc}")
        print("\nResult: NOT VALID. Do not rely on this ledger until the agency explains the failure above.")
        return 1
    except (OSError, KeyError, TypeError, ValueError) as exc:
        print(f"cannot check {args.package or args.target}: {exc}", file=sys.stderr)
        return 2
    print("\nResult: VALID. Every check above passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
