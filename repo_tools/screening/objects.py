"""Every object a push makes reachable, found in one walk: `git rev-list --objects --stdin
--not --all` over the new ref tips lists commits, trees, blobs and tags alike, so a blob or tree
that only a tag (annotated, lightweight, or a tag of a tag) points at is screened like a file.

Trees are parsed from their raw bytes (as `cat-file --batch` gives them) rather than through
`ls-tree`, because the rules must see names git itself would refuse ('/', '..', NUL).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from repo_tools.git.repo import GitError, ParsedCommit, ParsedTag, git, parse_tag
from repo_tools.messages import say

TREE_MODE = b"40000"
MAX_TAG_CHAIN = 16  # a tag of a tag of ...: deeper than this is no document workflow


class Reader(Protocol):
    def read(self, rev: str) -> tuple[str, str, bytes] | None: ...


class MalformedTree(ValueError):
    """The raw bytes are not a sequence of `<mode> <name>\\0<20-byte id>` entries."""


@dataclass(frozen=True)
class TreeEntry:
    mode: bytes
    name: bytes
    oid: str


def parse_tree(raw: bytes) -> list[TreeEntry]:
    """The entries of a raw tree object, exactly as stored (no name is cleaned up)."""
    entries: list[TreeEntry] = []
    i = 0
    while i < len(raw):
        space = raw.find(b" ", i)
        nul = raw.find(b"\0", space + 1) if space >= 0 else -1
        if space < 0 or nul < 0 or nul + 21 > len(raw):
            raise MalformedTree(say("screening.objects.parse_tree.1", i=i))
        mode = raw[i:space]
        if not mode.isdigit():
            raise MalformedTree(say("screening.objects.parse_tree.2", mode=mode[:12]))
        entries.append(TreeEntry(mode, raw[space + 1:nul], raw[nul + 1:nul + 21].hex()))
        i = nul + 21
    return entries


def display(name: bytes) -> str:
    return name.decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class EntryAt:
    """One tree entry where the walk found it: `path` is shown to people (a tag-reached tree
    is prefixed with the tag's ref), `depth` counts the entry's components inside its root."""
    path: str
    entry: TreeEntry
    tree: str


@dataclass
class NewObjects:
    """The push's new objects, grouped the way the rules read them."""
    oids: set[str] = field(default_factory=set)
    entries: list[EntryAt] = field(default_factory=list)       # every entry of every new tree
    blobs: dict[str, str] = field(default_factory=dict)         # new blob -> first path found
    tags: list[tuple[str, ParsedTag]] = field(default_factory=list)  # (ref, tag), nested too
    roots: list[tuple[str, str]] = field(default_factory=list)  # (root tree, where)
    longest: dict[str, tuple[int, int]] = field(default_factory=dict)  # tree -> (bytes, depth)
    broken: list[tuple[str, str]] = field(default_factory=list)  # (where, why)
    duplicates: list[str] = field(default_factory=list)  # paths named twice in one tree


def walk(reader: Reader, repo: object, env: Mapping[str, str], tips: Iterable[tuple[str, str]],
         commits: Iterable[ParsedCommit]) -> NewObjects:
    """One walk over everything the tips reach that no existing ref reaches."""
    found = NewObjects()
    tips = [(ref, oid) for ref, oid in tips]
    if not tips:
        return found
    stdin = "".join(f"{oid}\n" for _, oid in tips).encode()
    try:
        out = git("rev-list", "--objects", "--no-object-names", "--stdin", "--not", "--all",
                  cwd=repo, env=env, input=stdin)  # type: ignore[arg-type]
    except GitError as exc:
        found.broken.append((say("screening.objects.walk.1"), str(exc)[-200:]))
        return found
    found.oids = set(out.split())
    for commit in commits:
        found.roots.append((commit.tree, ""))
    for ref, oid in tips:
        _peel(reader, found, ref, oid)
    _descend(reader, found)
    return found


def _peel(reader: Reader, found: NewObjects, ref: str, oid: str) -> None:
    """Follow a ref's tag chain to what it finally names; trees and blobs become roots."""
    for _ in range(MAX_TAG_CHAIN):
        got = reader.read(oid)
        if got is None:
            found.broken.append((ref, say("screening.objects._peel.1", oid=oid)))
            return
        _, kind, raw = got
        if kind == "tag":
            tag = parse_tag(oid, raw)
            if oid in found.oids:
                found.tags.append((ref, tag))
            oid = tag.object
            continue
        if kind == "tree":
            found.roots.append((oid, f"{ref}:"))
        elif kind == "blob" and oid in found.oids:
            found.blobs.setdefault(oid, ref)
        return
    found.broken.append((ref, say("screening.objects._peel.2", max_tag_chain=MAX_TAG_CHAIN)))


def _descend(reader: Reader, found: NewObjects) -> None:
    """Parse each new tree once (a tree reused at many paths is read once: no tree bombs).

    An entry identical to one already seen (same mode, name and object) is listed once: the
    trees of a flood of commits repeat nearly all their entries, and a name is judged by what
    it is, not by how often it occurs. Duplicate names inside one tree are listed apart."""
    shape: dict[str, tuple[int, list[tuple[int, str]]]] = {}  # tree -> (longest own name, subtrees)
    seen: set[tuple[bytes, bytes, str]] = set()
    queue: list[tuple[str, str]] = [(oid, prefix) for oid, prefix in found.roots if oid in found.oids]
    new = found.oids
    while queue:
        oid, prefix = queue.pop()
        if oid in shape:
            continue
        got = reader.read(oid)
        if got is None or got[1] != "tree":
            found.broken.append((prefix or "/", say("screening.objects._descend.1", oid=oid)))
            shape[oid] = (0, [])
            continue
        try:
            entries = parse_tree(got[2])
        except MalformedTree as exc:
            found.broken.append((prefix or "/", say("screening.objects._descend.2", oid=oid[:10], exc=exc)))
            shape[oid] = (0, [])
            continue
        own = 0
        kids: list[tuple[int, str]] = []
        names: set[bytes] = set()
        for entry in entries:
            size = len(entry.name)
            own = max(own, size)
            if entry.name in names:
                found.duplicates.append(prefix + display(entry.name))
            names.add(entry.name)
            key = (entry.mode, entry.name, entry.oid)
            if key not in seen:
                seen.add(key)
                found.entries.append(EntryAt(prefix + display(entry.name), entry, oid))
            if entry.oid not in new:
                continue
            if entry.mode == TREE_MODE:
                kids.append((size, entry.oid))
                if entry.oid not in shape:
                    queue.append((entry.oid, prefix + display(entry.name) + "/"))
            elif entry.mode.startswith(b"100") and entry.oid not in found.blobs:
                found.blobs[entry.oid] = prefix + display(entry.name)
        shape[oid] = (own, kids)
    found.longest = _extent(shape)


def _extent(shape: dict[str, tuple[int, list[tuple[int, str]]]]) -> dict[str, tuple[int, int]]:
    """For each new tree, the longest path (bytes) and the depth below it, computed bottom-up
    over the object graph (iteratively: a hostile tree may be thousands of levels deep)."""
    done: dict[str, tuple[int, int]] = {}
    for start in shape:
        if start in done:
            continue
        stack = [(start, False)]
        while stack:
            oid, expanded = stack.pop()
            if oid in done:
                continue
            own, kids = shape.get(oid, (0, []))
            if not expanded:
                stack.append((oid, True))
                stack.extend((kid, False) for _, kid in kids if kid not in done and kid in shape)
                continue
            longest, depth = own, 1 if own or kids else 0
            for size, kid in kids:
                below = done.get(kid, (0, 0))
                longest = max(longest, size + 1 + below[0])
                depth = max(depth, 1 + below[1])
            done[oid] = (longest, depth)
    return done
