"""What the sealing merge may write into a document, and nothing else (Art. 17, 28): the 发文字号,
the seal date, and the 签发人 and 成文日期 of the 签发. Pure functions over the text, shared by
the merge that writes them (`seal.sealing`) and the hook rule that checks them
(`hook/rules/merges.py`), which must not import the writer.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from repo_tools.documents import frontmatter
from repo_tools.messages import say

SEALED_KEYS = ("number", "sealed_on", "signer", "date")  # signer, date: from the 签发 (workflow/issuing.py)


def document_year(meta: dict, index_path: str) -> int | None:
    """The year of a document's number: the year of its 成文日期, else of its folder."""
    value = meta.get("date")
    if isinstance(value, (date, datetime)):
        return value.year
    if isinstance(value, str) and re.match(r"^\d{4}-", value.strip()):
        return int(value.strip()[:4])
    parts = index_path.split("/")
    if len(parts) >= 2 and parts[1].isdigit() and len(parts[1]) == 4:
        return int(parts[1])
    return None


def _without_sealed_keys(text: str, keys: tuple[str, ...] = SEALED_KEYS) -> str:
    """The text with the front-matter lines of the keys the seal writes taken out (with the
    indented or `- ` continuation lines of a block value)."""
    match = frontmatter.FENCE.match(text)
    if not match:
        return text
    keep, skipping = [], False
    for line in match.group(1).split("\n"):
        if re.match(rf"^({'|'.join(keys)})\s*:", line):
            skipping = True
            continue
        if skipping and (line[:1] in (" ", "\t", "-") and line.strip()):
            continue
        skipping = False
        keep.append(line)
    return "\n".join(keep) + "\0" + text[match.end():]


def seal_edit_problem(before: str, after: str) -> str | None:
    """Why `after` is not `before` with only `number` and `sealed_on` set (None when it is)."""
    if _without_sealed_keys(before) != _without_sealed_keys(after):
        return say("seal.edits.seal_edit_problem.1")
    return None
