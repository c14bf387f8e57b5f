"""What the site is made of: every published document and bulletin on each unit's `main`, read
straight from the bare repositories (one `ls-tree` and one `cat-file --batch` per changed unit),
with the trusted time at which each first reached `main`.

A unit whose `main` has not moved since the last build is not read again: the previous build's
items are reused, so collecting costs what changed, not what the city holds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repo_tools.log import eventlog
from repo_tools.documents import frontmatter
from repo_tools.city import City
from repo_tools.documents.frontmatter import json_safe
from repo_tools.git.repo import ObjectReader, clean_env, git, rev_parse

DOCUMENT_INDEX = re.compile(r"^documents/(\d{4})/([^/]+)/index\.md$")
LOOKUP_MAX = 64  # more new commits than this: one read of the unit's times beats lookups one by one
BULLETIN_INDEX = re.compile(r"^bulletins/([^/]+)/(\d{4}-\d{2}-\d{2})-([^/]+)/index\.md$")


@dataclass
class Item:
    """One published document or bulletin, as the site needs it (the body is read on demand)."""
    kind: str                     # "document" | "bulletin"
    unit: str
    folder: str                   # folder in the unit's repository
    source: str                   # blob id of index.md
    tree: str                     # tree id of the folder: changes whenever anything in it changes
    meta: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)   # name relative to folder -> blob id
    published_at: str | None = None                      # trusted time of the commit that added it
    arrival: int = 0                                      # build sequence that first saw it

    @property
    def url(self) -> str:
        """Site path of the item's page (directory URL, no leading slash)."""
        if self.kind == "document":
            _, year, slug = self.folder.split("/", 2)
            return f"documents/{self.unit}/{year}/{slug}/"
        _, column, name = self.folder.split("/", 2)
        return f"bulletins/{self.unit}/{column}/{name}/"

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or self.folder.rsplit("/", 1)[-1])

    @property
    def year(self) -> str:
        return self.folder.split("/")[1] if self.kind == "document" else str(self.meta.get("date", ""))[:4]

    @property
    def column(self) -> str:
        return self.folder.split("/")[1] if self.kind == "bulletin" else ""

    @property
    def type(self) -> str:
        return str(self.meta.get("type") or "")

    @property
    def date(self) -> str:
        return str(self.meta.get("date") or "")

    def order_key(self) -> tuple[int, str, str, str]:
        """Arrival order: listings append at their end, so older listing pages never change."""
        return (self.arrival, self.published_at or "", self.date, f"{self.unit}/{self.folder}")




def parse_source(data: bytes) -> tuple[dict[str, Any], str]:
    """(metadata, Markdown body); a file without readable front matter still gets a page.

    The same loader as the hook (`frontmatter.split`), so the site reads what the hook judged."""
    text = data.decode("utf-8", "replace")
    try:
        meta, body = frontmatter.split(text)
    except frontmatter.FrontMatterError:
        return {}, text
    try:
        return json_safe(meta), body
    except (RecursionError, ValueError, OverflowError):
        return {}, text


@dataclass
class UnitContent:
    head: str | None
    items: list[Item]
    stored_as: str | None = field(default=None, compare=False, repr=False)  # its file (site/publish.py)


def _tree_listing(repo: Path, rev: str) -> tuple[dict[str, str], dict[str, str]]:
    """(blobs, trees): path -> object id for everything under documents/ and bulletins/."""
    out = git("ls-tree", "-r", "-t", "-z", rev, "--", "documents", "bulletins", cwd=repo, env=clean_env())
    blobs: dict[str, str] = {}
    trees: dict[str, str] = {}
    for entry in out.split("\0"):
        if not entry:
            continue
        meta, _, name = entry.partition("\t")
        _, kind, oid = meta.split()
        (blobs if kind == "blob" else trees)[name] = oid
    return blobs, trees


def _added_at(repo: Path, old: str | None, new: str, log_file: Path, unit: str,
              times: dict[str, str] | None) -> dict[str, str]:
    """index.md path -> trusted time of the first-parent `main` commit that added it.

    Only the commits between the last build's head and this one are read, and only their times
    are looked up in the log's index (a rebuild after one push asks for one or two)."""
    rng = f"{old}..{new}" if old else new
    out = git("log", "--first-parent", "-m", "--diff-filter=A", "--name-only", "--format=%x01%H", rng,
              "--", "documents", "bulletins", cwd=repo, env=clean_env())
    added: list[tuple[str, str]] = []
    commit = ""
    for line in out.splitlines():
        if line.startswith("\x01"):
            commit = line[1:]
        elif line.endswith("/index.md"):
            added.append((commit, line))
    if times is None:
        commits = {c for c, _ in added}
        if old is None or len(commits) > LOOKUP_MAX:
            times = eventlog.trusted_times(log_file, unit)
        else:
            times = {}
            for oid in commits:
                entry = eventlog.object_entry(log_file, oid, unit)
                if entry is not None:
                    times[oid] = entry.time
    found: dict[str, str] = {}
    for commit, path in added:
        if commit in times:
            found[path] = times[commit]  # log is newest first: the oldest addition wins last
    return found


def main_head(repo: Path) -> str | None:
    """The repository's `main`, read from git's ref files (the loose ref, else `packed-refs`)
    rather than by a `git rev-parse` process: a build asks every unit, and 100 processes cost
    more than the rest of a rebuild. Anything unusual (a symbolic ref, no file) asks git."""
    return ref_value(repo, "refs/heads/main")


def ref_value(repo: Path, ref: str) -> str | None:
    """The commit a branch `ref` names, from git's ref files as `main_head` reads them; a ref
    in neither file is absent (None) when the repository keeps its refs in files, else git is
    asked."""
    try:
        text = (repo / ref).read_text(encoding="ascii").strip()
        if len(text) == 40 and all(c in "0123456789abcdef" for c in text):
            return text
    except FileNotFoundError:
        try:
            for line in (repo / "packed-refs").read_text(encoding="utf-8").splitlines():
                if line.endswith(f" {ref}") and len(line) == 41 + len(ref) and line[40] == " ":
                    return line[:40]
        except FileNotFoundError:
            if (repo / "refs").is_dir() and not (repo / "reftable").exists():
                return None  # no loose ref and no packed-refs: the ref does not exist
        except (OSError, UnicodeDecodeError):
            pass
        else:
            if (repo / "refs").is_dir() and not (repo / "reftable").exists():
                return None
    except (OSError, UnicodeDecodeError):
        pass
    return rev_parse(repo, ref, env=clean_env())


def collect_unit(city: City, unit: str, previous: UnitContent | None, arrival: int,
                 bodies: dict[str, str], times: dict[str, str] | None) -> UnitContent:
    """The unit's items at `main`; unchanged folders keep their previous record.

    `bodies` receives the Markdown body of every index.md read here (new or changed items).
    """
    repo = city.unit_repo(unit)
    head = main_head(repo)
    if head is None:
        return UnitContent(None, [])
    if previous is not None and previous.head == head:
        return previous
    blobs, trees = _tree_listing(repo, head)
    known = {item.folder: item for item in previous.items} if previous else {}
    added = _added_at(repo, previous.head if previous else None, head, city.log_file, unit, times)
    items: list[Item] = []
    to_read: list[tuple[str, str, str]] = []
    for path, oid in blobs.items():
        if DOCUMENT_INDEX.match(path):
            kind = "document"
        elif BULLETIN_INDEX.match(path):
            kind = "bulletin"
        else:
            continue
        to_read.append((kind, path[: -len("/index.md")], oid))
    files_of: dict[str, dict[str, str]] = {folder: {} for _, folder, _ in to_read}
    for path, oid in blobs.items():
        if path.endswith("/index.md") and path[: -len("/index.md")] in files_of:
            continue
        parts = path.split("/")
        if len(parts) >= 4:
            folder = "/".join(parts[:3])
            if folder in files_of:
                files_of[folder]["/".join(parts[3:])] = oid
    with ObjectReader(repo, env=clean_env()) as reader:
        for kind, folder, oid in to_read:
            old = known.get(folder)
            if old is not None and old.source == oid:
                meta, published, seen = old.meta, old.published_at, old.arrival
            else:
                meta, body = parse_source(reader.blob(oid) or b"")
                bodies[oid] = body
                published = old.published_at if old else None
                seen = old.arrival if old else arrival
            published = added.get(f"{folder}/index.md", published)
            items.append(Item(kind, unit, folder, oid, trees.get(folder, oid), meta, files_of[folder],
                              published, seen))
    return UnitContent(head, items)


def read_bodies(city: City, items: list[Item], bodies: dict[str, str]) -> None:
    """Fill `bodies` for the given items, one cat-file process per unit."""
    by_unit: dict[str, list[Item]] = {}
    for item in items:
        if item.source not in bodies:
            by_unit.setdefault(item.unit, []).append(item)
    for unit, wanted in by_unit.items():
        with ObjectReader(city.unit_repo(unit), env=clean_env()) as reader:
            for item in wanted:
                bodies[item.source] = parse_source(reader.blob(item.source) or b"")[1]


def read_blob(city: City, unit: str, oid: str) -> bytes:
    with ObjectReader(city.unit_repo(unit), env=clean_env()) as reader:
        return reader.blob(oid) or b""
