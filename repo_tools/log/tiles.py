"""C2SP tlog-tiles: the tree published as static files that any web server can serve.

A tile at level L, index N holds up to 256 consecutive hashes of tree level 8·L (a full tile
256, a partial one `.p/<W>` the first W of them); entry bundles `tile/entries/<N>` hold the
entries themselves, each after a big-endian 16-bit length. Everything but the checkpoint is
immutable once written.
"""
from __future__ import annotations

import struct
from pathlib import Path

from repo_tools.log.tlog import HASH_SIZE, node_hash

HEIGHT = 8
WIDTH = 1 << HEIGHT
MAX_ENTRY = 0xFFFF


def index_path(n: int) -> str:
    """N written as three-digit groups, each but the last prefixed with `x`: x001/x234/067."""
    digits = str(n)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    return "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])


def tile_path(level: int | str, n: int, width: int = WIDTH) -> str:
    """`tile/<L>/<N>[.p/<W>]`; level "entries" gives the entry bundle's path."""
    path = f"tile/{level}/{index_path(n)}"
    return path if width == WIDTH else f"{path}.p/{width}"


def tile_width(size: int, level: int, n: int) -> int:
    """The width of tile (level, n) in the tree of `size` leaves (0 when it does not exist)."""
    count = size >> (HEIGHT * level)
    return max(0, min(WIDTH, count - n * WIDTH))


def tiles_for(size: int, old: int = 0) -> list[tuple[int, int, int]]:
    """(level, index, width) of every tile that differs between trees of `old` and `size`."""
    out = []
    level = 0
    while size >> (HEIGHT * level):
        count_old, count = old >> (HEIGHT * level), size >> (HEIGHT * level)
        for n in range(count_old // WIDTH, (count - 1) // WIDTH + 1):
            width = tile_width(size, level, n)
            if width and (n * WIDTH + width > count_old):
                out.append((level, n, width))
        level += 1
    return out


def encode_entries(entries: list[bytes]) -> bytes | None:
    """An entry bundle, or None when an entry is too long for the 16-bit length (such entries
    stay readable in `events.jsonl` itself)."""
    if any(len(e) > MAX_ENTRY for e in entries):
        return None
    return b"".join(struct.pack(">H", len(e)) + e for e in entries)


def decode_entries(data: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError("truncated entry bundle")
        (length,) = struct.unpack(">H", data[pos:pos + 2])
        if pos + 2 + length > len(data):
            raise ValueError("truncated entry bundle")
        out.append(data[pos + 2:pos + 2 + length])
        pos += 2 + length
    return out


class TileReader:
    """Stored hashes of the tree of `size` leaves, read from published tiles under `root`
    (what a witness or reader fetches from a static server; nothing private)."""

    def __init__(self, root: Path, size: int) -> None:
        self.root = root
        self.size = size
        self._tiles: dict[tuple[int, int], list[bytes]] = {}
        self.fetched = 0

    def tile(self, level: int, n: int) -> list[bytes]:
        key = (level, n)
        if key not in self._tiles:
            width = tile_width(self.size, level, n)
            if width == 0:
                raise FileNotFoundError(f"tile {level}/{n} is outside a tree of {self.size}")
            path = self.root / tile_path(level, n, width)
            data = path.read_bytes()
            self.fetched += 1
            if len(data) != width * HASH_SIZE:
                raise ValueError(f"{path} holds {len(data)} bytes, not {width} hashes")
            self._tiles[key] = [data[i:i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        return self._tiles[key]

    def hash(self, level: int, index: int) -> bytes:
        tile_level, sub = divmod(level, HEIGHT)
        start = index << sub
        n, offset = divmod(start, WIDTH)
        hashes = self.tile(tile_level, n)[offset:offset + (1 << sub)]
        if len(hashes) != 1 << sub:
            raise ValueError(f"tile {tile_level}/{n} too short for hash {level}/{index}")
        while len(hashes) > 1:
            hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]
