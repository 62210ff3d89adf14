"""RFC 6962 arithmetic: the Certificate Transparency test vectors and a naive reference."""

from __future__ import annotations

import hashlib

import pytest

from openbwc.custody import merkle, treecheck
from tests.custody.conftest import naive_mth, naive_path, naive_proof

# The 8-leaf tree of the Certificate Transparency reference code (merkle_tree_test.cc,
# and transparency-dev/merkle proof/verify_test.go): leaves, and the root of each prefix.
LEAVES = [bytes.fromhex(x) for x in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
)]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, audit path)
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 1, []),
]
# (first size, second size, consistency proof)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]


def hashes_of(data: list[bytes]) -> list[bytes]:
    return [merkle.leaf_hash(x) for x in data]


def mth(lh: list[bytes], start: int, end: int) -> bytes:
    """Hash of a span from leaf hashes, via the library's decomposition into perfect subtrees."""

    def perfect(level: int, index: int) -> bytes:
        nodes = lh[index << level : (index + 1) << level]
        while len(nodes) > 1:
            nodes = [merkle.node_hash(nodes[i], nodes[i + 1]) for i in range(0, len(nodes), 2)]
        return nodes[0]

    return merkle.fold([perfect(*n) for n in merkle.perfect_nodes(start, end)])


def path_of(lh: list[bytes], index: int, size: int) -> list[bytes]:
    return [mth(lh, a, b) for a, b in merkle.inclusion_spans(index, size)]


def proof_of(lh: list[bytes], first: int, second: int) -> list[bytes]:
    return [mth(lh, a, b) for a, b in merkle.consistency_spans(first, second)]


def root_of(lh: list[bytes], size: int) -> bytes:
    return mth(lh, 0, size) if size else merkle.EMPTY_ROOT


def test_roots_match_the_reference_vectors():
    f = merkle.Frontier()
    for n, leaf in enumerate(LEAVES, start=1):
        f.append(merkle.leaf_hash(leaf))
        assert f.root().hex() == ROOTS[n - 1]
        assert naive_mth(LEAVES[:n]).hex() == ROOTS[n - 1]
    assert merkle.Frontier().root().hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION)
def test_inclusion_proofs_match_the_reference_vectors(index, size, expected):
    lh = hashes_of(LEAVES)
    assert [h.hex() for h in path_of(lh, index, size)] == expected
    path = [bytes.fromhex(h) for h in expected]
    assert merkle.verify_inclusion(lh[index], index, size, path, bytes.fromhex(ROOTS[size - 1]))


@pytest.mark.parametrize(("first", "second", "expected"), CONSISTENCY)
def test_consistency_proofs_match_the_reference_vectors(first, second, expected):
    lh = hashes_of(LEAVES)
    assert [h.hex() for h in proof_of(lh, first, second)] == expected
    assert merkle.verify_consistency(
        first, second, bytes.fromhex(ROOTS[first - 1]), bytes.fromhex(ROOTS[second - 1]),
        [bytes.fromhex(h) for h in expected],
    )


def test_everything_matches_the_naive_implementation_up_to_40_leaves():
    data = [hashlib.sha256(str(i).encode()).digest()[: i % 7] for i in range(40)]
    lh = hashes_of(data)
    f = merkle.Frontier()
    for n in range(1, 41):
        made = f.append(lh[n - 1])
        # The subtrees an append completes are the ones ending at this leaf, lowest first.
        assert made == [naive_mth(data[n - (2 << i) : n]) for i in range(merkle.completed_levels(n - 1))]
        assert f.root() == naive_mth(data[:n]) == root_of(lh, n)
        for m in range(n):
            path = path_of(lh, m, n)
            assert path == naive_path(m, data[:n])
            assert merkle.verify_inclusion(lh[m], m, n, path, f.root())
        for m in range(1, n + 1):
            proof = proof_of(lh, m, n)
            assert proof == naive_proof(m, data[:n])
            assert merkle.verify_consistency(m, n, root_of(lh, m), f.root(), proof)


def test_verifiers_refuse_corrupted_proofs():
    lh = hashes_of(LEAVES)
    root8, root6 = bytes.fromhex(ROOTS[7]), bytes.fromhex(ROOTS[5])
    path = path_of(lh, 5, 8)
    assert merkle.verify_inclusion(lh[5], 5, 8, path, root8)
    bad = [
        (lh[5], 4, 8, path, root8), (lh[5], 6, 8, path, root8), (lh[5], 5, 16, path, root8),
        (lh[5], 5, 4, path, root8), (lh[4], 5, 8, path, root8), (lh[5], 5, 8, path, root6),
        (lh[5], 5, 8, path[:-1], root8), (lh[5], 5, 8, [*path, root8], root8), (lh[5], 5, 8, [root8, *path], root8),
        (lh[5], 5, 8, [path[0], bytes(32), path[2]], root8), (lh[5], 8, 8, path, root8), (lh[5], -1, 8, path, root8),
    ]
    for args in bad:
        assert not merkle.verify_inclusion(*args)
    proof = proof_of(lh, 6, 8)
    assert merkle.verify_consistency(6, 8, root6, root8, proof)
    for first, second, r1, r2, p in [
        (5, 8, root6, root8, proof), (7, 8, root6, root8, proof), (6, 8, root8, root6, proof),
        (6, 8, root6, root8, proof[:-1]), (6, 8, root6, root8, [*proof, root8]), (6, 8, root6, root8, []),
        (6, 8, root6, root8, [bytes(32), *proof[1:]]), (8, 6, root8, root6, proof), (6, 6, root6, root8, []),
    ]:
        assert not merkle.verify_consistency(first, second, r1, r2, p)
    assert merkle.verify_consistency(0, 8, merkle.EMPTY_ROOT, root8, [])
    assert merkle.verify_consistency(8, 8, root8, root8, [])


def test_frontier_rejects_a_wrong_shape():
    with pytest.raises(ValueError):
        merkle.Frontier(3, [bytes(32)])
    with pytest.raises(ValueError):
        merkle.perfect_nodes(1, 5)  # not aligned to its largest subtree


def test_chunk_check_finds_the_first_bad_row():
    """treecheck with tiny chunks: every way a stored row can be wrong is caught where it is."""
    data = [f"leaf {i}".encode() for i in range(11)]
    f = merkle.Frontier()
    rows = []
    for d in data:
        lh = merkle.leaf_hash(d)
        rows.append((d, lh, b"".join(f.append(lh))))
    bits = 2
    good = [treecheck.check_chunk(lo, rows[lo : lo + 4], bits, [s for s in range(lo + 1, lo + 5) if s <= 11])
            for lo in range(0, 11, 4)]
    assert all(r.failure is None for r in good)
    # the chunk roots and head parts rebuild every root
    assert good[0].root == naive_mth(data[:4]) and good[1].root == naive_mth(data[4:8]) and good[2].root is None
    assert merkle.fold(good[2].head_parts[11]) == naive_mth(data[8:11])

    changed = list(rows[4:8])
    changed[2] = (b"edited", changed[2][1], changed[2][2])
    assert treecheck.check_chunk(4, changed, bits).failure[0] == 6
    rehashed = list(rows[4:8])
    rehashed[2] = (b"edited", merkle.leaf_hash(b"edited"), rehashed[2][2])
    assert treecheck.check_chunk(4, rehashed, bits).failure[:2] == (6, 8)
    shifted = rows[4:5] + rows[6:9]  # entry 5 removed
    assert treecheck.check_chunk(4, shifted, bits).failure[0] == 5
