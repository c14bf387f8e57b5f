"""发文字号 (document numbers): `<机关代字>〔<year>〕<n>号`, unique per agency code and year,
allocated from what is on `main` (ARCHITECTURE.md "Merge requests, approval and the seal")."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from repo_tools.documents import frontmatter
from repo_tools.git.repo import ObjectReader, clean_env, list_tree
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
            try:
                meta, _ = frontmatter.split((reader.blob(blob) or b"").decode("utf-8"))
            except (frontmatter.FrontMatterError, UnicodeDecodeError):
                continue
            number = parse(str(meta.get("number") or ""))
            if number:
                found[path] = number
    return found


def next_number(repo: str | Path, code: str, year: int, rev: str = "refs/heads/main",
                floor: int = 0) -> DocumentNumber:
    """The next free number for an agency code and year on `rev` (at least `floor` + 1)."""
    used = [n.n for n in numbers_on(repo, rev).values() if n.code == code and n.year == year]
    return DocumentNumber(code, year, max([floor, *used]) + 1)
