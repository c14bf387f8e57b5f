"""Helpers for the key and seal tests: a sealing merge built by hand following the BRIEF
contract (until `repo_tools.sealing` lands), and an object placed on the server *without* a
push through the hook (a restored backup, a tampered server) to test what verification says."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass

from fixtures import Workspace
from repo_tools import eventlog
from repo_tools.gitrepo import Scratch, Signer, clean_env, git, push, rev_parse

DOC = """---
type: 通知
title: 关于印发《六安市协同办公系统管理办法》的通知
recipients: [各县区人民政府]
date: 2013-03-21
---

现将《六安市协同办公系统管理办法》印发给你们，请认真贯彻执行。
"""


@dataclass
class Sealed:
    merge: str
    mr_head: str
    tags: dict[str, str]
    path: str
    number: str


def open_request(ws: Workspace, unit: str, author: str, path: str = "documents/2013/oa-measures",
                 n: int = 1, text: str = DOC) -> str:
    """The author pushes the draft to refs/heads/mr/<n>; returns the MR head."""
    work = ws.clone(unit, author)
    head = ws.commit(work, {f"{path}/index.md": text}, "拟稿：办法")
    proc = ws.push(work, f"HEAD:refs/heads/mr/{n}")
    assert proc.returncode == 0, proc.stderr
    return head


def approve(ws: Workspace, unit: str, reviewer: str, head: str, n: int = 1,
            opinion: str = "同意印发。") -> str:
    """A signed review verdict at refs/reviews/<n>/<reviewer>; returns the tag object id."""
    with Scratch(ws.city.unit_repo(unit), ws.city.signer(reviewer)) as scratch:
        tag = scratch.tag(f"review-{n}-{reviewer}", head, f"approve\n\n{opinion}")
        scratch.push([f"{tag}:refs/reviews/{n}/{reviewer}"])
    return tag


def seal_signer(ws: Workspace, unit: str, seal_id: str | None = None) -> Signer:
    reg = ws.city.registry()
    seal = reg.seal(seal_id) if seal_id else reg.active_seal(unit)
    assert seal is not None
    owner = reg.unit(seal.unit)
    return ws.city.seal_signer(seal, owner.name if owner else seal.unit)


def merge_commit(ws: Workspace, unit: str, signer: Signer, head: str, tags: dict[str, str], path: str,
                 number: str, seal_id: str, n: int = 1) -> tuple[Scratch, str]:
    """Write (not push) a sealing merge signed by `signer`; the caller pushes and closes."""
    scratch = Scratch(ws.city.unit_repo(unit), signer)
    index = f"{path}/index.md"
    text = git("cat-file", "blob", f"{head}:{index}", cwd=scratch.dir, env=scratch.env)
    sealed = text.replace("date: 2013-03-21\n", f"date: 2013-03-21\nnumber: {number}\nsealed_on: 2013-03-21\n")
    trailers = [f"Merge-Request: {n}"] + [f"Approval: refs/reviews/{n}/{r} {t}" for r, t in tags.items()]
    trailers += [f"Sealed-Document: {index} {number}", f"Seal: {seal_id}"]
    message = f"盖章合并：{number}\n\n" + "\n".join(trailers)
    parents = [p for p in [scratch.base, head] if p]
    oid = scratch.commit({index: sealed.encode()}, message, parents=parents, base_tree=head)
    return scratch, oid


def seal_document(ws: Workspace, unit: str = "lagov", author: str = "zhang", reviewers: tuple[str, ...] = ("li",),
                  custodian: str = "zhao", number: str = "六政办〔2013〕1号", n: int = 1,
                  path: str = "documents/2013/oa-measures", seal_id: str | None = None) -> Sealed:
    """Open, approve and seal a document through the real hooks; returns what was made."""
    head = open_request(ws, unit, author, path, n)
    tags = {r: approve(ws, unit, r, head, n) for r in reviewers}
    signer = seal_signer(ws, unit, seal_id)
    reg = ws.city.registry()
    holder = reg.key_holder(signer.fingerprint)
    assert holder is not None
    scratch, oid = merge_commit(ws, unit, signer, head, tags, path, number, holder.id, n)
    try:
        push(scratch.dir, scratch.bare, [f"{oid}:refs/heads/main"], ws.city.signer(custodian))
    finally:
        scratch.close()
    return Sealed(oid, head, tags, path, number)


def place_without_hook(ws: Workspace, unit: str, source: str, oid: str, ref: str, log: bool = True) -> None:
    """Bring an object into a unit's bare repo by fetching (no receive hook). With `log`, append a
    push entry for it, as if a push had brought it now: its trusted time is then known."""
    bare = ws.city.unit_repo(unit)
    git("fetch", "-q", source, f"{oid}:{ref}", cwd=bare, env=clean_env())
    if log:
        ws.city.log("push", repo=unit, repo_kind="unit", updates=[{"ref": ref, "old": "0" * 40, "new": oid}],
                    pusher=None, key=None, certificate_id=None, certificate=None, objects=[oid])


def trusted_time(ws: Workspace, oid: str, unit: str = "lagov") -> str:
    return eventlog.trusted_times(ws.city.log_file, unit)[oid]


def main_of(ws: Workspace, unit: str = "lagov") -> str | None:
    return rev_parse(ws.city.unit_repo(unit), "refs/heads/main", env=clean_env())


def stock_git(args: list[str], cwd, gnupghome) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**clean_env(), "GNUPGHOME": str(gnupghome)}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
