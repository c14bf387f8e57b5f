"""Archive rules (Art. 34-37, GB/T 18894): archive tags come only from the unit's archivists,
signed, pointing at a commit on `main` whose package matches its SHA-256 manifest, and are
never moved nor deleted; archive packages are only ever added, by an archivist's own commit;
once archived, an item's files on `main` never change (a correction is a new document); the
access register (`refs/heads/archive-register`) only grows, each entry signed by its reader.

`is_archive_commit(push, commit)` is the one exception to review on `main`: the main-merge
rule lets such a commit land without a merge request.
"""
from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator

from repo_tools.archive.packages import (
    CATALOGUE,
    MANIFEST,
    PACKAGE_FILE,
    package_of_tag,
    package_path,
    parse_manifest,
    read_packages,
    sha256,
    tree_entries,
)
from repo_tools.git.push import Push, RefUpdate
from repo_tools.git.repo import ParsedCommit, git, parse_commit
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.identity.judgement import may_sign

MAIN = "refs/heads/main"
ARCHIVE_TAGS = "refs/tags/archive/"
REGISTER = "refs/heads/archive-register"
ACCESS_FILE = re.compile(r"^archive/access/\d{4}/[^/]+\.json$")


def _short(oid: str) -> str:
    return oid[:10]


def _is_archivist(push: Push, person_id: str | None) -> bool:
    if not person_id:
        return False
    person = push.registry.person(person_id)
    return bool(person and person.unit == push.unit and person.status == "active"
                and "archivist" in person.roles)


def _signed_by_archivist(push: Push, oid: str, payload: bytes, signature: bytes | None) -> tuple[bool, str]:
    """(ok, who) for an object's signature: an active archivist of this unit, key valid now."""
    check = push.verifier.check(oid, payload, signature)
    if not check.valid or check.holder is None:
        return False, check.detail
    holder = check.holder
    if holder.kind != "person" or not may_sign(push.registry, holder, push.unit, push.now, at_push=True):
        return False, holder.name
    return _is_archivist(push, holder.id), holder.name


def _diff(push: Push, parent: str | None, commit: str) -> list[tuple[str, str]]:
    """(status, path) of every file a commit changes against its first parent."""
    return [(c.status, c.path) for c in push.diff(commit, parent)]


def _commit(push: Push, oid: str) -> ParsedCommit | None:
    got = push.reader.read(oid)
    return parse_commit(oid, got[2]) if got and got[1] == "commit" else None


def _first_parent_line(push: Push, update: RefUpdate) -> list[ParsedCommit]:
    """Commits a main update adds on its first-parent line, oldest first (new or not)."""
    if update.is_delete:
        return []
    span = update.new if update.is_create else f"{update.old}..{update.new}"
    out = git("rev-list", "--reverse", "--first-parent", span, cwd=push.repo, env=push.env)
    return [c for c in (_commit(push, oid) for oid in out.split()) if c is not None]


def is_archive_commit(push: Push, commit: ParsedCommit) -> bool:
    """True for an archivist's signed commit, pushed by an archivist, with one parent, that only
    adds files under a new `archive/<year>/<batch>/` folder: review-free archivist authority."""
    if len(commit.parents) != 1 or not _is_archivist(push, push.pusher_id):
        return False
    ok, _ = _signed_by_archivist(push, commit.oid, commit.payload, commit.signature)
    if not ok:
        return False
    changes = _diff(push, commit.parents[0], commit.oid)
    if not changes or any(status != "A" or not PACKAGE_FILE.match(path) for status, path in changes):
        return False
    batches = {path.split("/", 3)[1] + "/" + path.split("/", 3)[2] for _, path in changes}
    if len(batches) != 1:
        return False
    year, batch = next(iter(batches)).split("/")
    return not tree_entries(push.reader, f"{commit.parents[0]}:archive/{year}/{batch}")


def archive_tags(push: Push) -> Iterator[Refusal]:
    """Archive tags: created once, by an archivist, signed, over a package that matches."""
    tag_updates = [u for u in push.updates if u.ref.startswith(ARCHIVE_TAGS)]
    main_after = _main_after(push) if tag_updates else None
    for update in tag_updates:
        where = update.ref
        name = update.ref.removeprefix("refs/tags/")
        if not update.is_create:
            yield refusal("archive-tag-immutable", where, tag=name)
            continue
        named = package_of_tag(name)
        if named is None:
            yield refusal("archive-tag-name", where, tag=name)
            continue
        if not _is_archivist(push, push.pusher_id):
            yield refusal("archive-tag-archivist", where, tag=name, who=push.pusher_id or "（未知推送人）")
            continue
        got = push.reader.read(update.new)
        if not got or got[1] != "tag":
            yield refusal("archive-tag-unsigned", where, tag=name, detail="轻量标签，没有标签对象和签名")
            continue
        tag = next((t for u, t in push.new_tags if u == update), None)
        if tag is None or tag.signature is None:
            yield refusal("archive-tag-unsigned", where, tag=name, detail="标签对象没有签名")
            continue
        ok, who = _signed_by_archivist(push, tag.oid, tag.payload, tag.signature)
        if not ok:
            yield refusal("archive-tag-archivist", where, tag=name, who=who)
            continue
        yield from _tag_target(push, update, name, tag.type, tag.object, tag.message, named, main_after)


def _main_after(push: Push) -> str | None:
    for update in push.updates:
        if update.ref == MAIN:
            return None if update.is_delete else update.new
    proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", MAIN], cwd=push.repo, env=push.env,
                          capture_output=True, text=True)
    return proc.stdout.strip() or None


def _tag_target(push: Push, update: RefUpdate, name: str, target_type: str, target: str, message: str,
                named: tuple[int, int], main_after: str | None) -> Iterator[Refusal]:
    where = update.ref
    package = package_path(*named)

    def mismatch(detail: str) -> Refusal:
        return refusal("archive-manifest-mismatch", where, tag=name, package=package, detail=detail)

    if target_type != "commit":
        yield mismatch(f"标签指向 {target_type}，应指向提交")
        return
    if main_after is None or not push.is_ancestor(target, main_after):
        yield mismatch("标签所指提交不在 main 上")
        return
    files = _package_files(push, target, package)
    manifest = files.pop(MANIFEST, None)
    if manifest is None:
        yield mismatch("档案包或其清单不存在")
        return
    data = push.blob(manifest)
    declared = re.search(r"^Manifest-SHA256:\s*([0-9a-f]{64})\s*$", message, re.M)
    if declared is None or declared.group(1) != sha256(data):
        yield mismatch("标签说明中的清单 SHA-256 与清单文件不符")
    try:
        entries = parse_manifest(data)
    except UnicodeDecodeError:
        yield mismatch("清单不是 UTF-8 文本")
        return
    problems: list[str] = []
    for path in sorted(set(entries) - set(files)):
        problems.append(f"缺少 {path}")
    for path in sorted(set(files) - set(entries)):
        problems.append(f"清单未列出 {path}")
    for path in sorted(set(entries) & set(files)):
        if sha256(push.blob(files[path])) != entries[path]:
            problems.append(f"{path} 的 SHA-256 不符")
    if CATALOGUE not in files:
        problems.append(f"缺少 {CATALOGUE}")
    if problems:
        yield mismatch("；".join(problems[:5]) + ("……" if len(problems) > 5 else ""))


def _package_files(push: Push, commit: str, package: str) -> dict[str, str]:
    """Path relative to the package -> blob id, at `commit`."""
    out = git("ls-tree", "-r", "-z", commit, "--", package + "/", cwd=push.repo, env=push.env)
    files: dict[str, str] = {}
    for entry in out.split("\0"):
        if entry:
            meta, _, path = entry.partition("\t")
            parts = meta.split()
            if parts[1] == "blob":
                files[path[len(package) + 1:]] = parts[2]
    return files


def archive_on_main(push: Push) -> Iterator[Refusal]:
    """On `main`: packages are only added, by archive commits; archived items never change."""
    for update in push.updates:
        if update.ref != MAIN or update.is_delete:
            continue
        sources_at: dict[str, dict[str, str]] = {}
        for commit in _first_parent_line(push, update):
            if not commit.parents:
                continue
            parent = commit.parents[0]
            changes = _diff(push, parent, commit.oid)
            if parent not in sources_at:
                sources_at[parent] = _archived_sources(push, parent)
            sources = sources_at[parent]
            where = f"提交 {_short(commit.oid)}"
            package_changes = [(s, p) for s, p in changes if PACKAGE_FILE.match(p)]
            for status, path in package_changes:
                if status != "A":
                    yield refusal("archive-package-changed", where, commit=_short(commit.oid), path=path)
            if package_changes and all(s == "A" for s, _ in package_changes) \
                    and not is_archive_commit(push, commit):
                yield refusal("archive-package-writer", where, commit=_short(commit.oid),
                              detail=_why_not_archive(push, commit, changes))
            for _status, path in changes:
                folder = _archived_folder(path, sources)
                if folder is not None:
                    yield refusal("archive-item-changed", where, commit=_short(commit.oid), path=path,
                                  reference=sources[folder])


def _why_not_archive(push: Push, commit: ParsedCommit, changes: list[tuple[str, str]]) -> str:
    if not _is_archivist(push, push.pusher_id):
        return f"推送人 {push.pusher_id or '未知'} 不是本单位档案员"
    ok, who = _signed_by_archivist(push, commit.oid, commit.payload, commit.signature)
    if not ok:
        return f"提交签名人 {who} 不是本单位档案员"
    if len(commit.parents) != 1:
        return "归档提交不能是合并提交"
    if any(not PACKAGE_FILE.match(p) for _, p in changes):
        return "归档提交只能新增 archive/年度/批次/ 下的文件"
    return "只能新增一个新的档案包（不得向已有档案包添加文件）"


def _archived_folder(path: str, sources: dict[str, str]) -> str | None:
    parts = path.split("/")
    for depth in range(len(parts) - 1, 0, -1):
        folder = "/".join(parts[:depth])
        if folder in sources:
            return folder
    return None


def _archived_sources(push: Push, rev: str) -> dict[str, str]:
    sources: dict[str, str] = {}
    for package in read_packages(push.reader, rev):
        for row in package.rows:
            if row.get("source"):
                sources[str(row["source"]).rstrip("/")] = str(row.get("档号", ""))
    return sources


def access_register(push: Push) -> Iterator[Refusal]:
    """调阅登记 only grows: each new commit adds one reader's own signed records, nothing else."""
    for update in push.updates:
        if update.ref != REGISTER:
            continue
        where = update.ref
        if update.is_delete:
            yield refusal("archive-register-invalid", where, ref=update.ref, commit="（删除）",
                          detail="调阅登记不得删除")
            continue
        if not update.is_create and not push.is_ancestor(update.old, update.new):
            yield refusal("archive-register-invalid", where, ref=update.ref, commit=_short(update.new),
                          detail="不得改写调阅登记的历史")
            continue
        span = update.new if update.is_create else f"{update.old}..{update.new}"
        for oid in git("rev-list", "--reverse", span, cwd=push.repo, env=push.env).split():
            commit = _commit(push, oid)
            if commit is not None:
                detail = _register_commit_problem(push, commit)
                if detail:
                    yield refusal("archive-register-invalid", where, ref=update.ref,
                                  commit=_short(oid), detail=detail)


def _register_commit_problem(push: Push, commit: ParsedCommit) -> str | None:
    if len(commit.parents) > 1:
        return "不能是合并提交"
    check = push.verifier.check(commit.oid, commit.payload, commit.signature)
    if not check.valid or check.holder is None or check.holder.kind != "person":
        return f"签名无效（{check.detail}）"
    reader_id = check.holder.id
    changes = _diff(push, commit.parents[0] if commit.parents else None, commit.oid)
    if not changes:
        return "没有登记内容"
    for status, path in changes:
        if status != "A" or not ACCESS_FILE.match(path):
            return f"只能新增 archive/access/年度/*.json，不得{'改动' if status != 'A' else '写入'} {path}"
        blob = git("rev-parse", f"{commit.oid}:{path}", cwd=push.repo, env=push.env).strip()
        try:
            record = json.loads(push.blob(blob).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return f"{path} 不是有效的 JSON"
        if not isinstance(record, dict) or record.get("调阅人") != reader_id or not record.get("档号") \
                or not str(record.get("事由") or "").strip():
            return f"{path} 须写明档号和事由，调阅人须为签名人本人（{reader_id}）"
    return None


RULES = [archive_tags, archive_on_main, access_register]

__all__ = ["archive_tags", "archive_on_main", "access_register", "is_archive_commit", "RULES"]
