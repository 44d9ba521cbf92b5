"""Tests for the RFC 9162 Merkle tree: known answers, an independent recursive
reference, and property tests that proofs verify and that tampering is caught."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from singlewindow.exchange.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

pytestmark: list[pytest.MarkDecorator] = []


# --- Reference implementation: the RFC 9162 definitions, written as literally as possible.


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: Sequence[bytes]) -> bytes:
    """RFC 9162 2.1.1 MTH over leaf hashes, by recursive splitting."""
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return d[0]
    k = _split(n)
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: Sequence[bytes]) -> list[tuple[bytes, str]]:
    """RFC 9162 2.1.3.1 PATH, tagging each element with the side it sits on."""
    n = len(d)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*ref_path(m, d[:k]), (ref_mth(d[k:]), "right")]
    return [*ref_path(m - k, d[k:]), (ref_mth(d[:k]), "left")]


def ref_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    """RFC 9162 2.1.4.1 SUBPROOF."""
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _split(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    """RFC 9162 2.1.4.1 PROOF."""
    return ref_subproof(m, d, True)


def ref_sides(index: int, size: int) -> list[str]:
    """Shape of an audit path (the side of each sibling, leaf to root), as PATH recurses."""
    if size == 1:
        return []
    k = _split(size)
    if index < k:
        return [*ref_sides(index, k), "right"]
    return [*ref_sides(index - k, size - k), "left"]


def make_leaves(n: int, salt: bytes = b"") -> list[bytes]:
    """Distinct leaf hashes, so a proof for one leaf can never pass for another."""
    return [leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n)]


def flip(data: bytes, position: int) -> bytes:
    """Flip every bit of one byte."""
    return data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1 :]


# --- Known answers computed by hand with hashlib.


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_empty_root_is_hash_of_empty_string() -> None:
    assert sha(b"") == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert tree_root([]) == EMPTY_ROOT
    assert MerkleTree([]).root == EMPTY_ROOT
    assert MerkleTree([]).size == 0


def test_leaf_and_node_hash_prefixes() -> None:
    assert leaf_hash(b"") == sha(b"\x00")
    assert leaf_hash(b"abc") == sha(b"\x00abc")
    left, right = sha(b"L"), sha(b"R")
    assert node_hash(left, right) == sha(b"\x01" + left + right)
    assert leaf_hash(b"\x01" + left + right) != node_hash(left, right)


def test_known_roots_one_two_three_leaves() -> None:
    a, b, c = (sha(b"\x00" + x) for x in (b"a", b"b", b"c"))
    assert tree_root([a]) == a
    ab = sha(b"\x01" + a + b)
    assert tree_root([a, b]) == ab
    # Three leaves split 2 + 1: the third leaf is promoted, not duplicated or padded.
    assert tree_root([a, b, c]) == sha(b"\x01" + ab + c)
    assert tree_root([a, b, c]) != sha(b"\x01" + ab + sha(b"\x01" + c + c))


def test_known_proofs_three_leaves() -> None:
    a, b, c = (leaf_hash(x) for x in (b"a", b"b", b"c"))
    ab = node_hash(a, b)
    assert inclusion_proof([a, b, c], 0) == [b, c]
    assert inclusion_proof([a, b, c], 1) == [a, c]
    assert inclusion_proof([a, b, c], 2) == [ab]
    assert consistency_proof([a, b, c], 1) == [b, c]
    assert consistency_proof([a, b, c], 2) == [c]
    assert consistency_proof([a, b, c], 3) == []
    root = node_hash(ab, c)
    assert verify_inclusion(c, 2, 3, [ab], root)
    assert verify_consistency(2, 3, ab, root, [c])
    assert verify_consistency(1, 3, a, root, [b, c])


# --- Level-by-level construction against the recursive definition.


def test_level_by_level_root_matches_recursive_definition_exhaustively() -> None:
    for n in range(0, 130):
        leaves = make_leaves(n)
        expected = ref_mth(leaves)
        assert tree_root(leaves) == expected, n
        assert MerkleTree(leaves).root == expected, n


@given(n=st.integers(min_value=0, max_value=1100), salt=st.binary(max_size=8))
def test_level_by_level_root_matches_recursive_definition(n: int, salt: bytes) -> None:
    leaves = make_leaves(n, salt)
    assert tree_root(leaves) == ref_mth(leaves)


def test_proofs_match_recursive_definition_exhaustively() -> None:
    for n in range(1, 41):
        leaves = make_leaves(n)
        tree = MerkleTree(leaves)
        for i in range(n):
            assert tree.inclusion_proof(i) == [h for h, _ in ref_path(i, leaves)], (n, i)
        for m in range(1, n + 1):
            assert tree.consistency_proof(m) == ref_proof(m, leaves), (n, m)


# --- Inclusion proofs.


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=1, max_value=300), salt=st.binary(max_size=8), data=st.data())
def test_inclusion_proofs_verify_and_tampering_fails(
    n: int, salt: bytes, data: st.DataObject
) -> None:
    leaves = make_leaves(n, salt)
    tree = MerkleTree(leaves)
    root = tree.root
    assert root == ref_mth(leaves)
    outsider = leaf_hash(b"not in the tree" + salt)
    for i in range(n):
        proof = tree.inclusion_proof(i)
        leaf = leaves[i]
        assert verify_inclusion(leaf, i, n, proof, root)

        # Any single flipped byte anywhere in the proof breaks it.
        if proof:
            element = data.draw(st.integers(0, len(proof) - 1), label="element")
            position = data.draw(st.integers(0, HASH_SIZE - 1), label="byte")
            tampered = list(proof)
            tampered[element] = flip(tampered[element], position)
            assert not verify_inclusion(leaf, i, n, tampered, root)

        # A wrong leaf, a wrong root, or a proof of the wrong length.
        assert not verify_inclusion(outsider, i, n, proof, root)
        assert not verify_inclusion(flip(leaf, 0), i, n, proof, root)
        assert not verify_inclusion(leaf, i, n, proof, flip(root, HASH_SIZE - 1))
        assert not verify_inclusion(leaf, i, n, [*proof, outsider], root)
        if proof:
            assert not verify_inclusion(leaf, i, n, proof[:-1], root)

        # Every other index in the same tree has a different path, so it must fail.
        wrong_index = data.draw(st.sampled_from([j for j in range(-2, n + 3) if j != i]))
        assert not verify_inclusion(leaf, wrong_index, n, proof, root)

        # A different tree size fails unless it gives the path exactly the same shape,
        # in which case the RFC verifier cannot (and need not) tell them apart: the
        # tree size is bound to the root by the signed tree head, not by the proof.
        wrong_size = data.draw(st.sampled_from([s for s in range(-1, 2 * n + 3) if s != n]))
        expected = wrong_size > i and ref_sides(i, wrong_size) == ref_sides(i, n)
        assert verify_inclusion(leaf, i, wrong_size, proof, root) is expected


def test_inclusion_wrong_size_with_different_shape_fails() -> None:
    leaves = make_leaves(7)
    proof = inclusion_proof(leaves, 6)
    root = tree_root(leaves)
    assert verify_inclusion(leaves[6], 6, 7, proof, root)
    for size in (8, 9, 12, 16, 100):
        assert not verify_inclusion(leaves[6], 6, size, proof, root)


def test_single_leaf_tree() -> None:
    leaf = leaf_hash(b"only")
    assert tree_root([leaf]) == leaf
    assert inclusion_proof([leaf], 0) == []
    assert verify_inclusion(leaf, 0, 1, [], leaf)
    assert not verify_inclusion(leaf, 0, 1, [leaf], leaf)
    assert not verify_inclusion(leaf, 1, 1, [], leaf)
    assert consistency_proof([leaf], 1) == []
    assert verify_consistency(1, 1, leaf, leaf, [])


@pytest.mark.parametrize("index", [-1, 5, 6, 100])
def test_inclusion_proof_index_out_of_range(index: int) -> None:
    with pytest.raises(ValueError):
        inclusion_proof(make_leaves(5), index)


def test_inclusion_proof_on_empty_tree_raises() -> None:
    with pytest.raises(ValueError):
        inclusion_proof([], 0)


# --- Consistency proofs.


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=1, max_value=300), salt=st.binary(max_size=8), data=st.data())
def test_consistency_proofs_verify_and_tampering_fails(
    n: int, salt: bytes, data: st.DataObject
) -> None:
    leaves = make_leaves(n, salt)
    tree = MerkleTree(leaves)
    new_root = tree.root
    outsider = leaf_hash(b"not in the tree" + salt)
    for m in range(1, n + 1):
        old_root = tree_root(leaves[:m])
        proof = tree.consistency_proof(m)
        assert verify_consistency(m, n, old_root, new_root, proof), (n, m)

        assert not verify_consistency(m, n, flip(old_root, 0), new_root, proof)
        assert not verify_consistency(m, n, old_root, flip(new_root, 31), proof)
        assert not verify_consistency(m, n, old_root, new_root, [*proof, outsider])
        assert not verify_consistency(m, n, old_root, new_root, [outsider, *proof])
        if proof:
            assert not verify_consistency(m, n, old_root, new_root, proof[:-1])
            assert not verify_consistency(m, n, old_root, new_root, proof[1:])
            element = data.draw(st.integers(0, len(proof) - 1), label="element")
            position = data.draw(st.integers(0, HASH_SIZE - 1), label="byte")
            tampered = list(proof)
            tampered[element] = flip(tampered[element], position)
            assert not verify_consistency(m, n, old_root, new_root, tampered)
        if m < n:
            # The roots of a different (forked) log must not pass.
            fork = [*leaves[:m], *make_leaves(n - m, b"fork" + salt)]
            assert not verify_consistency(m, n, old_root, tree_root(fork), proof)
            # Nor may an old root from a different prefix length.
            other_m = data.draw(st.sampled_from([k for k in range(1, n + 1) if k != m]))
            assert not verify_consistency(m, n, tree_root(leaves[:other_m]), new_root, proof)


@pytest.mark.parametrize(("leaf_count", "old_size"), [(5, 0), (5, -1), (5, 6), (0, 1), (0, 0)])
def test_consistency_proof_bad_sizes(leaf_count: int, old_size: int) -> None:
    with pytest.raises(ValueError):
        consistency_proof(make_leaves(leaf_count), old_size)


# --- Robustness of the verifiers and input validation.


def test_verifiers_return_false_on_malformed_input() -> None:
    leaves = make_leaves(6)
    root = tree_root(leaves)
    proof = inclusion_proof(leaves, 2)
    leaf = leaves[2]
    assert verify_inclusion(leaf, 2, 6, proof, root)
    bad_calls: list[tuple[object, ...]] = [
        (leaf, 2, 0, proof, root),
        (leaf, -1, 6, proof, root),
        (leaf, 6, 6, proof, root),
        (leaf, True, 6, proof, root),
        (leaf, 2.0, 6, proof, root),
        (leaf, None, 6, proof, root),
        (leaf, 2, "6", proof, root),
        (leaf[:31], 2, 6, proof, root),
        (leaf + b"\x00", 2, 6, proof, root),
        ("leaf", 2, 6, proof, root),
        (bytearray(leaf), 2, 6, proof, root),
        (leaf, 2, 6, proof, root[:16]),
        (leaf, 2, 6, proof, None),
        (leaf, 2, 6, [*proof[:-1], proof[-1][:31]], root),
        (leaf, 2, 6, [*proof[:-1], None], root),
        (leaf, 2, 6, None, root),
        (leaf, 2, 6, 42, root),
    ]
    for args in bad_calls:
        assert verify_inclusion(*args) is False, args  # type: ignore[arg-type]

    old_root = tree_root(leaves[:3])
    cproof = consistency_proof(leaves, 3)
    assert verify_consistency(3, 6, old_root, root, cproof)
    bad_consistency: list[tuple[object, ...]] = [
        (0, 6, old_root, root, cproof),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, []),
        (-3, 6, old_root, root, cproof),
        (7, 6, old_root, root, cproof),
        (3, 6, old_root, root, []),
        (6, 6, root, root, [root]),
        (3, 3, old_root, root, []),
        (True, 6, old_root, root, cproof),
        (3, 6.0, old_root, root, cproof),
        (3, 6, old_root[:5], root, cproof),
        (3, 6, old_root, "root", cproof),
        (3, 6, old_root, root, [*cproof, b""]),
        (3, 6, old_root, root, None),
        (3, 6, old_root, root, [None]),
    ]
    for args in bad_consistency:
        assert verify_consistency(*args) is False, args  # type: ignore[arg-type]


def test_verifiers_swallow_errors_from_hostile_sequences() -> None:
    class Exploding:
        def __len__(self) -> int:
            raise RuntimeError("boom")

        def __iter__(self) -> Iterator[bytes]:
            raise RuntimeError("boom")

    leaf = leaf_hash(b"x")
    assert verify_inclusion(leaf, 0, 2, Exploding(), leaf) is False  # type: ignore[arg-type]
    assert verify_consistency(1, 2, leaf, leaf, Exploding()) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [b"raw entry", b"", "text", bytearray(32), None, b"\x00" * 33])
def test_tree_rejects_anything_but_leaf_hashes(bad: object) -> None:
    leaves: list[object] = [*make_leaves(3), bad]
    with pytest.raises(ValueError):
        tree_root(leaves)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        MerkleTree(leaves)  # type: ignore[arg-type]


def test_non_int_index_is_a_type_error() -> None:
    tree = MerkleTree(make_leaves(4))
    with pytest.raises(TypeError):
        tree.inclusion_proof(True)
    with pytest.raises(TypeError):
        tree.consistency_proof(2.0)  # type: ignore[arg-type]


def test_tree_copies_its_input() -> None:
    leaves = make_leaves(4)
    tree = MerkleTree(leaves)
    root = tree.root
    leaves.append(leaf_hash(b"later"))
    leaves[0] = leaf_hash(b"changed")
    assert tree.root == root
    assert tree.size == len(tree) == 4


# --- Scale: 200,000 leaves must work (timing is benchmarked elsewhere, not asserted).


def test_two_hundred_thousand_leaves() -> None:
    n = 200_000
    leaves = make_leaves(n)
    tree = MerkleTree(leaves)
    root = tree_root(leaves)
    assert tree.root == root == ref_mth(leaves)
    for i in (0, 1, 65_535, 131_072, 199_998, n - 1):
        proof = tree.inclusion_proof(i)
        assert proof == inclusion_proof(leaves, i)
        assert verify_inclusion(leaves[i], i, n, proof, root)
    for m in (1, 2, 3, 65_536, 131_071, 199_999, n):
        proof = tree.consistency_proof(m)
        assert proof == consistency_proof(leaves, m)
        assert verify_consistency(m, n, tree_root(leaves[:m]), root, proof)


def test_inclusion_proof_alone_does_not_bind_the_tree_size() -> None:
    # Leaf 0 has a path of the same shape in trees of 5 and 6 leaves, so the RFC
    # verifier accepts either size: callers must take tree_size from a signed tree head.
    leaves = make_leaves(5)
    proof = inclusion_proof(leaves, 0)
    root = tree_root(leaves)
    assert ref_sides(0, 5) == ref_sides(0, 6)
    assert verify_inclusion(leaves[0], 0, 6, proof, root)
    assert not verify_inclusion(leaves[0], 0, 9, proof, root)
