"""Hardening (issue 14) through real pushes: every object a push brings is screened, every tree
entry is checked, containers are opened, images are recognized by content, markings are found
after normalization, and a flood of commits is checked in one batch.

Objects are built with git's plumbing (`hash-object --literally` for trees git would refuse to
write), so each trick reaches the server exactly as a hostile client would send it. Each refusing
case has an accepting control of the same shape, and every refusal leaves refs, registry and log
unchanged.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from fixtures import Workspace, run
from repo_tools.gitrepo import clean_env, git

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PLAIN = "会议纪要正文。\n".encode()


class Raw:
    """Objects written directly into a clone's object store, as a hostile client could."""

    def __init__(self, ws: Workspace, unit: str = "lagov", user: str = "zhang") -> None:
        self.ws = ws
        self.work = ws.clone(unit, user)

    def obj(self, data: bytes, kind: str = "blob") -> str:
        proc = subprocess.run(["git", "hash-object", "-t", kind, "--literally", "-w", "--stdin"],
                              cwd=self.work, input=data, capture_output=True, check=True)
        return proc.stdout.decode().strip()

    def tree(self, *entries: tuple[bytes | str, bytes | str, str]) -> str:
        raw = b""
        for mode, name, oid in entries:
            mode_b = mode.encode() if isinstance(mode, str) else mode
            name_b = name.encode() if isinstance(name, str) else name
            raw += mode_b + b" " + name_b + b"\0" + bytes.fromhex(oid)
        return self.obj(raw, "tree")

    def file_tree(self, path: str, data: bytes, mode: str = "100644") -> str:
        """A tree holding one file at `path` (made of well-formed directories)."""
        parts = path.split("/")
        oid = self.obj(data)
        entry_mode = mode
        for name in reversed(parts):
            oid = self.tree((entry_mode, name, oid))
            entry_mode = "40000"
        return oid

    def commit(self, tree: str, message: str = "提交", parent: str | None = "HEAD") -> str:
        args = ["git", "commit-tree", "-S", tree, "-m", message]
        if parent:
            args += ["-p", run(["git", "rev-parse", parent], self.work).stdout.strip()]
        return run(args, self.work).stdout.strip()

    def tag(self, name: str, target: str, signed: bool = True) -> None:
        if signed:
            run(["git", "tag", "-s", "-m", f"标签 {name}", name, target], self.work)
        else:  # a lightweight tag (the clone signs every `git tag`, so write the ref itself)
            oid = run(["git", "rev-parse", target], self.work).stdout.strip()
            run(["git", "update-ref", f"refs/tags/{name}", oid], self.work)

    def push(self, *refspecs: str) -> subprocess.CompletedProcess[str]:
        return run(["git", "push", "--porcelain", "origin", *refspecs], self.work, check=False)


def fsck_off(ws: Workspace, unit: str = "lagov") -> None:
    """Switch git's own object checks off, so the hook's checks are what is tested."""
    git("config", "receive.fsckObjects", "false", cwd=ws.city.unit_repo(unit), env=clean_env())
    git("config", "transfer.fsckObjects", "false", cwd=ws.city.unit_repo(unit), env=clean_env())


def refused(ws: Workspace, before: dict, proc: subprocess.CompletedProcess[str], rule: str | None) -> None:
    assert proc.returncode != 0, proc.stdout + proc.stderr
    if rule is not None:
        assert f"[{rule}｜" in proc.stderr, proc.stderr
        assert "处理办法" in proc.stderr
    assert ws.snapshot() == before, "a refused push changed refs, registry or log"


def accepted(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stdout + proc.stderr


# 1. Objects other than commits ---------------------------------------------------------------

HOSTILE_BLOBS = [
    (EICAR, "malware"),
    ("---\ntitle: 方案\n---\n\n机密★1年\n".encode(), "classified"),
    (Path("/bin/true").read_bytes(), "executable"),
]


@pytest.mark.parametrize("data,rule", HOSTILE_BLOBS, ids=["eicar", "marking", "elf"])
@pytest.mark.parametrize("how", ["annotated", "lightweight", "tag-of-tag"])
def test_blob_only_a_tag_reaches_is_screened(ws: Workspace, data: bytes, rule: str, how: str) -> None:
    raw = Raw(ws)
    blob = raw.obj(data)
    if how == "tag-of-tag":
        raw.tag("inner", blob)
        raw.tag("outer", "inner")
        spec = "refs/tags/outer:refs/tags/outer"
    else:
        raw.tag("t", blob, signed=how == "annotated")
        spec = "refs/tags/t:refs/tags/t"
    before = ws.snapshot()
    proc = raw.push(spec)
    refused(ws, before, proc, rule)
    assert "refs/tags/" in proc.stderr  # the tag names the blob's place


@pytest.mark.parametrize("how", ["annotated", "lightweight", "tag-of-tag"])
def test_plain_blob_or_tree_under_a_tag_is_accepted(ws: Workspace, how: str) -> None:
    raw = Raw(ws)
    target = raw.obj(PLAIN) if how != "lightweight" else raw.file_tree("纪要/正文.txt", PLAIN)
    if how == "tag-of-tag":
        raw.tag("inner", target)
        raw.tag("outer", "inner")
        accepted(raw.push("refs/tags/outer:refs/tags/outer"))
    else:
        raw.tag("t", target, signed=how == "annotated")
        accepted(raw.push("refs/tags/t:refs/tags/t"))


@pytest.mark.parametrize("how", ["annotated", "lightweight"])
def test_tree_only_a_tag_reaches_is_screened(ws: Workspace, how: str) -> None:
    raw = Raw(ws)
    tree = raw.tree(("40000", "附件", raw.tree(("100644", "样本.txt", raw.obj(EICAR)))))
    raw.tag("t", tree, signed=how == "annotated")
    before = ws.snapshot()
    proc = raw.push("refs/tags/t:refs/tags/t")
    refused(ws, before, proc, "malware")
    assert "附件/样本.txt" in proc.stderr


def test_unsigned_inner_tag_of_a_signed_tag_is_refused(ws: Workspace) -> None:
    raw = Raw(ws)
    commit = run(["git", "rev-parse", "HEAD"], raw.work).stdout.strip()
    run(["git", "-c", "tag.gpgSign=false", "tag", "-a", "-m", "内层", "inner", commit], raw.work)
    raw.tag("outer", "inner")
    before = ws.snapshot()
    refused(ws, before, raw.push("refs/tags/outer:refs/tags/outer"), "tag-unsigned")


def test_blob_reached_by_a_commit_and_a_tag_is_refused_once(ws: Workspace) -> None:
    raw = Raw(ws)
    blob = raw.obj(EICAR)
    commit = raw.commit(raw.tree(("100644", "a.txt", blob)))
    raw.tag("t", blob)
    before = ws.snapshot()
    proc = raw.push(f"{commit}:refs/heads/draft/x", "refs/tags/t:refs/tags/t")
    refused(ws, before, proc, "malware")


# 2. Trees and paths -----------------------------------------------------------------------------

HOSTILE_NAMES = [
    b".git", b".GIT", b".Git", b".git ", b".git.", b".git. . ", b"git~1", b"GIT~2",
    ".g\u200cit".encode(), ".gi\ufefft".encode(), "\uff0e\uff47\uff49\uff54".encode(),  # ．ｇｉｔ
    ".\u200bgit".encode(), b".gitmodules", b".GITMODULES", b"gitmod~1", b".gitattributes",
    b"..", b".", ". .", b"a/b", b"..\\evil", b"x\ny", b"\xff\xfe", b"nul.txt", b"CON", b"a:b",
    b"report.txt ", b"x" * 256,
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=lambda n: repr(n)[:30])
def test_hostile_tree_entry_names_refused_by_the_hook(ws: Workspace, name: bytes) -> None:
    fsck_off(ws)  # the hook alone must refuse it
    raw = Raw(ws)
    inner = raw.tree(("100644", "config", raw.obj(b"[core]\n")))
    tree = raw.tree(("40000", name, inner))
    before = ws.snapshot()
    refused(ws, before, raw.push(f"{raw.commit(tree)}:refs/heads/draft/x"), "tree-entry")


@pytest.mark.parametrize("name", [b".git", b".GIT", b"..", b"a/b", ".g\u200cit".encode(), b"git~1",
                                  b".gitmodules"], ids=repr)
def test_hostile_names_refused_with_git_object_checks_on(ws: Workspace, name: bytes) -> None:
    raw = Raw(ws)  # receive.fsckObjects is on in every repository the city creates
    tree = raw.tree(("40000", name, raw.tree(("100644", "config", raw.obj(b"[core]\n")))))
    before = ws.snapshot()
    refused(ws, before, raw.push(f"{raw.commit(tree)}:refs/heads/draft/x"), None)


@pytest.mark.parametrize("name", ["git.md", "gitee说明", "备注.md", "会议纪要（第一次）",
                                  "a.b.c", "x" * 255, "２０２６年", "git~说明"])
def test_ordinary_names_of_the_same_shape_accepted(ws: Workspace, name: str) -> None:
    fsck_off(ws)
    raw = Raw(ws)
    tree = raw.tree(("40000", name, raw.tree(("100644", "正文.txt", raw.obj(PLAIN)))))
    accepted(raw.push(f"{raw.commit(tree)}:refs/heads/draft/x"))


@pytest.mark.parametrize("mode,what", [("120000", "符号链接"), ("160000", "子模块"), ("100664", "模式"),
                                       ("100600", "模式"), ("644", "模式")])
def test_symlinks_submodules_and_odd_modes_refused(ws: Workspace, mode: str, what: str) -> None:
    fsck_off(ws)
    raw = Raw(ws)
    target = raw.obj(b"/etc/passwd") if mode != "160000" else "1" * 40
    tree = raw.tree(("100644", "a.txt", raw.obj(PLAIN)), (mode, "b", target))
    before = ws.snapshot()
    proc = raw.push(f"{raw.commit(tree)}:refs/heads/draft/x")
    refused(ws, before, proc, "tree-entry")
    assert what in proc.stderr


@pytest.mark.parametrize("mode", ["100644", "100755"])
def test_regular_and_executable_bit_files_accepted(ws: Workspace, mode: str) -> None:
    raw = Raw(ws)
    tree = raw.tree(("100644", "a.txt", raw.obj(PLAIN)), (mode, "b.txt", raw.obj(b"text\n")))
    accepted(raw.push(f"{raw.commit(tree)}:refs/heads/draft/x"))


def test_symlink_under_a_tag_refused(ws: Workspace) -> None:
    fsck_off(ws)
    raw = Raw(ws)
    raw.tag("t", raw.tree(("120000", "link", raw.obj(b"../../etc/passwd"))), signed=False)
    before = ws.snapshot()
    refused(ws, before, raw.push("refs/tags/t:refs/tags/t"), "tree-entry")


def test_duplicate_entries_refused(ws: Workspace) -> None:
    fsck_off(ws)
    raw = Raw(ws)
    tree = raw.tree(("100644", "a.txt", raw.obj(PLAIN)), ("100644", "a.txt", raw.obj(EICAR[:5])))
    before = ws.snapshot()
    refused(ws, before, raw.push(f"{raw.commit(tree)}:refs/heads/draft/x"), "tree-entry")


@pytest.mark.parametrize("depth,ok", [(60, True), (70, False)])
def test_path_depth_bounded(ws: Workspace, depth: int, ok: bool) -> None:
    raw = Raw(ws)
    tree = raw.file_tree("/".join(["d"] * (depth - 1) + ["f.txt"]), PLAIN)
    proc = raw.push(f"{raw.commit(tree)}:refs/heads/draft/x")
    if ok:
        accepted(proc)
    else:
        assert proc.returncode != 0 and "[tree-too-deep｜" in proc.stderr, proc.stderr


def test_path_length_bounded_even_when_a_subtree_is_shared(ws: Workspace) -> None:
    """A subtree used at a short and a long path is read once, but judged at its longest."""
    raw = Raw(ws)
    leaf = raw.file_tree("f.txt", PLAIN)
    shared = raw.tree(("40000", "s" * 200, leaf))
    deep = shared
    for i in range(20):  # 20 levels of 200-byte names: over 4,096 bytes
        deep = raw.tree(("40000", f"{i:02d}" + "d" * 198, deep))
    tree = raw.tree(("40000", "a", shared), ("40000", "b", deep))
    before = ws.snapshot()
    refused(ws, before, raw.push(f"{raw.commit(tree)}:refs/heads/draft/x"), "tree-too-deep")


def test_city_repositories_have_fsck_on_and_reinstall_restores_it(ws: Workspace) -> None:
    from repo_tools.city import reinstall_hooks
    repo = ws.city.unit_repo("jyj")
    assert git("config", "receive.fsckObjects", cwd=repo, env=clean_env()).strip() == "true"
    git("config", "receive.fsckObjects", "false", cwd=repo, env=clean_env())
    assert repo in reinstall_hooks(ws.city)
    assert git("config", "receive.fsckObjects", cwd=repo, env=clean_env()).strip() == "true"
    assert git("config", "oa.unit", cwd=repo, env=clean_env()).strip() == "jyj"
