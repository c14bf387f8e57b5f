"""RFC 6962 / RFC 9162 §2.1 Merkle tree hashing and proofs, as pure functions over a reader of
stored hashes (the shape of Go's golang.org/x/mod/sumdb/tlog, addressed by (level, index)).

A stored hash (level L, index K) is the hash of the complete subtree over leaves
[K·2^L, (K+1)·2^L). Every proof and tree hash needs only such complete subtrees, so a log can
keep them in append-only per-level arrays, and a reader can fetch them from published tiles.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class HashReader(Protocol):
    def hash(self, level: int, index: int) -> bytes:
        """The stored hash of the complete subtree (level, index)."""


class ProofError(ValueError):
    """A proof asked of a tree that cannot give it (index out of range, sizes out of order)."""


def record_hash(entry: bytes) -> bytes:
    """Leaf hash: SHA-256(0x00 ‖ entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node hash: SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2): the size of the left subtree."""
    return 1 << ((n - 1).bit_length() - 1)


def subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """The complete subtrees (level, index) covering leaves [lo, hi), left to right, for a range
    whose start is aligned the way RFC 6962's recursion aligns it."""
    out: list[tuple[int, int]] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        while lo & ((1 << level) - 1):
            level -= 1
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def range_hash(lo: int, hi: int, reader: HashReader) -> bytes:
    """MTH of leaves [lo, hi) from stored complete subtrees (folded right to left)."""
    parts = [reader.hash(level, index) for level, index in subtrees(lo, hi)]
    if not parts:
        return EMPTY_ROOT
    value = parts[-1]
    for part in reversed(parts[:-1]):
        value = node_hash(part, value)
    return value


def tree_hash(size: int, reader: HashReader) -> bytes:
    """The root hash of the tree of the first `size` leaves."""
    return range_hash(0, size, reader)


def prove_record(size: int, index: int, reader: HashReader) -> list[bytes]:
    """RFC 9162 §2.1.3.1 inclusion proof (PATH) of leaf `index` in the tree of `size` leaves."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    return _path(index, 0, size, reader)


def _path(index: int, lo: int, hi: int, reader: HashReader) -> list[bytes]:
    if hi - lo == 1:
        return []
    k = _split(hi - lo)
    if index < lo + k:
        return _path(index, lo, lo + k, reader) + [range_hash(lo + k, hi, reader)]
    return _path(index, lo + k, hi, reader) + [range_hash(lo, lo + k, reader)]


def prove_tree(size: int, old: int, reader: HashReader) -> list[bytes]:
    """RFC 9162 §2.1.4.1 consistency proof from the tree of `old` leaves to the one of `size`."""
    if not 0 <= old <= size:
        raise ProofError(f"no consistency proof from {old} to {size}")
    if old == 0 or old == size:
        return []
    return _subproof(old, 0, size, True, reader)


def _subproof(m: int, lo: int, hi: int, whole: bool, reader: HashReader) -> list[bytes]:
    n = hi - lo
    if m == n:
        return [] if whole else [range_hash(lo, hi, reader)]
    k = _split(n)
    if m <= k:
        return _subproof(m, lo, lo + k, whole, reader) + [range_hash(lo + k, hi, reader)]
    return _subproof(m - k, lo + k, hi, False, reader) + [range_hash(lo, lo + k, reader)]


def _ok(*hashes: bytes) -> bool:
    return all(isinstance(h, (bytes, bytearray)) and len(h) == HASH_SIZE for h in hashes)


def check_record(proof: Sequence[bytes], size: int, root: bytes, index: int, leaf: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does `proof` show leaf hash `leaf` at `index` in the tree (size, root)?"""
    if not 0 <= index < size or not _ok(root, leaf, *proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def check_tree(proof: Sequence[bytes], size: int, root: bytes, old: int, old_root: bytes) -> bool:
    """RFC 9162 §2.1.4.2: does `proof` show the tree (old, old_root) is a prefix of (size, root)?"""
    if not 0 <= old <= size or not _ok(root, old_root, *proof):
        return False
    if old == size:
        return not proof and root == old_root
    if old == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:
        path = [old_root] + path
    fn, sn = old - 1, size - 1
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
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == root


class MemoryHashes:
    """Stored hashes kept in memory, per level (tests, audits and offline rebuilds)."""

    def __init__(self) -> None:
        self.levels: list[list[bytes]] = [[]]

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash and every complete subtree it closes: O(log n)."""
        level, index, value = 0, len(self.levels[0]), leaf
        while True:
            if len(self.levels) <= level:
                self.levels.append([])
            self.levels[level].append(value)
            if not index & 1:
                return
            value = node_hash(self.levels[level][index - 1], value)
            level, index = level + 1, index >> 1

    def hash(self, level: int, index: int) -> bytes:
        return self.levels[level][index]
