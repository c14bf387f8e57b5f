"""Helpers for the key and seal tests: a document sealed the real way (`review` and
`sealing.merge`), a sealing merge built by hand for the tests that need an invalid one (another
unit's seal), and an object placed on the server *without* a push through the hook (a restored
backup, a tampered server) to test what verification says."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass

from fixtures import Workspace, run, signed_off

from repo_tools import timeutil
from repo_tools.documents import frontmatter
from repo_tools.git.repo import Scratch, Signer, clean_env, git, rev_parse
from repo_tools.log import eventlog
from repo_tools.review import requests as review
from repo_tools.seal import sealing

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
    """Write (not push) a sealing merge by hand, signed by `signer`; the caller pushes and closes.
    Only for merges a test needs to be invalid: valid ones come from `seal_document`."""
    scratch = Scratch(ws.city.unit_repo(unit), signer)
    index = f"{path}/index.md"
    text = git("cat-file", "blob", f"{head}:{index}", cwd=scratch.dir, env=scratch.env)
    sealed = frontmatter.set_fields(text, {"number": number, "sealed_on": timeutil.today()})
    trailers = [f"Merge-Request: {n}"] + [f"Approval: refs/reviews/{n}/{r} {t}" for r, t in tags.items()]
    trailers += [f"Sealed-Document: {index} {number}", f"Seal: {seal_id}"]
    message = f"盖章合并：{number}\n\n" + "\n".join(trailers)
    parents = [p for p in [scratch.base, head] if p]
    oid = scratch.commit({index: sealed.encode()}, message, parents=parents, base_tree=head)
    return scratch, oid


def seal_document(ws: Workspace, unit: str = "lagov", author: str = "zhang", reviewers: tuple[str, ...] = ("li",),
                  custodian: str = "zhao", path: str = "documents/2013/oa-measures",
                  opinion: str = "同意印发。") -> Sealed:
    """Draft, open, approve and seal a document the real way (`oa review merge`); returns what was made."""
    work = ws.clone(unit, author)
    run(["git", "checkout", "-q", "-b", f"draft/{work.name}"], work)
    ws.commit(work, {f"{path}/index.md": DOC}, "拟稿：办法")
    n = review.open_request(ws.city, unit, author, title="拟稿：办法", workdir=work)
    tags = {r: review.approve(ws.city, unit, n, r, opinion) for r in reviewers}
    signed_off(ws.city, unit, n)
    result = sealing.merge(ws.city, unit, n, custodian)
    head = rev_parse(ws.city.unit_repo(unit), f"refs/heads/mr/{n}", env=clean_env())
    assert head is not None and [s["index"] for s in result.sealed] == [f"{path}/index.md"]
    return Sealed(result.merge, head, tags, path, result.sealed[0]["number"])


def sealed_document(ws: Workspace, reviewers: tuple[str, ...] = ("li",)) -> Sealed:
    """`seal_document(ws, reviewers=reviewers)` on the sample city, built once per test run and
    copied into this workspace's city (which must still be the sample city)."""
    return ws.prepare(f"sd-{'-'.join(reviewers)}", lambda w: seal_document(w, reviewers=reviewers))


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
