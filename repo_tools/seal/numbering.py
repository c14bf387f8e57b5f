"""发文字号 (document numbers): `<机关代字>〔<year>〕<n>号`, unique per agency code and year,
allocated from what is on `main` (ARCHITECTURE.md "Merge requests, approval and the seal")."""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from repo_tools.documents import frontmatter
from repo_tools.git.repo import ObjectReader, clean_env, list_tree, read_blobs
from repo_tools.messages import say

NUMBER = re.compile(r"^(?P<code>[^\s〔〕\[\]()（）]+)〔(?P<year>\d{4})〕(?P<n>[1-9]\d*)号$")


@dataclass(frozen=True, order=True)
class DocumentNumber:
    code: str
    year: int
    n: int

    def __str__(self) -> str:
        return say("seal.numbering.__str__.1", code=self.code, year=self.year, n=self.n)


def parse(text: str) -> DocumentNumber | None:
    """The parts of a well-formed number, or None (the documents rules explain what is wrong)."""
    match = NUMBER.match(text.strip()) if text else None
    if not match:
        return None
    return DocumentNumber(match["code"], int(match["year"]), int(match["n"]))


def numbers_on(repo: str | Path, rev: str = "refs/heads/main") -> dict[str, DocumentNumber]:
    """Every document number on a revision: path of index.md -> number."""
    env = clean_env()
    files = {p: b for p, b in list_tree(repo, rev, "documents", env=env).items() if p.endswith("/index.md")}
    found: dict[str, DocumentNumber] = {}
    if not files:
        return found
    with ObjectReader(repo, env=env) as reader:
        for path, blob in files.items():
            number = number_in(reader.blob(blob))
            if number:
                found[path] = number
    return found


def number_in(data: bytes | None) -> DocumentNumber | None:
    """The 发文字号 an index.md's front matter carries, or None (none, or not readable)."""
    try:
        meta, _ = frontmatter.split((data or b"").decode("utf-8"))
    except (frontmatter.FrontMatterError, UnicodeDecodeError):
        return None
    return parse(str(meta.get("number") or ""))


def next_number(repo: str | Path, code: str, year: int, rev: str = "refs/heads/main",
                floor: int = 0) -> DocumentNumber:
    """The next free number for an agency code and year on `rev` (at least `floor` + 1)."""
    used = [n.n for n in numbers_on(repo, rev).values() if n.code == code and n.year == year]
    return DocumentNumber(code, year, max([floor, *used]) + 1)


class NumberIndex:
    """发文字号 on `main`, from an index instead of every document's front matter.

    Kept by the server beside the repository (`<repo>/oa-index/numbers.sqlite`: index.md path ->
    number) for one accepted commit of `main` X, moved forward by the hooks (`advance`). The
    numbers at any commit Y (the old `main` of a push, or the tip it proposes, still in
    quarantine) are X's rows corrected by the documents that differ between X and Y (`git
    diff-tree`, as many as the push changes), read at Y: the work follows the push, not the
    repository. With no usable index (a new or copied repository) it is built once from X's tree.
    """

    def __init__(self, repo: str | Path, env: dict[str, str] | None = None,
                 reader: ObjectReader | None = None) -> None:
        self.repo = Path(repo)
        self.env = env if env is not None else clean_env()
        self._reader = reader
        self._own_reader: ObjectReader | None = None
        self._overlays: dict[tuple[str | None, str], dict[str, DocumentNumber | None]] = {}
        self._conn: sqlite3.Connection | None = None
        self._memory: dict[str, DocumentNumber] | None = None
        self._memory_commit: str | None = None
        db = self.repo / "oa-index" / "numbers.sqlite"
        for _attempt in range(2):
            try:
                db.parent.mkdir(exist_ok=True)
                self._conn = sqlite3.connect(str(db), timeout=10)
                self._conn.executescript(
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
                    "CREATE TABLE IF NOT EXISTS numbers (path TEXT PRIMARY KEY, code TEXT, year INTEGER, n INTEGER);"
                    "CREATE INDEX IF NOT EXISTS numbers_number ON numbers (code, year, n);")
                break
            except sqlite3.OperationalError:
                self._conn = None  # locked too long, or a read-only repository: answered from memory
                break
            except sqlite3.DatabaseError:
                self._conn = None  # not a database (damaged): derived data, so made again
                db.unlink(missing_ok=True)
            except OSError:
                self._conn = None
                break

    @property
    def reader(self) -> ObjectReader:
        if self._reader is None:
            self._own_reader = self._reader = ObjectReader(self.repo, env=self.env)
        return self._reader

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._own_reader is not None:
            self._own_reader.close()

    def _numbers_at(self, commit: str, paths: list[str]) -> dict[str, DocumentNumber | None]:
        """The number of each of these documents at `commit` (None: deleted or none), one git run."""
        found: dict[str, DocumentNumber | None] = {}
        for path, data in zip(paths, read_blobs(self.repo, [f"{commit}:{p}" for p in paths], env=self.env),
                              strict=True):
            try:
                meta, _ = frontmatter.split(data.decode("utf-8")) if data is not None else ({}, "")
            except (frontmatter.FrontMatterError, UnicodeDecodeError):
                meta = {}
            found[path] = parse(str(meta.get("number") or ""))
        return found

    def _all_at(self, commit: str) -> dict[str, DocumentNumber]:
        files = {p: b for p, b in list_tree(self.repo, commit, "documents", env=self.env).items()
                 if p.endswith("/index.md")}
        found: dict[str, DocumentNumber] = {}
        for path, data in zip(files, read_blobs(self.repo, list(files.values()), env=self.env), strict=True):
            number = number_in(data)
            if number:
                found[path] = number
        return found

    def _changed(self, kept: str, commit: str) -> list[str] | None:
        if self.reader.read(kept) is None:
            return None
        from repo_tools.git.repo import git
        out = git("diff-tree", "-r", "-z", "--no-renames", "--name-only", kept, commit, "--", "documents/",
                  cwd=self.repo, env=self.env, check=False)
        return [p for p in out.split("\0") if p.endswith("/index.md")]

    def _kept(self) -> str | None:
        if self._conn is None:
            return self._memory_commit
        try:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'commit'").fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    def advance(self, commit: str | None) -> None:
        """Keep the index for `commit`, an accepted `main` (never a commit still in quarantine)."""
        if commit is None:
            return
        kept = self._kept()
        if kept == commit:
            return
        changed = self._changed(kept, commit) if kept else None
        if self._conn is None:
            self._memory = self._all_at(commit) if changed is None or self._memory is None else {
                **{p: n for p, n in self._memory.items() if p not in changed},
                **{p: n for p, n in self._numbers_at(commit, changed).items() if n is not None}}
            self._memory_commit = commit
            return
        rows: dict[str, DocumentNumber | None] = (
            dict(self._all_at(commit)) if changed is None else self._numbers_at(commit, changed))
        try:
            self._write(commit, rows, rebuild=changed is None)
        except sqlite3.Error:  # read-only or locked too long: this process answers from memory
            self._conn = None
            self._memory, self._memory_commit = self._all_at(commit), commit

    def _write(self, commit: str, rows: dict[str, DocumentNumber | None], rebuild: bool) -> None:
        assert self._conn is not None
        with self._conn:
            if rebuild:
                self._conn.execute("DELETE FROM numbers")
            for path, number in rows.items():
                self._conn.execute("DELETE FROM numbers WHERE path = ?", (path,))
                if number is not None:
                    self._conn.execute("INSERT INTO numbers (path, code, year, n) VALUES (?, ?, ?, ?)",
                                       (path, number.code, number.year, number.n))
            self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('commit', ?)", (commit,))

    def owners(self, number: DocumentNumber, at: str) -> list[str]:
        """The index.md paths that carry `number` at commit `at`."""
        kept = self._kept()
        if kept is None:
            return sorted(p for p, n in self._all_at(at).items() if n == number)
        key = (kept, at)
        if key not in self._overlays:
            changed = self._changed(kept, at) if kept != at else []
            if changed is None:
                return sorted(p for p, n in self._all_at(at).items() if n == number)
            self._overlays[key] = self._numbers_at(at, changed)
        overlay = self._overlays[key]
        if self._conn is None:
            assert self._memory is not None
            kept_rows = [p for p, n in self._memory.items() if n == number]
        else:
            try:
                kept_rows = [r[0] for r in self._conn.execute(
                    "SELECT path FROM numbers WHERE code = ? AND year = ? AND n = ?",
                    (number.code, number.year, number.n))]
            except sqlite3.Error:  # locked too long: read the documents at `at` instead
                return sorted(p for p, n in self._all_at(at).items() if n == number)
        found = {p for p in kept_rows if p not in overlay} | {p for p, n in overlay.items() if n == number}
        return sorted(found)
