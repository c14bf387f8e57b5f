"""Signed objects written through a scratch repository: the same act repeated within one
second is a new object, so its push is never a push that changes nothing."""
from __future__ import annotations

from fixtures import Workspace

from repo_tools.git.repo import Scratch, clean_env, git

DOC = """---
type: 通知
title: 六安市人民政府办公室关于重复提交的通知
recipients:
  - 六安市教育局
date: 2026-11-20
---

同一内容。
"""


def test_a_commit_or_tag_repeated_after_its_push_is_a_new_object(ws: Workspace) -> None:
    bare = ws.city.unit_repo("lagov")
    signer = ws.city.signer("zhang")
    with Scratch(bare, signer) as scratch:
        changes = {"documents/2026/repeat/index.md": DOC.encode()}
        first = scratch.commit(changes, "草稿", parent=scratch.base)
        scratch.push([f"{first}:refs/heads/draft/repeat"])
        again = scratch.commit(changes, "草稿", parent=scratch.base)
        assert again != first
        assert git("rev-parse", f"{again}^{{tree}}", cwd=scratch.dir, env=clean_env()) == \
            git("rev-parse", f"{first}^{{tree}}", cwd=scratch.dir, env=clean_env())
        tag = scratch.tag("repeat", first, "同意。")
        scratch.push([f"+{tag}:refs/tags/repeat"])
        assert scratch.tag("repeat", first, "同意。") != tag
