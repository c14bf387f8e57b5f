"""Every 公文 and 信息 a push touches must pass the document rules (Art. 28(1)), on every branch,
so an invalid document never reaches the server, let alone `main`.

A folder is "touched" when a new commit adds, changes or deletes any file in it; it is then
checked as it stands in the tree of each pushed branch tip (an attachment deleted in a later
commit counts). Drafts and merge requests (`refs/heads/*` but `main`) carry no number; `main`
carries the number the sealing merge wrote, unique per agency code and year. Other refs (review
verdicts, inbox deliveries, archive tags) point at content checked when it was pushed or sealed.
"""
from __future__ import annotations

from collections.abc import Iterator

from repo_tools.documents import frontmatter
from repo_tools.documents.model import check_folder, folder_of
from repo_tools.git.push import Push
from repo_tools.git.repo import list_tree
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.seal import numbering

MAIN = "refs/heads/main"


def documents_valid(push: Push) -> Iterator[Refusal]:
    if push.kind != "unit" or push.unit is None:
        return
    unit = push.registry.unit(push.unit)
    if unit is None:
        return
    touched: dict[str, str] = {}
    for changed in push.changed_files:
        found = folder_of(changed.path)
        if found:
            touched[found[1]] = found[0]
    if not touched:
        return
    today = push.now.date()
    seen: set[str] = set()
    for update in push.updates:
        if update.is_delete or not update.ref.startswith("refs/heads/"):
            continue
        on_main = update.ref == MAIN
        for folder, kind in sorted(touched.items()):
            files = list_tree(push.repo, update.new, folder, env=push.env)
            names = {path[len(folder) + 1:]: blob for path, blob in files.items()}
            index = push.blob(names["index.md"]) if "index.md" in names else None
            problems = check_folder(kind, folder, index, set(names), unit, on_main, today, push.registry)
            if on_main and kind == "document" and index is not None and not problems:
                problems = list(_number_unique(push, update.new, folder, index))
            for item in problems:
                text = item.text()
                if text not in seen:
                    seen.add(text)
                    yield item


def number_index(push: Push) -> numbering.NumberIndex:
    """One index of the numbers on `main` per push, brought up to the old `main` (accepted)."""
    index = push.__dict__.get("_number_index")
    if index is None:
        index = numbering.NumberIndex(push.repo, push.env, push.reader)
        old = next((u.old for u in push.updates if u.ref == MAIN and not u.is_create), None)
        index.advance(old or _main(push))
        push.__dict__["_number_index"] = index
    return index


def _main(push: Push) -> str | None:
    got = push.reader.read(MAIN)
    return got[0] if got and got[1] == "commit" else None


def _number_unique(push: Push, tip: str, folder: str, index: bytes) -> Iterator[Refusal]:
    """No other document on `main` carries this number: asked of the number index at the new
    tip (what this push changes, read from the push), never of every document on `main`."""
    meta, _ = frontmatter.split(index.decode("utf-8"))
    number = numbering.parse(str(meta.get("number") or ""))
    if number is None:
        return
    mine = f"{folder}/index.md"
    for path in number_index(push).owners(number, at=tip):
        if path != mine:
            yield refusal("doc-number-duplicate", mine, number=str(number), other=path)
