"""Classified material stays on paper (Art. 2, 40): any 密级 marking in front matter, text, a file
name, a commit or tag message or a ref name is refused, pointing to the paper channel. What a
marking is, and how it is found as a reader sees it, is `repo_tools.screening.markings`.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.messages import say
from repo_tools.screening.markings import (  # noqa: F401 - names kept for callers of this module
    FRONT_MATTER_KEYS,
    LEVEL,
    LEVELS,
    marking_in,
    name_marking,
    path_problem,
    text_problem,
)
from repo_tools.screening.text import decode

if TYPE_CHECKING:
    from repo_tools.git.push import Push


def check_name(path: str, where: str | None = None) -> Iterator[Refusal]:
    where = where or path
    problem = path_problem(path)
    if problem:
        yield refusal("classified", where, path=where, detail=problem)


def check_text(path: str, text: str) -> Iterator[Refusal]:
    problem = text_problem(text)
    if problem:
        yield refusal("classified", path, path=path, detail=problem)


def check_classification(path: str, data: bytes) -> Iterator[Refusal]:
    yield from check_name(path)
    text = decode(data)
    if text is None:
        return
    yield from check_text(path, text)


def messages_unmarked(push: Push) -> Iterator[Refusal]:
    """Commit and tag messages and ref names are content too (review opinions are published):
    no marking in any of them."""
    for update in push.updates:
        if not update.is_delete:
            yield from check_name(update.ref.removeprefix("refs/"), where=update.ref)
    for commit in push.new_commits:
        found = marking_in(commit.message)
        if found:
            where = say("hook.rules_classification.messages_unmarked.1", oid=commit.oid[:10])
            yield refusal("classified", where, path=where, detail=say("hook.rules_classification.messages_unmarked.2", found=found))
    tags = {tag.oid: (ref, tag) for ref, tag in push.new_objects.tags}
    tags.update({tag.oid: (update.ref, tag) for update, tag in push.new_tags})
    for ref, tag in tags.values():
        found = marking_in(tag.message)
        if found:
            where = say("hook.rules_classification.messages_unmarked.3", ref=ref)
            yield refusal("classified", where, path=where, detail=say("hook.rules_classification.messages_unmarked.2", found=found))
