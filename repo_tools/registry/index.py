"""The registry as the server hook reads it: record by record, found through an index, so that a
push costs the same whether the city registers 50 people or 10,000 (ARCHITECTURE.md
"Performance targets"). `Registry.load` reads and parses every file of the registry; a push
needs a handful of them (the pusher, the signers of its commits, its unit, that unit's seal).

The index (`CITY/server/registry-index.sqlite`, derived data kept by the service) maps each
record file to what it is looked up by: a person's or unit's id, a person's unit, a unit's name,
the fingerprints of the keys it holds, the ids of the seals it lists. It is kept for one
registry commit X; a registry at another commit Y is answered from the index of X with the files
that differ between X and Y (`git diff-tree`, as many as the registry pushes since X changed)
read at Y, and the index then moves to Y. The index only says *which file* to read: every
answer is read and parsed from the registry commit itself, and a file that does not say what the
index said is ignored, so a stale or damaged index can cost a lookup, never give a wrong one.
If the index cannot be written (a read-only city), it is built in memory for this process.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from repo_tools.git.repo import ObjectReader, clean_env, git, read_blobs
from repo_tools.messages import say
from repo_tools.registry.records import (
    KeyHolder,
    Person,
    Registry,
    Seal,
    Unit,
    _times_as_text,
    person_from_dict,
    seal_from_dict,
    unit_from_dict,
)

FOLDERS = ("people/", "units/", "seals/")
KINDS = {"people/": "person", "units/": "unit", "seals/": "seals"}
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS entries (path TEXT PRIMARY KEY, kind TEXT, id TEXT, unit TEXT, name TEXT);
CREATE TABLE IF NOT EXISTS lookups (path TEXT, key TEXT, value TEXT);
CREATE INDEX IF NOT EXISTS entries_id ON entries (kind, id);
CREATE INDEX IF NOT EXISTS entries_unit ON entries (kind, unit);
CREATE INDEX IF NOT EXISTS entries_name ON entries (kind, name);
CREATE INDEX IF NOT EXISTS lookups_value ON lookups (key, value);
CREATE INDEX IF NOT EXISTS lookups_path ON lookups (path);
"""
# libyaml where PyYAML has it: building the index parses every record once (10,000 people).
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Entry:
    """What one record file is looked up by."""
    path: str
    kind: str                   # person | unit | seals
    id: str                     # person id, unit id, or the unit the seals belong to
    unit: str                   # a person's unit ('' otherwise)
    name: str                   # a unit's name ('' otherwise)
    fingerprints: tuple[str, ...] = ()
    seal_ids: tuple[str, ...] = ()


def entry_of(path: str, data: bytes) -> Entry | None:
    """The index entry of one record file (None for a file that is no record)."""
    kind = next((KINDS[f] for f in FOLDERS if path.startswith(f)), None)
    if kind is None or not path.endswith(".yaml"):
        return None
    try:
        record = yaml.load(data.decode("utf-8"), Loader=_FAST_LOADER) or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict):
        return None
    if kind == "person":
        fprs = tuple(str(k.get("fingerprint", "")).upper() for k in record.get("keys", []) or []
                     if isinstance(k, dict))
        return Entry(path, kind, str(record.get("id", "")), str(record.get("unit", "")), "", fprs)
    if kind == "unit":
        names = [str(record.get("name", ""))] + [str(n.get("name", "")) for n in record.get("names", []) or []
                                                 if isinstance(n, dict)]
        return Entry(path, kind, str(record.get("id", "")), "", "\n".join(names))
    seals = [s for s in record.get("seals", []) or [] if isinstance(s, dict)]
    if not seals:
        return None
    fprs = tuple(str((s.get("key") or {}).get("fingerprint", "")).upper() for s in seals)
    return Entry(path, kind, str(seals[0].get("unit", "")), "", "", fprs, tuple(str(s.get("id", "")) for s in seals))


class RegistryIndex:
    """The index of record files, answered for any registry commit (see the module's doc)."""

    def __init__(self, repo: Path, reader: ObjectReader, commit: str, db: Path | None) -> None:
        self.repo = repo
        self.reader = reader
        self.commit = commit
        self.env = clean_env()
        self._memory: dict[str, Entry] | None = None     # the whole index, when none is kept on disk
        self._overlays: dict[str | None, dict[str, Entry | None]] = {}
        self._conn: sqlite3.Connection | None = None
        if db is not None:
            try:
                self._open(db)
            except sqlite3.OperationalError:  # locked too long, read-only: answer from memory
                self._conn = None
            except sqlite3.DatabaseError:  # not a database (damaged): derived data, so made again
                try:
                    db.unlink()
                    self._open(db)
                except (sqlite3.Error, OSError):
                    self._conn = None
            except OSError:
                self._conn = None
        if self._conn is None:
            self._memory = self._build_all()

    # Keeping the index ---------------------------------------------------------------------
    def _open(self, db: Path) -> None:
        conn = sqlite3.connect(str(db), timeout=10)
        conn.executescript(SCHEMA)
        row = conn.execute("SELECT value FROM meta WHERE key = 'commit'").fetchone()
        kept = row[0] if row else None
        if kept == self.commit:
            self._conn = conn
            return
        changed = self._diff(kept) if kept else None
        with conn:  # one transaction: readers see the old commit's index or the new one
            if changed is None:
                conn.execute("DELETE FROM entries")
                conn.execute("DELETE FROM lookups")
                entries: dict[str, Entry | None] = dict(self._build_all())
            else:
                entries = self._entries_at(changed)
            for path, entry in entries.items():
                conn.execute("DELETE FROM entries WHERE path = ?", (path,))
                conn.execute("DELETE FROM lookups WHERE path = ?", (path,))
                if entry is not None:
                    _insert(conn, entry)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('commit', ?)", (self.commit,))
        self._conn = conn

    def _diff(self, kept: str) -> list[str] | None:
        """Record files that differ between the kept commit and this one (None: rebuild)."""
        if self.reader.read(kept) is None:
            return None
        out = git("diff-tree", "-r", "-z", "--no-renames", "--name-only", kept, self.commit, "--", *FOLDERS,
                  cwd=self.repo, env=self.env, check=False)
        return [p for p in out.split("\0") if p]

    def _entries_at(self, paths: list[str]) -> dict[str, Entry | None]:
        """The entries of these files at this commit (None for a file deleted), in one git run."""
        datas = read_blobs(self.repo, [f"{self.commit}:{path}" for path in paths], env=self.env)
        return {path: entry_of(path, data) if data is not None else None
                for path, data in zip(paths, datas, strict=True)}

    def _build_all(self) -> dict[str, Entry]:
        out = git("ls-tree", "-r", "-z", self.commit, "--", *FOLDERS, cwd=self.repo, env=self.env, check=False)
        files = [(item.partition("\t")[2], item.split()[2]) for item in out.split("\0") if item]
        found: dict[str, Entry] = {}
        for (path, _), data in zip(files, read_blobs(self.repo, [oid for _, oid in files], env=self.env), strict=True):
            entry = entry_of(path, data) if data is not None else None
            if entry is not None:
                found[path] = entry
        return found

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    # Questions -----------------------------------------------------------------------------
    def _overlay(self, kept: str | None) -> dict[str, Entry | None]:
        """Entries at this commit of the files that differ from the kept commit's index."""
        if kept == self.commit:
            return {}
        if kept not in self._overlays:
            changed = self._diff(kept) if kept else None
            if changed is None:  # nothing usable kept: this process answers from memory
                self._memory = self._build_all()
                return {}
            self._overlays[kept] = self._entries_at(changed)
        return self._overlays[kept]

    def _query(self, sql: str, args: list[str]) -> tuple[list[str], dict[str, Entry | None]]:
        """Rows of the kept index and the overlay that corrects them, read in one snapshot."""
        assert self._conn is not None
        try:
            self._conn.execute("BEGIN")
            try:
                row = self._conn.execute("SELECT value FROM meta WHERE key = 'commit'").fetchone()
                rows = [r[0] for r in self._conn.execute(sql, args).fetchall()]
            finally:
                self._conn.execute("COMMIT")
        except sqlite3.Error:  # locked too long: this process answers from memory
            self._memory = self._build_all()
            return [], {}
        return rows, self._overlay(row[0] if row else None)

    def paths(self, kind: str, *, id: str | None = None, unit: str | None = None, name: str | None = None,
              fingerprint: str | None = None, seal_id: str | None = None) -> list[str]:
        """Record files of `kind` matching every given field."""
        if self._memory is None:
            sql = "SELECT DISTINCT e.path FROM entries e"
            where = ["e.kind = ?"]
            args: list[str] = [kind]
            if fingerprint is not None or seal_id is not None:
                sql += " JOIN lookups l ON l.path = e.path"
                where.append("l.key = ? AND l.value = ?")
                args += ["fingerprint", fingerprint.upper()] if fingerprint is not None else ["seal", seal_id or ""]
            for column, value in (("id", id), ("unit", unit)):
                if value is not None:
                    where.append(f"e.{column} = ?")
                    args.append(value)
            if name is not None:
                where.append("instr(char(10) || e.name || char(10), char(10) || ? || char(10)) > 0")
                args.append(name)
            rows, overlay = self._query(f"{sql} WHERE {' AND '.join(where)}", args)
            if self._memory is None:
                found = {r for r in rows if r not in overlay}
                found |= {p for p, e in overlay.items() if e is not None
                          and _matches(e, kind, id, unit, name, fingerprint, seal_id)}
                return sorted(found)
        assert self._memory is not None
        return sorted(e.path for e in self._memory.values() if _matches(e, kind, id, unit, name, fingerprint, seal_id))

    def ids(self, kind: str) -> list[str]:
        if self._memory is None:
            rows, overlay = self._query("SELECT DISTINCT id FROM entries WHERE kind = ?", [kind])
            if self._memory is None:
                # Ids may have moved between files: count a kept id only if some file still says it.
                kept = set(rows) | {e.id for e in overlay.values() if e is not None and e.kind == kind}
                return sorted(kept)
        assert self._memory is not None
        return sorted({e.id for e in self._memory.values() if e.kind == kind})


def _insert(conn: sqlite3.Connection, entry: Entry) -> None:
    conn.execute("INSERT INTO entries (path, kind, id, unit, name) VALUES (?, ?, ?, ?, ?)",
                 (entry.path, entry.kind, entry.id, entry.unit, entry.name))
    conn.executemany("INSERT INTO lookups (path, key, value) VALUES (?, ?, ?)",
                     [(entry.path, "fingerprint", f) for f in entry.fingerprints]
                     + [(entry.path, "seal", s) for s in entry.seal_ids])


def _matches(e: Entry, kind: str, id: str | None, unit: str | None, name: str | None,
             fingerprint: str | None, seal_id: str | None) -> bool:
    return (e.kind == kind and (id is None or e.id == id) and (unit is None or e.unit == unit)
            and (name is None or name in e.name.split("\n"))
            and (fingerprint is None or fingerprint.upper() in e.fingerprints)
            and (seal_id is None or seal_id in e.seal_ids))


class _Records(Mapping[str, Any]):
    """`registry.people` / `units` / `seals` read record by record through the index."""

    def __init__(self, registry: IndexedRegistry, kind: str) -> None:
        self._registry = registry
        self._kind = kind

    def __getitem__(self, key: str) -> Any:
        found = self._registry._find(self._kind, key)
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter([k for k in self._registry.index.ids(self._kind) if k in self])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._registry._find(self._kind, key) is not None


class _KeyFiles(Mapping[str, str]):
    """`registry.key_files`: fingerprint -> blob id of keys/<fingerprint>.asc."""

    def __init__(self, registry: IndexedRegistry) -> None:
        self._registry = registry

    def __getitem__(self, fingerprint: str) -> str:
        oid = self._registry.reader.oid(f"{self._registry.commit}:keys/{fingerprint}.asc")
        if oid is None:
            raise KeyError(fingerprint)
        return oid

    def _all(self) -> dict[str, str]:
        out = git("ls-tree", "-z", f"{self._registry.commit}:keys", cwd=self._registry.repo,
                  env=clean_env(), check=False)
        found = {}
        for item in out.split("\0"):
            meta, _, name = item.partition("\t")
            if name.endswith(".asc"):
                found[name[:-4]] = meta.split()[2]
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class IndexedRegistry(Registry):
    """A `Registry` that reads only the records a question needs (see the module's doc)."""

    def __init__(self, repo: Path, commit: str, reader: ObjectReader, db: Path | None) -> None:
        super().__init__(commit)
        self.repo = repo
        self.reader = reader
        self.index = RegistryIndex(repo, reader, commit, db)
        self._cache: dict[str, Any] = {}
        self.people = _Records(self, "person")  # type: ignore[assignment]
        self.units = _Records(self, "unit")  # type: ignore[assignment]
        self.seals = _Records(self, "seals")  # type: ignore[assignment]
        self.key_files = _KeyFiles(self)  # type: ignore[assignment]

    @classmethod
    def open(cls, repo: str | Path, db: Path | None, rev: str = "refs/heads/main") -> Registry:
        """The registry at `rev`, indexed in `db` (an empty registry is a plain, empty one)."""
        reader = ObjectReader(repo, env=clean_env())
        got = reader.read(rev)
        if got is None or got[1] != "commit":
            reader.close()
            return Registry(None)
        return cls(Path(repo), got[0], reader, db)

    def close(self) -> None:
        self.index.close()
        self.reader.close()

    def _record(self, path: str) -> Any:
        """The parsed record at this commit (None when absent or unreadable), read once."""
        if path not in self._cache:
            data = self.reader.blob(f"{self.commit}:{path}")
            value: Any = None
            if data is not None:
                try:
                    # The mapping as `load_record` reads it, without pydantic: every record on the
                    # registry's main was validated by the registry hook (`records_valid`) when pushed.
                    record = _times_as_text(yaml.load(data.decode("utf-8"), Loader=_FAST_LOADER) or {})
                    if not isinstance(record, dict):
                        raise ValueError(path)
                    if path.startswith("people/"):
                        value = person_from_dict(record)
                    elif path.startswith("units/"):
                        value = unit_from_dict(record)
                    else:
                        value = [seal_from_dict(s) for s in record.get("seals", [])] or None
                except (ValueError, KeyError, TypeError, yaml.YAMLError, UnicodeDecodeError):
                    value = None
            self._cache[path] = value
        return self._cache[path]

    def _find(self, kind: str, key: str) -> Any:
        """The record of `kind` whose id is `key`, checked against the file itself."""
        for path in self.index.paths(kind, id=key):
            record = self._record(path)
            if kind == "seals":
                if record and record[0].unit == key:
                    return record
            elif record is not None and record.id == key:
                return record
        return None

    # The questions of `Registry` that would otherwise read every record -----------------------
    def members(self, unit_id: str) -> list[Person]:
        found = [self._record(p) for p in self.index.paths("person", unit=unit_id)]
        return [p for p in found if p is not None and p.unit == unit_id]

    def unit_by_name(self, name: str) -> Unit | None:
        for path in self.index.paths("unit", name=name):
            unit = self._record(path)
            if unit is not None and unit.name == name and unit.status == "active":
                return unit
        return None

    def key_holder(self, fingerprint: str) -> KeyHolder | None:
        fingerprint = fingerprint.upper()
        for path in self.index.paths("person", fingerprint=fingerprint):
            person = self._record(path)
            for key in person.keys if person is not None else []:
                if key.fingerprint.upper() == fingerprint:
                    return KeyHolder("person", person.id, person.unit, key, person.name)
        for path in self.index.paths("seals", fingerprint=fingerprint):
            for seal in self._record(path) or []:
                if seal.key.fingerprint.upper() == fingerprint:
                    unit = self.unit(seal.unit)
                    return KeyHolder("seal", seal.id, seal.unit, seal.key,
                                     say("registry.index.key_holder.1", value=unit.name if unit else seal.unit))
        return None

    def seal(self, seal_id: str) -> Seal | None:
        for path in self.index.paths("seals", seal_id=seal_id):
            for seal in self._record(path) or []:
                if seal.id == seal_id:
                    return seal
        return None


def open_registry(city_root: Path, rev: str = "refs/heads/main") -> Registry:
    """The city's registry for the server hook, through the service's index."""
    server = city_root / "server"
    db = server / "registry-index.sqlite" if server.is_dir() else None
    return IndexedRegistry.open(city_root / "registry.git", db, rev)


__all__ = ["IndexedRegistry", "RegistryIndex", "open_registry", "entry_of"]
