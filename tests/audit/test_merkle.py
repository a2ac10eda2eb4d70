"""services/audit/merkle.py against the Certificate Transparency test vectors (the Go and
C++ implementations' merkle tree tests: eight leaves, the roots of every prefix, and
their inclusion and consistency proofs)."""

from __future__ import annotations

import pytest

from services.audit import merkle

pytestmark = pytest.mark.unit

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
HASHES = [merkle.leaf_hash(x) for x in LEAVES]
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
# (leaf index, tree size, path)
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (first size, second size, proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def hexes(items: list[bytes]) -> list[str]:
    return [x.hex() for x in items]


def test_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert merkle.root([]).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_every_prefix(size: int) -> None:
    assert merkle.root(HASHES[:size]).hex() == ROOTS[size - 1]


@pytest.mark.parametrize("size", range(0, 9))
def test_frontier_appends_to_the_same_roots(size: int) -> None:
    frontier = merkle.Frontier()
    for h in HASHES[:size]:
        frontier.append(h)
    assert frontier.root() == merkle.root(HASHES[:size])
    again = merkle.Frontier(frontier.size, frontier.hashes)
    assert again.root() == frontier.root()


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs(index: int, size: int, path: list[str]) -> None:
    found = merkle.inclusion_path(index, HASHES[:size])
    assert hexes(found) == path
    tree_root = bytes.fromhex(ROOTS[size - 1])
    assert merkle.verify_inclusion(index, size, HASHES[index], found, tree_root)


def test_every_inclusion_proof_verifies_and_a_wrong_one_does_not() -> None:
    for size in range(1, 9):
        tree_root = merkle.root(HASHES[:size])
        for index in range(size):
            path = merkle.inclusion_path(index, HASHES[:size])
            assert merkle.verify_inclusion(index, size, HASHES[index], path, tree_root)
            other = HASHES[(index + 1) % 8]
            assert not merkle.verify_inclusion(index, size, other, path, tree_root)
            if path:
                assert not merkle.verify_inclusion(index, size, HASHES[index], path[:-1], tree_root)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs(first: int, second: int, proof: list[str]) -> None:
    found = merkle.consistency_proof(first, HASHES[:second])
    assert hexes(found) == proof
    r1, r2 = bytes.fromhex(ROOTS[first - 1]), bytes.fromhex(ROOTS[second - 1])
    assert merkle.verify_consistency(first, second, r1, r2, found)


def test_every_consistency_proof_verifies_and_a_wrong_root_does_not() -> None:
    for second in range(1, 9):
        for first in range(1, second + 1):
            proof = merkle.consistency_proof(first, HASHES[:second])
            r1, r2 = merkle.root(HASHES[:first]), merkle.root(HASHES[:second])
            assert merkle.verify_consistency(first, second, r1, r2, proof)
            assert not merkle.verify_consistency(first, second, r2 if r1 != r2 else b"x", r2, proof)
            changed = [*HASHES[: first - 1], merkle.leaf_hash(b"changed"), *HASHES[first:second]]
            assert not merkle.verify_consistency(first, second, r1, merkle.root(changed), proof)


def test_out_of_range_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="not in a tree"):
        merkle.inclusion_path(3, HASHES[:3])
    with pytest.raises(ValueError, match="between 1 and"):
        merkle.consistency_proof(0, HASHES[:3])
    assert not merkle.verify_consistency(0, 3, ROOTS[0].encode(), ROOTS[2].encode(), [])
