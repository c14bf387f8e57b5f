"""Archive packages as they lie in a unit repository (Art. 34-37, GB/T 18894): the package folders
`archive/<year>/<batch>/`, their tags, the SHA-256 manifest and the catalogue, and reading them
from any revision. Pure: the package builder (`archive.packages`) writes this layout and the
hook's archive rules check it, without importing the builder (nor `verify`, which it uses).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from repo_tools.archive.vocabulary import REFERENCE
from repo_tools.git.repo import ObjectReader

MAIN = "refs/heads/main"
TAG_NAME = re.compile(r"^archive/(?P<year>\d{4})(?:-(?P<batch>[1-9]\d*))?$")
PACKAGE_FILE = re.compile(r"^archive/(?P<year>\d{4})/(?P<batch>[1-9]\d*)/(?P<rest>.+)$")
MANIFEST = "manifest-sha256.txt"
CATALOGUE = "catalogue.json"
DOCUMENT_INDEX = re.compile(r"^documents/(?P<year>\d{4})/[^/]+/index\.md$")
BULLETIN_INDEX = re.compile(r"^bulletins/[^/]+/(?P<year>\d{4})-\d{2}-\d{2}-[^/]+/index\.md$")


# Names ------------------------------------------------------------------------------------
def tag_name(year: int, batch: int) -> str:
    """The archive tag of a package (without `refs/tags/`)."""
    return f"archive/{year}" if batch == 1 else f"archive/{year}-{batch}"


def package_of_tag(name: str) -> tuple[int, int] | None:
    """(year, batch) of an archive tag name (with or without `refs/tags/`), or None."""
    match = TAG_NAME.match(name.removeprefix("refs/tags/"))
    if not match:
        return None
    return int(match["year"]), int(match["batch"] or 1)


def package_path(year: int, batch: int) -> str:
    return f"archive/{year}/{batch}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_text(files: dict[str, bytes]) -> bytes:
    """`<sha256>  <path>` per file (paths relative to the package), sorted: BagIt's form."""
    lines = [f"{sha256(data)}  {path}\n" for path, data in sorted(files.items())]
    return "".join(lines).encode("utf-8")


def parse_manifest(data: bytes) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in data.decode("utf-8").splitlines():
        if line.strip():
            digest, _, path = line.partition("  ")
            entries[path] = digest.strip().lower()
    return entries


# Reading packages from any revision (library and hook alike) ----------------------------------
def tree_entries(reader: ObjectReader, spec: str) -> dict[str, tuple[str, str]]:
    """name -> (mode, oid) of the tree at `spec` (`<rev>:<path>`), empty when absent."""
    got = reader.read(spec)
    if not got or got[1] != "tree":
        return {}
    raw, out, pos = got[2], {}, 0
    while pos < len(raw):
        space = raw.index(b" ", pos)
        nul = raw.index(b"\0", space)
        mode = raw[pos:space].decode()
        name = raw[space + 1:nul].decode("utf-8", "surrogateescape")
        out[name] = (mode, raw[nul + 1:nul + 21].hex())
        pos = nul + 21
    return out


class Numbered:
    """A package's folder and tag follow from its year and batch."""
    year: int
    batch: int

    @property
    def path(self) -> str:
        return package_path(self.year, self.batch)

    @property
    def tag(self) -> str:
        return tag_name(self.year, self.batch)


@dataclass
class PackageInfo(Numbered):
    """One archive package as it stands on a revision."""
    year: int
    batch: int
    catalogue: dict[str, Any]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return list(self.catalogue.get("rows", []))


def read_packages(reader: ObjectReader, rev: str, year: int | None = None) -> list[PackageInfo]:
    """Every package on `rev` (of one year when given), by year and batch."""
    found: list[PackageInfo] = []
    years = tree_entries(reader, f"{rev}:archive")
    for name in sorted(years):
        if not re.fullmatch(r"\d{4}", name) or (year is not None and int(name) != year):
            continue
        for batch in sorted(tree_entries(reader, f"{rev}:archive/{name}"), key=lambda b: (len(b), b)):
            if not re.fullmatch(r"[1-9]\d*", batch):
                continue
            data = reader.blob(f"{rev}:archive/{name}/{batch}/{CATALOGUE}")
            try:
                catalogue = json.loads(data.decode("utf-8")) if data else {}
            except (UnicodeDecodeError, json.JSONDecodeError):
                catalogue = {}
            found.append(PackageInfo(int(name), int(batch), catalogue if isinstance(catalogue, dict) else {}))
    return found


def archived_sources(reader: ObjectReader, rev: str) -> dict[str, str]:
    """Source folder on `main` -> 档号, for every item archived on `rev`."""
    sources: dict[str, str] = {}
    for package in read_packages(reader, rev):
        for row in package.rows:
            if row.get("source"):
                sources[str(row["source"]).rstrip("/")] = str(row.get(REFERENCE, ""))
    return sources
