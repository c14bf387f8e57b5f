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
from repo_tools.archive.vocabulary import READER, REASON, REFERENCE
from repo_tools.git.push import Push, RefUpdate
from repo_tools.git.repo import ParsedCommit, git, parse_commit
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.identity.judgement import may_sign
from repo_tools.messages import say

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
            yield refusal("archive-tag-archivist", where, tag=name, who=push.pusher_id or say("hook.rules_archives.archive_tags.1"))
            continue
        got = push.reader.read(update.new)
        if not got or got[1] != "tag":
            yield refusal("archive-tag-unsigned", where, tag=name, detail=say("hook.rules_archives.archive_tags.2"))
            continue
        tag = next((t for u, t in push.new_tags if u == update), None)
        if tag is None or tag.signature is None:
            yield refusal("archive-tag-unsigned", where, tag=name, detail=say("hook.rules_archives.archive_tags.3"))
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
        yield mismatch(say("hook.rules_archives._tag_target.1", target_type=target_type))
        return
    if main_after is None or not push.is_ancestor(target, main_after):
        yield mismatch(say("hook.rules_archives._tag_target.2"))
        return
    files = _package_files(push, target, package)
    manifest = files.pop(MANIFEST, None)
    if manifest is None:
        yield mismatch(say("hook.rules_archives._tag_target.3"))
        return
    data = push.blob(manifest)
    declared = re.search(r"^Manifest-SHA256:\s*([0-9a-f]{64})\s*$", message, re.M)
    if declared is None or declared.group(1) != sha256(data):
        yield mismatch(say("hook.rules_archives._tag_target.4"))
    try:
        entries = parse_manifest(data)
    except UnicodeDecodeError:
        yield mismatch(say("hook.rules_archives._tag_target.5"))
        return
    problems: list[str] = []
    for path in sorted(set(entries) - set(files)):
        problems.append(say("hook.rules_archives._tag_target.6", path=path))
    for path in sorted(set(files) - set(entries)):
        problems.append(say("hook.rules_archives._tag_target.7", path=path))
    for path in sorted(set(entries) & set(files)):
        if sha256(push.blob(files[path])) != entries[path]:
            problems.append(say("hook.rules_archives._tag_target.8", path=path))
    if CATALOGUE not in files:
        problems.append(say("hook.rules_archives._tag_target.9", catalogue=CATALOGUE))
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
            where = say("hook.rules_archives.archive_on_main.1", short_oid=_short(commit.oid))
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
        return say("hook.rules_archives._why_not_archive.1", value=push.pusher_id or say("hook.rules_archives._why_not_archive.6"))
    ok, who = _signed_by_archivist(push, commit.oid, commit.payload, commit.signature)
    if not ok:
        return say("hook.rules_archives._why_not_archive.2", who=who)
    if len(commit.parents) != 1:
        return say("hook.rules_archives._why_not_archive.3")
    if any(not PACKAGE_FILE.match(p) for _, p in changes):
        return say("hook.rules_archives._why_not_archive.4")
    return say("hook.rules_archives._why_not_archive.5")


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
                sources[str(row["source"]).rstrip("/")] = str(row.get(REFERENCE, ""))
    return sources


def access_register(push: Push) -> Iterator[Refusal]:
    """调阅登记 only grows: each new commit adds one reader's own signed records, nothing else."""
    for update in push.updates:
        if update.ref != REGISTER:
            continue
        where = update.ref
        if update.is_delete:
            yield refusal("archive-register-invalid", where, ref=update.ref, commit=say("hook.rules_archives.access_register.1"),
                          detail=say("hook.rules_archives.access_register.2"))
            continue
        if not update.is_create and not push.is_ancestor(update.old, update.new):
            yield refusal("archive-register-invalid", where, ref=update.ref, commit=_short(update.new),
                          detail=say("hook.rules_archives.access_register.3"))
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
        return say("hook.rules_archives._register_commit_problem.1")
    check = push.verifier.check(commit.oid, commit.payload, commit.signature)
    if not check.valid or check.holder is None or check.holder.kind != "person":
        return say("hook.rules_archives._register_commit_problem.2", detail=check.detail)
    reader_id = check.holder.id
    changes = _diff(push, commit.parents[0] if commit.parents else None, commit.oid)
    if not changes:
        return say("hook.rules_archives._register_commit_problem.3")
    for status, path in changes:
        if status != "A" or not ACCESS_FILE.match(path):
            change = say("hook.rules_archives._register_commit_problem.7") if status != "A" else say("hook.rules_archives._register_commit_problem.8")
            return say("hook.rules_archives._register_commit_problem.4", value=change, path=path)
        blob = git("rev-parse", f"{commit.oid}:{path}", cwd=push.repo, env=push.env).strip()
        try:
            record = json.loads(push.blob(blob).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return say("hook.rules_archives._register_commit_problem.5", path=path)
        if not isinstance(record, dict) or record.get(READER) != reader_id or not record.get(REFERENCE) or not str(record.get(REASON) or "").strip():
            return say("hook.rules_archives._register_commit_problem.6", path=path, reader_id=reader_id)
    return None


RULES = [archive_tags, archive_on_main, access_register]

__all__ = ["archive_tags", "archive_on_main", "access_register", "is_archive_commit", "RULES"]
