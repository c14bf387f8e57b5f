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
from repo_tools.git.push import Push
from repo_tools.git.repo import list_tree
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.seal import numbering

MAIN = "refs/heads/main"


def documents_valid(push: Push) -> Iterator[Refusal]:
    from repo_tools.documents.model import check_folder, folder_of  # documents imports policy.base: import late
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


def _number_unique(push: Push, tip: str, folder: str, index: bytes) -> Iterator[Refusal]:
    """No other document of the same year on `main` carries this number.

    Documents live under documents/<year of 成文日期>/ and a number's year is that year, so
    looking in one year's folder finds every rival without reading the whole repository."""
    meta, _ = frontmatter.split(index.decode("utf-8"))
    number = numbering.parse(str(meta.get("number") or ""))
    if number is None:
        return
    mine = f"{folder}/index.md"
    for path, blob in sorted(list_tree(push.repo, tip, f"documents/{number.year}", env=push.env).items()):
        if path == mine or not path.endswith("/index.md"):
            continue
        try:
            other, _ = frontmatter.split(push.blob(blob).decode("utf-8"))
        except (frontmatter.FrontMatterError, UnicodeDecodeError):
            continue
        if numbering.parse(str(other.get("number") or "")) == number:
            yield refusal("doc-number-duplicate", mine, number=str(number), other=path)
