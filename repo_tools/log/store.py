"""The server's Merkle log over `CITY/log/events.jsonl`.

Layout under `CITY/log/`:
    events.jsonl          one JSON object per line; leaf i is line i's exact bytes without its
                          trailing newline (RFC 6962 leaf hash SHA-256(0x00 ‖ bytes))
    checkpoint            the newest signed checkpoint, with the cosignatures it has received
    checkpoints/<size>    every cosigned checkpoint (the history `oa log verify` checks against)
    tile/...              C2SP tlog-tiles, published for witnesses and readers
    store/hashes/<L>      stored hashes of level L (append-only, 32 bytes each) and
    store/offsets         the byte offset of each leaf in events.jsonl (8 bytes each)
    store/index.sqlite    the object index (object id -> first leaf per unit) and how far the
                          tree and index have come (`size`, `offset`)

Appending fsyncs the line first; everything else is derived from events.jsonl and brought up to
date under the same lock by the next append (or `oa log verify`, or a witness run), so a process
stopped between the append and the checkpoint loses nothing.
"""
from __future__ import annotations

import json
import os
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repo_tools.git.atomic import exclusive, write_atomic
from repo_tools.log import note, tiles
from repo_tools.log.tlog import HASH_SIZE, node_hash, record_hash, tree_hash
from repo_tools.messages import say

if TYPE_CHECKING:
    import sqlite3

KEY_FILE = "log-key"
BATCH_BYTES = 8 << 20  # catch-up reads events.jsonl this much at a time


@dataclass(frozen=True)
class Entry:
    """Where an object first reached the server: its leaf index and log time."""
    leaf: int
    time: str


class LogPaths:
    def __init__(self, log_file: Path) -> None:
        self.events = log_file
        self.root = log_file.parent
        self.store = self.root / "store"
        self.index = self.store / "index.sqlite"
        self.offsets = self.store / "offsets"
        self.checkpoint = self.root / "checkpoint"
        self.history = self.root / "checkpoints"
        self.lock = Path(str(log_file) + ".lock")
        self.key = self.root.parent / "server" / KEY_FILE

    def level_file(self, level: int) -> Path:
        return self.store / "hashes" / f"{level:02d}"


class FileHashes:
    """Stored hashes in per-level append-only files (a tlog HashReader)."""

    def __init__(self, paths: LogPaths) -> None:
        self.paths = paths
        self._read: dict[int, Any] = {}

    def hash(self, level: int, index: int) -> bytes:
        handle = self._read.get(level)
        if handle is None:
            handle = self._read[level] = self.paths.level_file(level).open("rb")
        handle.seek(index * HASH_SIZE)
        data = handle.read(HASH_SIZE)
        if len(data) != HASH_SIZE:
            raise IndexError(f"no stored hash {level}/{index}")
        return data

    def close(self) -> None:
        for handle in self._read.values():
            try:
                handle.close()
            except OSError:
                pass  # a forked worker's copy of a handle its parent already closed
        self._read.clear()


def _connect(paths: LogPaths) -> sqlite3.Connection:
    import sqlite3  # not loaded by the pre-receive hook, which never touches the log
    paths.store.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(paths.index, timeout=60)
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER)")
    db.execute("CREATE TABLE IF NOT EXISTS objects (unit TEXT, oid TEXT, leaf INTEGER, time TEXT, "
               "PRIMARY KEY (unit, oid))")
    db.execute("CREATE INDEX IF NOT EXISTS objects_oid ON objects (oid, leaf)")
    return db


def _meta(db: sqlite3.Connection) -> tuple[int, int]:
    rows = dict(db.execute("SELECT key, value FROM meta").fetchall())
    return int(rows.get("size", 0)), int(rows.get("offset", 0))


# Entries that bring objects to a repository: a person's push, and the service placing a
# delivery in the receiving unit's inbox (the delivery's trusted time in that repository).
BRINGING = ("push", "delivery-placed")


def indexed_objects(entry: dict[str, Any]) -> list[str]:
    """The ids an entry brings: a push's commits and tags and its push certificate, or the
    commit a delivery placed."""
    if entry.get("type") not in BRINGING:
        return []
    ids = [str(o) for o in entry.get("objects", []) or []]
    if entry.get("certificate_id"):
        ids.append(str(entry["certificate_id"]))
    return ids


class Tree:
    """The derived state (stored hashes, offsets, index) of one log, opened under its lock."""

    def __init__(self, paths: LogPaths) -> None:
        self.paths = paths
        self.db = _connect(paths)
        self.size, self.offset = _meta(self.db)
        self.hashes = FileHashes(paths)

    def close(self) -> None:
        self.hashes.close()
        self.db.close()

    # Bringing the derived state up to date ------------------------------------------------
    def _expected_lengths_ok(self) -> bool:
        """Cut derived files back to what the committed state covers (a crash may have left
        more); False when something the state covers is missing (then rebuild)."""
        def fit(path: Path, want: int) -> bool:
            have = path.stat().st_size if path.exists() else 0
            if have > want:
                with path.open("r+b") as handle:
                    handle.truncate(want)
            return have >= want
        level, ok = 0, True
        while (self.size >> level) or self.paths.level_file(level).exists():
            ok = fit(self.paths.level_file(level), (self.size >> level) * HASH_SIZE) and ok
            level += 1
        ok = fit(self.paths.offsets, self.size * 8) and ok
        events = self.paths.events.stat().st_size if self.paths.events.exists() else 0
        return ok and events >= self.offset

    def _reset(self) -> None:
        """Forget everything derived and rebuild from events.jsonl (after damage to the log
        or its store: the witnesses and `oa log verify` judge whether the result extends what
        they saw)."""
        print(say("log.store._reset.1"), file=sys.stderr)
        self.hashes.close()
        for path in (self.paths.store / "hashes").glob("*"):
            path.unlink()
        if self.paths.offsets.exists():
            self.paths.offsets.unlink()
        with self.db:
            self.db.execute("DELETE FROM objects")
            self.db.execute("DELETE FROM meta")
        self.size, self.offset = 0, 0

    def sync(self) -> int:
        """Hash every line not yet in the tree, index its objects; return the old size.
        Works in batches so a long catch-up (a crash, a migration) stays in bounded memory."""
        old = self.size
        if not self._expected_lengths_ok():
            self._reset()
            old = 0
        if not self.paths.events.exists():
            return old
        self.paths.level_file(0).parent.mkdir(parents=True, exist_ok=True)
        with self.paths.events.open("rb") as handle:
            while True:
                handle.seek(self.offset)
                data = handle.read(BATCH_BYTES)
                end = data.rfind(b"\n")
                if end < 0:
                    if len(data) == BATCH_BYTES:  # one line longer than a batch
                        data += handle.readline()
                        end = data.rfind(b"\n")
                    if end < 0:
                        return old
                self._add(data[:end].split(b"\n"))
                if len(data) < BATCH_BYTES:
                    return old

    def _add(self, lines: list[bytes]) -> None:
        self.hashes.close()
        appenders: dict[int, Any] = {}
        pending: dict[int, list[bytes]] = {}  # hashes written in this batch, by level
        rows: list[tuple[str, str, int, str]] = []
        offsets = bytearray()
        position, size = self.offset, self.size

        def stored(level: int, index: int) -> bytes:
            base = self.size >> level
            if index >= base:
                return pending[level][index - base]
            return self.hashes.hash(level, index)

        try:
            for line in lines:
                offsets += struct.pack(">Q", position)
                position += len(line) + 1
                value, level, index = record_hash(line), 0, size
                while True:
                    if level not in appenders:
                        appenders[level] = self.paths.level_file(level).open("ab")
                    appenders[level].write(value)
                    pending.setdefault(level, []).append(value)
                    if not index & 1:
                        break
                    value = node_hash(stored(level, index - 1), value)
                    level, index = level + 1, index >> 1
                if b'"push"' in line or b'"delivery-placed"' in line:  # only these bring objects
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        entry = {}
                    if isinstance(entry, dict):
                        unit = str(entry.get("repo") or "")
                        rows += [(unit, oid, size, str(entry.get("time") or "")) for oid in indexed_objects(entry)]
                size += 1
        finally:
            for handle in appenders.values():
                handle.close()
        with self.paths.offsets.open("ab") as handle:
            handle.write(bytes(offsets))
        with self.db:
            self.db.executemany("INSERT OR IGNORE INTO objects VALUES (?, ?, ?, ?)", rows)
            self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                [("size", size), ("offset", position)])
        self.size, self.offset = size, position

    # Reading --------------------------------------------------------------------------------
    def root(self, size: int | None = None) -> bytes:
        return tree_hash(self.size if size is None else size, self.hashes)

    def leaf_offset(self, index: int) -> int:
        with self.paths.offsets.open("rb") as handle:
            handle.seek(index * 8)
            return struct.unpack(">Q", handle.read(8))[0]

    def entries(self, start: int, stop: int) -> list[bytes]:
        """The exact bytes of leaves [start, stop)."""
        if start >= stop:
            return []
        begin = self.leaf_offset(start)
        end = self.leaf_offset(stop) if stop < self.size else self.offset
        with self.paths.events.open("rb") as handle:
            handle.seek(begin)
            data = handle.read(end - begin)
        return data[:-1].split(b"\n")

    # Publishing -----------------------------------------------------------------------------
    def publish_tiles(self, old: int) -> None:
        for level, n, width in tiles.tiles_for(self.size, old):
            base = tiles.HEIGHT * level
            data = b"".join(self.hashes.hash(base, n * tiles.WIDTH + i) for i in range(width))
            self._write_tile(tiles.tile_path(level, n, width), data, width)
            if level == 0:
                bundle = tiles.encode_entries(self.entries(n * tiles.WIDTH, n * tiles.WIDTH + width))
                if bundle is not None:
                    self._write_tile(tiles.tile_path("entries", n, width), bundle, width)

    def _write_tile(self, rel: str, data: bytes, width: int) -> None:
        path = self.paths.root / rel
        if width == tiles.WIDTH:
            if not path.exists():
                write_atomic(path, data)
            partials = path.with_name(path.name + ".p")
            if partials.is_dir():  # a full tile replaces its partial ones
                for old in partials.iterdir():
                    old.unlink()
                partials.rmdir()
        elif not path.exists():
            write_atomic(path, data)

    def publish_checkpoint(self) -> note.Note | None:
        """Sign and publish the checkpoint of the current tree (with any cosignatures it has)."""
        signer = log_signer(self.paths)
        if signer is None:
            return None
        text = note.Checkpoint(signer.name, self.size, self.root()).text()
        current = read_checkpoint(self.paths)
        if current is not None and current.text == text:
            return current
        if current is not None and current.signed_by(signer.verifier):
            # A log never signs two inconsistent checkpoints: if events.jsonl no longer extends
            # what was signed (lines removed or changed), keep the old checkpoint and say so.
            old = note.Checkpoint.parse(current.text)
            if old.size > self.size or self.root(old.size) != old.root:
                print(say("log.store.publish_checkpoint.1", size=old.size), file=sys.stderr)
                return current
        cosigned = self.paths.history / str(self.size)
        if cosigned.exists():
            try:
                kept = note.Note.parse(cosigned.read_text(encoding="utf-8"))
                if kept.text == text:
                    write_atomic(self.paths.checkpoint, kept.encode().encode(), sync=True)
                    return kept
            except note.NoteError:
                pass
        signed = note.sign_note(text, signer)
        write_atomic(self.paths.checkpoint, signed.encode().encode(), sync=True)
        return signed


def log_signer(paths: LogPaths) -> note.Signer | None:
    if not paths.key.exists():
        return None
    return note.Signer.parse(paths.key.read_text(encoding="utf-8"))


def read_checkpoint(paths: LogPaths) -> note.Note | None:
    try:
        return note.Note.parse(paths.checkpoint.read_text(encoding="utf-8"))
    except (OSError, note.NoteError):
        return None


def create_log_key(city_root: Path, origin: str) -> note.Verifier:
    """The log's Ed25519 key: private part under CITY/server (mode 0600), public part returned
    for the registry."""
    path = city_root / "server" / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    signer = note.Signer.generate(origin, note.ALG_ED25519)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(signer.text() + "\n")
    return signer.verifier


# The operations ------------------------------------------------------------------------------
def _last_line(path: Path) -> bytes | None:
    """The last complete line, read from the end so appending stays O(1) in the log's size."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        pos = end = handle.tell()
        data = b""
        while pos > 0:
            step = min(4096, pos)
            pos -= step
            handle.seek(pos)
            data = handle.read(step) + data
            if data.rstrip(b"\n").count(b"\n") >= 1:
                break
        del end
    lines = data.rstrip(b"\n").split(b"\n")
    return lines[-1] if lines and lines[-1] else None


def _drop_partial_tail(path: Path) -> None:
    """A line without its newline was never acknowledged (the fsync had not returned): drop it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("r+b") as handle:
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) == b"\n":
            return
        size = handle.seek(0, os.SEEK_END)
        pos = size
        while pos > 0:
            step = min(4096, pos)
            pos -= step
            handle.seek(pos)
            chunk = handle.read(step)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                handle.truncate(pos + cut + 1)
                return
        handle.truncate(0)


def append_line(log_file: Path, make_line: Any) -> Any:
    """Append the line `make_line(last_line_bytes)` returns (a (bytes, value) pair), fsynced, then
    bring the tree, tiles and checkpoint up to date. Returns the value."""
    paths = LogPaths(log_file)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(paths.lock):
        _drop_partial_tail(log_file)
        line, value = make_line(_last_line(log_file))
        with log_file.open("ab") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        _update_locked(paths)
    return value


def _update_locked(paths: LogPaths) -> None:
    tree = Tree(paths)
    try:
        old = tree.sync()
        if tree.size != old or not paths.checkpoint.exists():
            tree.publish_tiles(old)
            tree.publish_checkpoint()
    finally:
        tree.close()


def update(log_file: Path) -> None:
    """Bring the tree, tiles and checkpoint up to date with events.jsonl (after a crash)."""
    paths = LogPaths(log_file)
    if not log_file.exists():
        return
    with exclusive(paths.lock):
        _drop_partial_tail(log_file)
        _update_locked(paths)


# Readers -------------------------------------------------------------------------------------
_TIMES_CACHE: dict[tuple[str, str | None], tuple[int, dict[str, str]]] = {}


def _reader_db(paths: LogPaths) -> sqlite3.Connection | None:
    import sqlite3
    if not paths.index.exists():
        return None
    return sqlite3.connect(f"file:{paths.index}?mode=ro", uri=True, timeout=60)


def _tail_entries(paths: LogPaths, offset: int, first_leaf: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """Lines appended but not yet indexed (a crash between append and index)."""
    if not paths.events.exists() or paths.events.stat().st_size <= offset:
        return
    with paths.events.open("rb") as handle:
        handle.seek(offset)
        data = handle.read()
    end = data.rfind(b"\n")
    for i, line in enumerate(data[:end].split(b"\n") if end >= 0 else []):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            yield first_leaf + i, entry


def _scan(paths: LogPaths, unit: str | None) -> dict[str, Entry]:
    """Object id -> first entry, from the index; a scan only for an index not yet built."""
    out: dict[str, Entry] = {}
    db = _reader_db(paths)
    size, offset = 0, 0
    if db is not None:
        try:
            size, offset = _meta(db)
            query = ("SELECT oid, leaf, time FROM objects WHERE unit = ? ORDER BY leaf DESC" if unit is not None
                     else "SELECT oid, leaf, time FROM objects ORDER BY leaf DESC")
            for oid, leaf, time in db.execute(query, (unit,) if unit is not None else ()):
                out[oid] = Entry(leaf, time)
        except Exception:  # noqa: BLE001 - sqlite3.OperationalError: an index being created
            size, offset, out = 0, 0, {}
        finally:
            db.close()
    for leaf, entry in _tail_entries(paths, offset, size):
        if unit is not None and entry.get("repo") != unit:
            continue
        for oid in indexed_objects(entry):
            out.setdefault(oid, Entry(leaf, str(entry.get("time") or "")))
    return out


def object_entries(log_file: Path, unit: str | None = None) -> dict[str, Entry]:
    """Every indexed object's first log entry (in `unit`'s repository, or anywhere)."""
    paths = LogPaths(log_file)
    stamp = paths.events.stat().st_size if paths.events.exists() else 0
    key = (str(paths.index), unit)
    cached = _TIMES_CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]  # type: ignore[return-value]
    found = _scan(paths, unit)
    _TIMES_CACHE[key] = (stamp, found)  # type: ignore[assignment]
    return found


def object_entry(log_file: Path, oid: str, unit: str | None = None) -> Entry | None:
    """One object's first log entry, by an index lookup (no scan of the log)."""
    paths = LogPaths(log_file)
    db = _reader_db(paths)
    size, offset = 0, 0
    if db is not None:
        try:
            size, offset = _meta(db)
            query = "SELECT leaf, time FROM objects WHERE oid = ?" + (" AND unit = ?" if unit is not None else "")
            row = db.execute(query + " ORDER BY leaf LIMIT 1", (oid, unit) if unit is not None else (oid,)).fetchone()
            if row:
                return Entry(int(row[0]), str(row[1]))
        except Exception:  # noqa: BLE001 - sqlite3.OperationalError: an index being created
            size, offset = 0, 0
        finally:
            db.close()
    for leaf, entry in _tail_entries(paths, offset, size):
        if (unit is None or entry.get("repo") == unit) and oid in indexed_objects(entry):
            return Entry(leaf, str(entry.get("time") or ""))
    return None


def first_push_seq(log_file: Path, oid: str, exclude_repo: str | None = None) -> int | None:
    """The sequence number of the first `push` entry (in a repository other than `exclude_repo`)
    that brought `oid`: from the object index and the few entries it names, never a scan."""
    paths = LogPaths(log_file)
    db = _reader_db(paths)
    size, offset = 0, 0
    leaves: list[int] = []
    if db is not None:
        try:
            size, offset = _meta(db)
            leaves = [int(row[0]) for row in db.execute(
                "SELECT leaf FROM objects WHERE oid = ? AND unit != ? ORDER BY leaf", (oid, exclude_repo or "\0"))]
        except Exception:  # noqa: BLE001 - sqlite3.OperationalError: an index being created
            size, offset, leaves = 0, 0, []
        finally:
            db.close()
    if leaves:
        tree = ReadTree(log_file)
        try:
            for leaf in leaves:
                entry = json.loads(tree.entry(leaf))
                if isinstance(entry, dict) and entry.get("type") == "push":
                    return int(entry.get("seq") or leaf + 1)
        finally:
            tree.close()
    for leaf, entry in _tail_entries(paths, offset, size):
        if entry.get("type") == "push" and entry.get("repo") != exclude_repo and oid in indexed_objects(entry):
            return int(entry.get("seq") or leaf + 1)
    return None


def trusted_times(log_file: Path, unit: str | None = None) -> dict[str, str]:
    """Object id -> log time of the push that first brought it (backed by the index)."""
    return {oid: e.time for oid, e in object_entries(log_file, unit).items()}


class ReadTree:
    """Read-only view of the stored tree (for verification on the server; no lock taken)."""

    def __init__(self, log_file: Path) -> None:
        self.paths = LogPaths(log_file)
        db = _reader_db(self.paths)
        self.size, self.offset = (0, 0)
        if db is not None:
            try:
                self.size, self.offset = _meta(db)
            finally:
                db.close()
        self.hashes = FileHashes(self.paths)

    def close(self) -> None:
        self.hashes.close()

    def entry(self, index: int) -> bytes:
        with self.paths.offsets.open("rb") as handle:
            handle.seek(index * 8)
            start = struct.unpack(">Q", handle.read(8))[0]
            nxt = handle.read(8)
        end = struct.unpack(">Q", nxt)[0] if len(nxt) == 8 else self.offset
        with self.paths.events.open("rb") as handle:
            handle.seek(start)
            return handle.read(end - start)[:-1]
