"""RFC 6962 (Certificate Transparency) Merkle tree arithmetic, free of any storage.

Section 2.1 of RFC 6962 defines the tree over an ordered list of leaves:

* the hash of the empty tree is SHA-256 of nothing;
* a leaf hash is SHA-256(0x00 || leaf bytes);
* an interior node is SHA-256(0x01 || left || right), where the left subtree
  holds the first k leaves, k being the largest power of two below n.

It follows that the tree is a run of *perfect* subtrees (sizes the powers of two
in n's binary form, largest first), folded from the right. Every perfect
subtree is addressed here as ``(level, index)``: it covers leaves
``[index << level, (index + 1) << level)``; a leaf is level 0. The ledger stores
each perfect subtree's hash once, with the leaf that completes it, so any root
or proof needs only O(log n) stored hashes.

Proof verification follows the iterative algorithms of RFC 9162 section 2.1.3.2
and 2.1.4.2 (the same proofs as RFC 6962, with explicit checking steps).
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()

Node = tuple[int, int]  # (level, index) of a perfect subtree
Span = tuple[int, int]  # [start, end) leaf range


def leaf_hash(leaf: bytes) -> bytes:
    return sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly below ``n`` (n >= 2): the size of the left subtree."""
    if n < 2:
        raise ValueError("a tree of fewer than two leaves has no split")
    return 1 << ((n - 1).bit_length() - 1)


def completing_seq(node: Node) -> int:
    """The index of the leaf whose arrival completes the perfect subtree ``node``."""
    level, index = node
    return ((index + 1) << level) - 1


def completed_levels(seq: int) -> int:
    """How many interior perfect subtrees leaf ``seq`` completes (its trailing one bits)."""
    return ((seq + 1) & -(seq + 1)).bit_length() - 1


def perfect_nodes(start: int, end: int) -> list[Node]:
    """The perfect subtrees, largest first, whose fold is the hash of leaves ``[start, end)``.

    Only spans that occur in RFC 6962 trees are accepted: ``start`` must be aligned
    to the largest subtree of the span (true of every span a proof or root uses).
    """
    out: list[Node] = []
    size = end - start
    if size <= 0:
        raise ValueError(f"empty span [{start}, {end})")
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            if start & ((1 << level) - 1):
                raise ValueError(f"span [{start}, {end}) is not aligned to its subtrees")
            out.append((level, start >> level))
            start += 1 << level
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """Hash of a span from its perfect subtrees (largest first): right to left, as RFC 6962 nests them."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_nodes(size: int) -> list[Node]:
    """The perfect subtrees whose fold is the root of a tree of ``size`` leaves."""
    return perfect_nodes(0, size) if size else []


def inclusion_spans(index: int, size: int) -> list[Span]:
    """The spans whose hashes form the audit path PATH(index, D[size]), leaf side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    spans: list[Span] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            spans.append((lo + k, hi))
            hi = lo + k
        else:
            spans.append((lo, lo + k))
            lo += k
    spans.reverse()
    return spans


def consistency_spans(first: int, second: int) -> list[Span]:
    """The spans whose hashes form PROOF(first, D[second]) of RFC 6962 2.1.2 (0 < first <= second)."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    spans: list[Span] = []
    lo, hi, m, whole = 0, second, first, True
    while True:
        n = hi - lo
        if m == n:
            # SUBPROOF's last step: the old tree's own subtree, unless it is the
            # whole old tree, whose root the verifier already holds.
            if not whole:
                spans.append((lo, hi))
            break
        k = split_point(n)
        if m <= k:
            spans.append((lo + k, hi))
            hi = lo + k
        else:
            spans.append((lo, lo + k))
            lo += k
            m -= k
            whole = False
    spans.reverse()
    return spans


def spans_nodes(spans: Sequence[Span]) -> list[list[Node]]:
    return [perfect_nodes(a, b) for a, b in spans]


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """True if ``path`` proves that leaf hash ``leaf`` is entry ``index`` of the tree ``root`` of ``size``."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0 or len(p) != HASH_SIZE:
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


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True if ``proof`` shows the tree of ``second`` leaves extends the tree of ``first`` leaves."""
    if first < 0 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        # Every tree extends the empty one; there is nothing to prove.
        return not proof
    if not proof or any(len(p) != HASH_SIZE for p in proof):
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


class Frontier:
    """The right edge of a growing tree: one perfect subtree hash per one bit of its size.

    Appending a leaf merges equal-sized subtrees, like carrying in binary addition;
    the subtrees made on the way are exactly the ones the ledger stores.
    """

    __slots__ = ("size", "hashes")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} frontier subtrees, got {len(hashes)}")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf_hash_: bytes) -> list[bytes]:
        """Add one leaf hash; return the perfect subtrees it completed, lowest level first."""
        made: list[bytes] = []
        h = leaf_hash_
        n = self.size
        while n & 1:
            h = node_hash(self.hashes.pop(), h)
            made.append(h)
            n >>= 1
        self.hashes.append(h)
        self.size += 1
        return made

    def root(self) -> bytes:
        return fold(self.hashes)

    def copy(self) -> Frontier:
        return Frontier(self.size, self.hashes)


def tree_levels(leaf_hashes: list[bytes]) -> list[list[bytes]]:
    """All perfect subtrees over an aligned run of leaf hashes, level by level.

    ``levels[L][j]`` covers leaves ``[j << L, (j + 1) << L)`` of the run. Built with
    list comprehensions rather than a per-leaf loop: verification of a million
    entries spends most of its time here.
    """
    levels = [leaf_hashes]
    cur = leaf_hashes
    while len(cur) >= 2:
        cur = [sha256(b"\x01" + cur[i] + cur[i + 1]).digest() for i in range(0, len(cur) - 1, 2)]
        levels.append(cur)
    return levels
