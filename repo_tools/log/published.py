"""What the log publishes for readers who reach no file of the city (a person's clone over SSH):
the event log itself, the newest signed checkpoint with its cosignatures, the kept cosigned
checkpoints and the tiles (C2SP tlog-tiles). Nothing private: the log key stays on the server.

The service answers `oa-log since OFFSET TAIL SIZE HISTORY` (the forced command, `server/shell.py`)
with a tar stream of only what the reader lacks:

    events@<start>        events.jsonl from byte <start> (0: the whole file, when the reader's
                          copy does not end with the bytes the service has at OFFSET)
    checkpoint            the newest checkpoint and every cosignature it has
    checkpoints/<n>       each kept cosigned checkpoint of size >= HISTORY (only the newest can
                          still gain cosignatures)
    tile/<L>/<N>[.p/<W>]  each tile that differs between the trees of SIZE and of the checkpoint

The reader (`fetch_into`) checks every name before it writes anything and never lets the service
replace a cosigned checkpoint it already keeps by one of other content: what it saw stays, so a
later rewrite of the log shows as an inconsistency (`audit`) instead of being forgotten. The
reader trusts nothing of this until `audit` and `quorum` have checked it with the registry's
keys (the log key and the witnesses' keys, `policy`).
"""
from __future__ import annotations

import hashlib
import io
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from repo_tools.git.atomic import exclusive, write_atomic
from repo_tools.log import note, store, tiles

TAIL_BYTES = 4096
COMMAND = re.compile(r"^oa-log since (\d{1,15}) ([0-9a-f]{64}|-) (\d{1,15}) (\d{1,15})$")
EVENTS = re.compile(r"^events@(\d{1,15})$")
HISTORY = re.compile(r"^checkpoints/(\d{1,15})$")
TILE = re.compile(r"^tile/(\d{1,2})/((?:x\d{3}/)*\d{3})(\.p/(\d{1,3}))?$")
MAX_SMALL = 1 << 20      # a checkpoint or a tile is far smaller; anything bigger is not one


@dataclass(frozen=True)
class Have:
    """What a reader already holds: bytes of events.jsonl, the digest of their last bytes, the
    tree size its tiles cover, and the largest kept checkpoint."""
    offset: int = 0
    tail: str = "-"
    size: int = 0
    history: int = 0

    def command(self) -> str:
        return f"oa-log since {self.offset} {self.tail} {self.size} {self.history}"

    @classmethod
    def parse(cls, command: str) -> Have | None:
        match = COMMAND.match(command)
        if not match:
            return None
        return cls(int(match[1]), match[2], int(match[3]), int(match[4]))


def _tail_digest(handle: IO[bytes], offset: int) -> str:
    start = max(0, offset - TAIL_BYTES)
    handle.seek(start)
    return hashlib.sha256(handle.read(offset - start)).hexdigest()


def have(log_root: Path) -> Have:
    """What the reader's copy under `log_root` holds."""
    events = log_root / "events.jsonl"
    offset, tail = 0, "-"
    if events.exists() and events.stat().st_size:
        offset = events.stat().st_size
        with events.open("rb") as handle:
            tail = _tail_digest(handle, offset)
    size = 0
    try:
        size = note.Checkpoint.parse(note.Note.parse((log_root / "checkpoint").read_text(encoding="utf-8")).text).size
    except (OSError, note.NoteError):
        size = 0
    if not (log_root / "tile").is_dir():
        size = 0  # tiles lost: ask for all of them again
    folder = log_root / "checkpoints"
    history = max((int(p.name) for p in folder.iterdir() if p.name.isdigit()), default=0) if folder.is_dir() else 0
    return Have(offset, tail, size, history)


# The service's side ------------------------------------------------------------------------
def _member(out: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    out.addfile(info, io.BytesIO(data))


def serve(log_file: Path, reader: Have, out: IO[bytes]) -> None:
    """Write the tar stream for `reader` to `out`. The checkpoint, the kept checkpoints, the
    tiles and the length of events.jsonl are taken together under the log's lock (one
    consistent state); the events themselves are streamed after it (they only ever grow)."""
    paths = store.LogPaths(log_file)
    small: list[tuple[str, bytes]] = []
    with exclusive(paths.lock):
        end = log_file.stat().st_size if log_file.exists() else 0
        start = 0
        if 0 < reader.offset <= end and reader.tail != "-":
            with log_file.open("rb") as handle:
                if _tail_digest(handle, reader.offset) == reader.tail:
                    start = reader.offset
        checkpoint = paths.checkpoint.read_bytes() if paths.checkpoint.exists() else b""
        size = 0
        if checkpoint:
            small.append(("checkpoint", checkpoint))
            try:
                size = note.Checkpoint.parse(note.Note.parse(checkpoint.decode("utf-8")).text).size
            except (UnicodeDecodeError, note.NoteError):
                size = 0
        if paths.history.is_dir():
            for kept in sorted((p for p in paths.history.iterdir() if p.name.isdigit()), key=lambda p: int(p.name)):
                if int(kept.name) >= reader.history:
                    small.append((f"checkpoints/{kept.name}", kept.read_bytes()))
        old = reader.size if reader.size <= size else 0
        for level, index, width in tiles.tiles_for(size, old):
            rel = tiles.tile_path(level, index, width)
            path = paths.root / rel
            if path.is_file():
                small.append((rel, path.read_bytes()))
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for name, data in small:
            _member(tar, name, data)
        info = tarfile.TarInfo(f"events@{start}")
        info.size = end - start
        info.mode = 0o644
        with log_file.open("rb") if end else io.BytesIO(b"") as handle:
            handle.seek(start)
            tar.addfile(info, _Limited(handle, end - start))


class _Limited(io.RawIOBase):
    """The first `left` bytes of a file (the log may grow while it is sent)."""

    def __init__(self, handle: IO[bytes], left: int) -> None:
        self.handle, self.left = handle, left

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        want = self.left if n is None or n < 0 else min(n, self.left)
        data = self.handle.read(want)
        self.left -= len(data)
        return data


# The reader's side -------------------------------------------------------------------------
class PublishedError(ValueError):
    """A stream that is not what the service publishes (a name outside the layout, a member
    that is not a file, an append that does not continue the reader's copy)."""


def _members(stream: IO[bytes]) -> Iterator[tuple[str, bytes]]:
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for info in tar:
            if not info.isfile():
                raise PublishedError(f"not a file: {info.name[:80]}")
            name = info.name
            if not (EVENTS.match(name) or HISTORY.match(name) or TILE.match(name) or name == "checkpoint"):
                raise PublishedError(f"unexpected name: {name[:80]}")
            if not EVENTS.match(name) and info.size > MAX_SMALL:
                raise PublishedError(f"too large: {name}")
            handle = tar.extractfile(info)
            assert handle is not None
            yield name, handle.read()


def fetch_into(log_root: Path, stream: IO[bytes]) -> list[str]:
    """Apply a published stream to the reader's copy under `log_root`. Returns what changed
    (names). Raises PublishedError for a stream outside the layout; nothing of the stream is
    written then (everything is read and checked first)."""
    try:
        received = list(_members(stream))
    except tarfile.TarError as exc:
        raise PublishedError(f"not a published stream: {exc}") from None
    events = log_root / "events.jsonl"
    changed: list[str] = []
    for name, _data in received:
        match = EVENTS.match(name)
        if match and int(match[1]) not in (0, events.stat().st_size if events.exists() else 0):
            raise PublishedError(f"append at {match[1]} does not continue the copy")
    log_root.mkdir(parents=True, exist_ok=True)
    for name, data in received:
        match = EVENTS.match(name)
        if match:
            if int(match[1]) == 0:
                if not events.exists() or events.read_bytes() != data:
                    write_atomic(events, data)
                    changed.append("events.jsonl")
            elif data:
                with events.open("ab") as handle:
                    handle.write(data)
                changed.append("events.jsonl")
            continue
        target = log_root / name
        if HISTORY.match(name) and target.exists() and not _same_checkpoint(target.read_bytes(), data):
            continue  # a cosigned checkpoint already kept is never replaced by another tree's
        if target.exists() and target.read_bytes() == data:
            continue
        write_atomic(target, data)
        changed.append(name)
        tile = TILE.match(name)
        if tile and tile[3] is None:
            partials = target.with_name(target.name + ".p")
            if partials.is_dir():  # a full tile replaces its partial ones, as on the server
                for old in partials.iterdir():
                    old.unlink()
                partials.rmdir()
    return changed


def _same_checkpoint(kept: bytes, new: bytes) -> bool:
    """The same checkpoint (origin, size, root), whatever cosignatures it has gained."""
    try:
        return note.Note.parse(kept.decode("utf-8")).text == note.Note.parse(new.decode("utf-8")).text
    except (UnicodeDecodeError, note.NoteError):
        return False
