"""Certificate-Transparency style Merkle tree over SHA-256 (RFC 9162, section 2.1).

The exchange keeps an append-only evidence log; this module gives it the tree hash,
the audit (inclusion) proofs and the consistency proofs that let any party check,
without trusting the operator, that an entry is in the log and that the log only grew.

Conventions (all as in RFC 9162):

* Leaf hashes are ``SHA-256(0x00 || data)`` and interior nodes ``SHA-256(0x01 || l || r)``;
  the distinct prefixes stop a leaf from being passed off as an interior node.
* Trees are never padded: MTH splits ``n`` leaves at the largest power of two below
  ``n``. Built level by level, that is the same as promoting a lone last node unchanged
  to the level above, which is what :class:`MerkleTree` does.
* Every function that takes ``leaves`` expects *leaf hashes* (32-byte outputs of
  :func:`leaf_hash`), not raw entries; anything else is rejected with ``ValueError`` so
  that raw data cannot silently skip the leaf domain separation.
* The verifiers never raise: malformed input of any kind simply fails verification.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Size in bytes of every leaf hash, node hash, root and proof element (SHA-256)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_sha256 = hashlib.sha256

EMPTY_ROOT: bytes = _sha256(b"").digest()
"""MTH of the empty tree: RFC 9162 defines it as the hash of the empty string."""


def leaf_hash(data: bytes) -> bytes:
    """Hash one log entry as a leaf; the 0x00 prefix separates leaves from nodes."""
    return _sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two child hashes into their parent; the 0x01 prefix marks an interior node."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def _check_leaves(leaves: Sequence[bytes]) -> list[bytes]:
    """Copy and validate leaf hashes so a tree is never built from raw entries."""
    copied = list(leaves)
    for position, leaf in enumerate(copied):
        if type(leaf) is not bytes or len(leaf) != HASH_SIZE:
            raise ValueError(
                f"leaf {position} is not a {HASH_SIZE}-byte leaf hash; "
                "hash raw entries with leaf_hash() first"
            )
    return copied


def _next_level(level: list[bytes]) -> list[bytes]:
    """Hash adjacent pairs; an odd last node is promoted unchanged (no padding)."""
    sha = _sha256
    prefix = _NODE_PREFIX
    parents = [sha(prefix + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        parents.append(level[-1])
    return parents


def _is_int(value: object) -> bool:
    """Accept real integers only; bools and other look-alikes are caller mistakes."""
    return type(value) is int


def _is_hash(value: object) -> bool:
    """Whether ``value`` has the shape of a SHA-256 digest."""
    return type(value) is bytes and len(value) == HASH_SIZE


class MerkleTree:
    """An immutable RFC 9162 tree with every level cached.

    Building costs ``n - 1`` node hashes once; after that the root is free and each
    proof is ``O(log n)`` list look-ups, so a log can serve many proofs per snapshot.
    Level ``p`` holds, at index ``j``, MTH of leaves ``[j * 2**p, min((j + 1) * 2**p, n))``.
    """

    __slots__ = ("_levels",)

    def __init__(self, leaves: Sequence[bytes]) -> None:
        """Build all levels bottom-up from 32-byte leaf hashes (see :func:`leaf_hash`)."""
        level = _check_leaves(leaves)
        levels = [level]
        while len(level) > 1:
            level = _next_level(level)
            levels.append(level)
        self._levels: list[list[bytes]] = levels

    @property
    def size(self) -> int:
        """Number of leaves, i.e. the tree_size a signed tree head would commit to."""
        return len(self._levels[0])

    def __len__(self) -> int:
        """Same as :attr:`size`, so the tree works where a sized collection is expected."""
        return self.size

    @property
    def root(self) -> bytes:
        """The Merkle Tree Hash (MTH) of all leaves; :data:`EMPTY_ROOT` when empty."""
        top = self._levels[-1]
        return top[0] if top else EMPTY_ROOT

    def _subtree(self, start: int, end: int) -> bytes:
        """MTH of leaves ``[start, end)`` for the ranges the RFC's recursion visits.

        Those ranges start on a multiple of the smallest power of two ``2**p`` that
        covers them and either are exactly ``2**p`` long or run to the end of the
        tree, which is precisely the cached node ``levels[p][start >> p]``.
        """
        height = (end - start - 1).bit_length()
        return self._levels[height][start >> height]

    def inclusion_proof(self, index: int) -> list[bytes]:
        """Audit path for leaf ``index`` (RFC 9162 2.1.3.1), ordered leaf to root."""
        if not _is_int(index):
            raise TypeError("index must be an int")
        if not 0 <= index < self.size:
            raise ValueError(f"leaf index {index} is outside a tree of size {self.size}")
        proof: list[bytes] = []
        position = index
        for level in self._levels[:-1]:
            sibling = position ^ 1
            # A lone last node has no sibling at this level: it is promoted, not paired.
            if sibling < len(level):
                proof.append(level[sibling])
            position >>= 1
        return proof

    def consistency_proof(self, old_size: int) -> list[bytes]:
        """Proof that the first ``old_size`` leaves are a prefix of this tree (RFC 9162 2.1.4.1).

        This follows SUBPROOF(m, D[start:end], b) iteratively: each step records the
        subtree hash the recursion would append on its way back out, and the recorded
        hashes are emitted innermost first, as the RFC's concatenation order requires.
        """
        if not _is_int(old_size):
            raise TypeError("old_size must be an int")
        size = self.size
        if not 0 < old_size <= size:
            raise ValueError(f"old_size must satisfy 0 < old_size <= {size}, got {old_size}")
        if old_size == size:
            return []
        start, end = 0, size
        remaining = old_size  # m, relative to ``start``
        whole_old_tree = True  # the RFC's flag b: is [start, start + m) the entire old tree?
        outer: list[bytes] = []
        while remaining != end - start:
            split = 1 << ((end - start - 1).bit_length() - 1)  # largest power of 2 < size
            if remaining <= split:
                outer.append(self._subtree(start + split, end))
                end = start + split
            else:
                outer.append(self._subtree(start, start + split))
                start += split
                remaining -= split
                whole_old_tree = False
        # The old tree's own root is left out when the verifier already holds it.
        proof = [] if whole_old_tree else [self._subtree(start, end)]
        proof.extend(reversed(outer))
        return proof


def tree_root(leaves: Sequence[bytes]) -> bytes:
    """MTH (RFC 9162 2.1.1) of leaf hashes, computed level by level without caching."""
    level = _check_leaves(leaves)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Audit path for ``leaves[index]``; build a :class:`MerkleTree` to serve many proofs."""
    return MerkleTree(leaves).inclusion_proof(index)


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """Consistency proof from the first ``old_size`` leaves to all of ``leaves``."""
    return MerkleTree(leaves).consistency_proof(old_size)


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check an audit path with the RFC 9162 2.1.3.2 algorithm; never raises.

    ``leaf`` is the leaf *hash*. The fn/sn walk derives each sibling's side and the
    levels where a lone node was promoted from ``index`` and ``tree_size`` alone, so a
    proof of the wrong length or shape is rejected rather than trusted.
    """
    try:
        if not (_is_int(index) and _is_int(tree_size) and 0 <= index < tree_size):
            return False
        if not (_is_hash(leaf) and _is_hash(root)):
            return False
        path = list(proof)
        if not all(_is_hash(element) for element in path):
            return False
        fn, sn = index, tree_size - 1
        result = leaf
        for element in path:
            if sn == 0:
                return False  # more proof than levels in the tree
            if fn & 1 or fn == sn:
                result = node_hash(element, result)
                # Skip the levels where this node is the promoted lone last node.
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
            else:
                result = node_hash(result, element)
            fn >>= 1
            sn >>= 1
        return sn == 0 and hmac.compare_digest(result, root)
    except Exception:  # a hostile Sequence may raise anything; the contract is "False"
        return False


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check a consistency proof with the RFC 9162 2.1.4.2 algorithm; never raises.

    Sizes must satisfy ``0 < old_size <= new_size``. Equal sizes need an empty proof and
    equal roots, since the RFC algorithm covers only ``old_size < new_size``.
    """
    try:
        if not (_is_int(old_size) and _is_int(new_size) and 0 < old_size <= new_size):
            return False
        if not (_is_hash(old_root) and _is_hash(new_root)):
            return False
        path = list(proof)
        if not all(_is_hash(element) for element in path):
            return False
        if old_size == new_size:
            return not path and hmac.compare_digest(old_root, new_root)
        if not path:
            return False
        if old_size & (old_size - 1) == 0:
            # A power-of-two old tree is a complete subtree whose hash the verifier holds.
            path.insert(0, old_root)
        fn, sn = old_size - 1, new_size - 1
        while fn & 1:
            fn >>= 1
            sn >>= 1
        first_result = second_result = path[0]
        for element in path[1:]:
            if sn == 0:
                return False  # more proof than levels in the new tree
            if fn & 1 or fn == sn:
                first_result = node_hash(element, first_result)
                second_result = node_hash(element, second_result)
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
            else:
                second_result = node_hash(second_result, element)
            fn >>= 1
            sn >>= 1
        return (
            sn == 0
            and hmac.compare_digest(first_result, old_root)
            and hmac.compare_digest(second_result, new_root)
        )
    except Exception:  # a hostile Sequence may raise anything; the contract is "False"
        return False
