"""Every entry of every tree a push brings (Art. 40): no name that a checkout would turn into
`.git`, `..` or another path, no slash or NUL, bounded names and paths, no symlinks, no
submodules, no `.gitmodules`; and no tree or object git itself cannot read."""
from __future__ import annotations

from collections.abc import Iterator

from repo_tools.git.push import Push
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.messages import say
from repo_tools.screening.names import MAX_DEPTH, MAX_PATH_BYTES, mode_problem, name_problem


def trees_valid(push: Push) -> Iterator[Refusal]:
    objects = push.new_objects
    for where, why in objects.broken:
        yield refusal("object-broken", where, place=where, detail=why)
    for at in objects.entries:
        problem = name_problem(at.entry.name) or mode_problem(at.entry)
        if problem:
            yield refusal("tree-entry", at.path, path=at.path, detail=problem)
    for path in objects.duplicates:
        yield refusal("tree-entry", path, path=path, detail=say("hook.rules_trees.trees_valid.1"))
    for root, where in objects.roots:
        longest, depth = objects.longest.get(root, (0, 0))
        if longest > MAX_PATH_BYTES or depth > MAX_DEPTH:
            yield refusal("tree-too-deep", where or "/", place=where or say("hook.rules_trees.trees_valid.2"), length=longest,
                          depth=depth, max_length=MAX_PATH_BYTES, max_depth=MAX_DEPTH)
