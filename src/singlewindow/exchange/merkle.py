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
from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "MerkleTree",
    "consistency_proof",
    "consistency_ranges",
    "fold_subtrees",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "perfect_subtrees",
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
        return [self._subtree(start, end) for start, end in inclusion_ranges(index, self.size)]

    def consistency_proof(self, old_size: int) -> list[bytes]:
        """Proof that the first ``old_size`` leaves are a prefix of this tree (RFC 9162 2.1.4.1)."""
        if not _is_int(old_size):
            raise TypeError("old_size must be an int")
        return [self._subtree(start, end) for start, end in consistency_ranges(old_size, self.size)]


Range = tuple[int, int]
"""Leaves ``[start, end)`` of a tree."""


def _split(start: int, end: int) -> int:
    """Where MTH splits ``[start, end)``: after the largest power of two below its length."""
    return start + (1 << ((end - start - 1).bit_length() - 1))


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose hashes form the audit path of leaf ``index`` (RFC 9162 2.1.3.1), leaf to root.

    Every range the recursion visits starts on a multiple of the smallest power of two ``2**p``
    that covers it and is either exactly ``2**p`` long or runs to the end of the tree.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    outer: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        split = _split(start, end)
        if index < split:
            outer.append((split, end))
            end = split
        else:
            outer.append((start, split))
            start = split
    outer.reverse()
    return outer


def consistency_ranges(old_size: int, size: int) -> list[Range]:
    """The subtrees whose hashes prove the first ``old_size`` leaves a prefix of ``size`` (RFC 9162 2.1.4.1).

    This follows SUBPROOF(m, D[start:end], b) iteratively: each step records the subtree the
    recursion would append on its way back out, and they are emitted innermost first, as the
    RFC's concatenation order requires.
    """
    if not 0 < old_size <= size:
        raise ValueError(f"old_size must satisfy 0 < old_size <= {size}, got {old_size}")
    if old_size == size:
        return []
    start, end = 0, size
    remaining = old_size  # m, relative to ``start``
    whole_old_tree = True  # the RFC's flag b: is [start, start + m) the entire old tree?
    outer: list[Range] = []
    while remaining != end - start:
        split = _split(start, end)
        if remaining <= split - start:
            outer.append((split, end))
            end = split
        else:
            outer.append((start, split))
            remaining -= split - start
            start = split
            whole_old_tree = False
    # The old tree's own root is left out when the verifier already holds it.
    ranges = [] if whole_old_tree else [(start, end)]
    ranges.extend(reversed(outer))
    return ranges


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The perfect subtrees, as ``(level, index)`` largest first, whose hashes fold into MTH of a
    range the proofs visit (see :func:`inclusion_ranges`): subtree ``(p, j)`` holds the ``2**p``
    leaves from ``j * 2**p``."""
    pieces: list[tuple[int, int]] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        pieces.append((level, start >> level))
        start += 1 << level
    return pieces


def fold_subtrees(hashes: Sequence[bytes]) -> bytes:
    """MTH of adjacent perfect subtrees given largest first: each is the left child of the rest."""
    if not hashes:
        return EMPTY_ROOT
    node = hashes[-1]
    for left in reversed(hashes[:-1]):
        node = node_hash(left, node)
    return node


class CompactRange:
    """The right edge of a growing tree: one root per perfect subtree, largest first.

    Folding it gives the tree head for the current size in O(log n), so one pass over a log
    yields the head at every checkpoint. With ``record_from``, each perfect subtree of at least
    ``2**record_from`` leaves is listed in ``completed`` as ``(level, index, hash)`` when its last
    leaf arrives.
    """

    def __init__(self, size: int = 0, nodes: Iterable[bytes] = (), *, record_from: int = 64) -> None:
        self.size = size
        self.nodes = list(nodes)
        self.record_from = record_from
        self.completed: list[tuple[int, int, bytes]] = []

    def append(self, leaf: bytes) -> None:
        node = leaf
        size = self.size
        self.size = grown = size + 1
        level, record_from = 0, self.record_from
        while size & 1:
            node = node_hash(self.nodes.pop(), node)
            size >>= 1
            level += 1
            if level >= record_from:
                self.completed.append((level, (grown >> level) - 1, node))
        self.nodes.append(node)

    def root(self) -> bytes:
        return fold_subtrees(self.nodes)


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
