"""Nothing reaches `main` without approval, and documents only under the seal (Art. 3, 17, 21,
28, 30): every new commit on main's first-parent chain is a merge of an approved request whose
trailers name valid, current approvals of eligible reviewers, enough of them and no current
rejection; a merge that issues documents is signed by the unit's active seal key and pushed by a
seal custodian (the seal's designated custodian when the seal record names one, Art. 21); the
merge changes nothing but the allocated number and seal date of the documents it seals and the 签发人
and 成文日期 of the 签发 (hook/rules/workflow.py: the 会签, 签发 and 复核 it names are current and valid);
numbers are well formed, of the unit's own codes, and unique on `main`.

Uniqueness is asked of the number index (`seal.numbering.NumberIndex`, kept beside the
repository by the hooks), never by reading every document on `main`.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from repo_tools.documents import frontmatter
from repo_tools.git.push import Push
from repo_tools.git.repo import GitError, ParsedCommit, git, parse_commit
from repo_tools.hook.rules.archives import is_archive_commit
from repo_tools.hook.rules.base import Refusal, each, first_refusing, refusal
from repo_tools.hook.rules.documents import number_index
from repo_tools.hook.rules.reviews import is_ancestor, review_view
from repo_tools.hook.rules.workflow import merge_signed_fields, merge_steps
from repo_tools.messages import say
from repo_tools.review.model import MR_BRANCH, REVIEW_REF, MergeTrailers, document_folders
from repo_tools.seal import numbering
from repo_tools.seal.edits import document_year, seal_edit_problem
from repo_tools.workflow.steps import judge as judge_workflow


def _short(oid: str) -> str:
    return oid[:10]


def main_merges(push: Push) -> Iterator[Refusal]:
    for update in push.updates:
        if update.ref != "refs/heads/main" or update.is_delete or update.is_create:
            continue
        if not is_ancestor(push, update.old, update.new):
            continue  # main_append_only refuses rewrites
        chain = git("rev-list", "--first-parent", "--reverse", f"{update.old}..{update.new}",
                    cwd=push.repo, env=push.env).split()
        numbers = _Numbers(push, update.old)
        previous = update.old
        for oid in chain:
            yield from _check_merge(push, oid, previous, numbers)
            previous = oid


class _Numbers:
    """Numbers already used: on the old main (from the number index) and by earlier merges here."""

    def __init__(self, push: Push, old_main: str) -> None:
        self.push = push
        self.old_main = old_main
        self.added: dict[numbering.DocumentNumber, str] = {}

    def owner(self, number: numbering.DocumentNumber) -> str | None:
        owners = number_index(self.push).owners(number, at=self.old_main)
        return owners[0] if owners else self.added.get(number)


def _text(push: Push, tree: str, path: str) -> str | None:
    got = push.reader.read(f"{tree}:{path}")
    if got is None or got[1] != "blob":
        return None
    return got[2].decode("utf-8", "replace")


class _Merge:
    """One new commit on main's first-parent chain, as the merge checks read it (each fact once)."""

    def __init__(self, push: Push, oid: str, previous: str, numbers: _Numbers) -> None:
        self.push, self.oid, self.previous, self.numbers = push, oid, previous, numbers
        self.where = say("hook.rules_merges.__init__.1", short_oid=_short(oid))
        self.expected = ""  # the tree git would merge to (merge_applies_cleanly)

    @cached_property
    def commit(self) -> ParsedCommit:
        got = self.push.reader.read(self.oid)
        assert got is not None
        return parse_commit(self.oid, got[2])

    @cached_property
    def trailers(self) -> MergeTrailers:
        return MergeTrailers.parse(self.commit.message)

    @property
    def n(self) -> int:
        assert self.trailers.request is not None
        return self.trailers.request

    @cached_property
    def unit(self) -> Any:
        unit = self.push.registry.unit(self.push.unit or "")
        assert unit is not None
        return unit

    @cached_property
    def status(self) -> Any:
        p1, p2 = self.commit.parents
        return review_view(self.push).status(self.n, p2, p1)

    @cached_property
    def folders(self) -> list[str]:
        p1, p2 = self.commit.parents
        return document_folders(review_view(self.push).changed_paths(p1, p2))

    @cached_property
    def flow(self) -> Any:
        p1, p2 = self.commit.parents
        return judge_workflow(review_view(self.push), self.n, p2, p1, self.status) if self.folders else None


def _check_merge(push: Push, oid: str, previous: str, numbers: _Numbers) -> Iterator[Refusal]:
    """One new commit on main's first-parent chain: the merge checks below, each answering one
    question (a check that raises is a refusal naming it). An archivist's archive commit is the
    one exception to review (hook/rules/archives.py checks the package itself)."""
    case = _Merge(push, oid, previous, numbers)
    if case.commit.parents == (previous,) and is_archive_commit(push, case.commit):
        return
    found = first_refusing([merge_of_current_request], case)
    if found:
        yield from found
        return
    yield from each([merge_has_approvals], case)
    found = first_refusing([merge_applies_cleanly], case)
    if found:
        yield from found
        return
    yield from each([merge_changes_only_what_the_seal_writes, merge_numbers_valid, merge_names_its_steps,
                     merge_signed_by_seal_or_reviewer], case)


def merge_of_current_request(case: _Merge) -> Iterator[Refusal]:
    """Is it a merge of the old main and the current head of the request its trailer names?"""
    yield from _merge_shape(case.push, case.where, case.commit, case.previous)


def merge_has_approvals(case: _Merge) -> Iterator[Refusal]:
    """Does it name enough valid, current 核稿 approvals, and no current rejection stands?"""
    refs = review_view(case.push).refs(f"refs/reviews/{case.n}/")
    yield from _merge_approvals(case.where, case.n, case.trailers, case.status, refs, case.unit.required_approvals)


def merge_applies_cleanly(case: _Merge) -> Iterator[Refusal]:
    """Does the request merge into the old main without conflict?"""
    p1, p2 = case.commit.parents
    try:
        case.expected = git("merge-tree", "--write-tree", "--no-messages", p1, p2,
                            cwd=case.push.repo, env=case.push.env).split("\n", 1)[0].strip()
    except GitError:
        yield refusal("merge-conflict", case.where, n=case.n, detail=say("hook.rules_merges.merge_applies_cleanly.1"))


def merge_changes_only_what_the_seal_writes(case: _Merge) -> Iterator[Refusal]:
    """Is its tree the approved content, changed only by the number, seal date and signed fields?"""
    yield from _merge_tree(case.push, case.where, case.oid, case.commit.tree, case.expected, case.folders,
                           case.trailers, case.flow)


def merge_numbers_valid(case: _Merge) -> Iterator[Refusal]:
    """Is every number it allocates well formed, of the unit's codes, of the right year, and unused?"""
    for path, number in case.trailers.sealed:
        yield from _check_number(case.push, case.where, case.unit, case.folders, case.expected, case.commit.tree,
                                 path, number, case.numbers)


def merge_names_its_steps(case: _Merge) -> Iterator[Refusal]:
    """Does a merge that issues documents name the current 会签, 签发 and 复核?"""
    if case.flow is not None:
        yield from merge_steps(case.where, case.n, case.trailers, case.flow, case.push.registry)


def merge_signed_by_seal_or_reviewer(case: _Merge) -> Iterator[Refusal]:
    """Documents: signed with the unit's active seal and pushed by its custodian; bulletins only:
    signed by a reviewer of the unit who did not write them."""
    if case.folders or case.trailers.sealed:
        yield from _merge_sealed_by(case.push, case.where, case.oid, case.commit, case.unit, case.trailers)
    else:
        yield from _merge_by_reviewer(case.push, case.where, case.oid, case.commit, case.unit, case.status)


def _merge_shape(push: Push, where: str, commit, previous: str) -> Iterator[Refusal]:
    """A merge: first parent the old main, second the request's current head, named by its trailer."""
    oid = commit.oid
    if len(commit.parents) != 2:
        yield refusal("merge-not-merge", where, commit=_short(oid),
                      detail=say("hook.rules_merges._merge_shape.1"))
        return
    p1, p2 = commit.parents
    if p1 != previous:
        yield refusal("merge-not-merge", where, commit=_short(oid), detail=say("hook.rules_merges._merge_shape.2"))
        return
    n = MergeTrailers.parse(commit.message).request
    if n is None:
        yield refusal("merge-not-merge", where, commit=_short(oid), detail=say("hook.rules_merges._merge_shape.3"))
        return
    head = review_view(push).ref(f"{MR_BRANCH}{n}")
    if head is None:
        yield refusal("review-mr-missing", where, n=n)
    elif p2 != head:
        yield refusal("merge-not-merge", where, commit=_short(oid),
                      detail=say("hook.rules_merges._merge_shape.4",
                                 short_p2=_short(p2), n=n, short_head=_short(head)))


def _merge_approvals(where: str, n: int, trailers: MergeTrailers, status, current_refs: dict[str, str],
                     required: int) -> Iterator[Refusal]:
    """The 核稿 the merge names: valid, current approvals, enough of them, no current rejection."""
    relied: set[str] = set()
    for ref, tag in trailers.approvals:
        match = REVIEW_REF.match(ref)
        if not match or int(match["n"]) != n:
            yield refusal("merge-approval-invalid", where, ref=ref, detail=say("hook.rules_merges._merge_approvals.1", n=n))
            continue
        if current_refs.get(ref) != tag:
            yield refusal("merge-approval-invalid", where, ref=ref,
                          detail=say("hook.rules_merges._merge_approvals.2"))
            continue
        verdict = next((v for v in status.verdicts if v.ref == ref), None)
        if verdict is None or not verdict.valid:
            yield refusal("merge-approval-invalid", where, ref=ref,
                          detail=verdict.problem if verdict else say("hook.rules_merges._merge_approvals.3"))
        elif verdict.verdict != "approve":
            yield refusal("merge-approval-invalid", where, ref=ref, detail=say("hook.rules_merges._merge_approvals.4"))
        elif not verdict.current:
            yield refusal("merge-approval-invalid", where, ref=ref,
                          detail=say("hook.rules_merges._merge_approvals.5",
                                     short_target=_short(verdict.target)))
        else:
            relied.add(verdict.reviewer)
    if len(relied) < required:
        yield refusal("merge-approvals-missing", where, n=n, have=len(relied), need=required,
                      detail=say("hook.rules_merges._merge_approvals.6"))
    for verdict in status.rejections:
        yield refusal("merge-rejected", where, n=n, reviewer=verdict.reviewer, opinion=verdict.opinion)


def _merge_tree(push: Push, where: str, oid: str, tree: str, expected: str, folders: list[str],
                trailers: MergeTrailers, flow) -> Iterator[Refusal]:
    """The tree: the approved content plus only what the seal writes (number, seal date, and the
    签发人 and 成文日期 of the signatures), every document of the request sealed."""
    sealed = dict(trailers.sealed)
    differing = [p for p in git("diff-tree", "-r", "--no-renames", "--name-only", "-z", expected,
                                tree, cwd=push.repo, env=push.env).split("\0") if p]
    for path in differing:
        if path not in sealed:
            yield refusal("merge-tree-changed", where, commit=_short(oid), path=path,
                          detail=say("hook.rules_merges._merge_tree.1"))
            continue
        before, after = _text(push, expected, path), _text(push, tree, path)
        problem = seal_edit_problem(before or "", after or "") if before and after else say("hook.rules_merges._merge_tree.2")
        if problem:
            yield refusal("merge-tree-changed", where, commit=_short(oid), path=path, detail=problem)
        elif flow is not None:
            yield from merge_signed_fields(push, where, flow, path, before, after)
    for folder in folders:
        index = f"{folder}/index.md"
        if _text(push, expected, index) is not None and index not in sealed:
            yield refusal("seal-document-unsealed", where, path=index)


def _merge_sealed_by(push: Push, where: str, oid: str, commit, unit, trailers: MergeTrailers
                     ) -> Iterator[Refusal]:
    """A merge that issues documents is signed by the unit's active seal and pushed by its custodian."""
    check = push.verifier.check(oid, commit.payload, commit.signature)
    seal = push.registry.active_seal(unit.id)
    if seal is None:
        yield refusal("merge-no-seal", where, unit=unit.name)
        return
    if not check.valid or (check.fingerprint or "").upper() != seal.key.fingerprint.upper() \
            or not seal.key.valid_at(push.now):
        signer = check.holder.name if check.holder else (check.fingerprint or say("hook.rules_merges._merge_sealed_by.1"))
        yield refusal("merge-seal-required", where, commit=_short(oid), seal=seal.id, signer=signer)
    elif trailers.seal != seal.id:
        yield refusal("merge-not-merge", where, commit=_short(oid), detail=say("hook.rules_merges._merge_sealed_by.2",
                                                                               id=seal.id))
    pusher = push.registry.person(push.pusher_id or "")
    if pusher is None or pusher.unit != unit.id or "seal-custodian" not in pusher.roles:
        yield refusal("merge-custodian-required", where, user=push.pusher_id or say("hook.rules_merges._merge_sealed_by.3"), unit=unit.name)
    elif seal.custodian and pusher.id != seal.custodian:
        yield refusal("merge-custodian-designated", where, seal=seal.id, custodian=seal.custodian, user=pusher.id)


def _merge_by_reviewer(push: Push, where: str, oid: str, commit, unit, status) -> Iterator[Refusal]:
    """A merge of bulletins only is signed by a reviewer of the unit who did not write it."""
    check = push.verifier.check(oid, commit.payload, commit.signature)
    holder = check.holder if check.valid else None
    person = push.registry.person(holder.id) if holder and holder.kind == "person" else None
    if person is None or person.unit != unit.id or "reviewer" not in person.roles \
            or person.status != "active":
        yield refusal("merge-reviewer-required", where,
                      detail=say("hook.rules_merges._merge_by_reviewer.1",
                                 value=holder.name if holder else say("hook.rules_merges._merge_by_reviewer.3")))
    elif person.id in status.committers:
        yield refusal("merge-reviewer-required", where, detail=say("hook.rules_merges._merge_by_reviewer.2",
                                                                   id=person.id))


def _check_number(push: Push, where: str, unit, folders: list[str], expected: str, tree: str,
                  path: str, number: str, numbers: _Numbers) -> Iterator[Refusal]:
    if not path.endswith("/index.md") or path.rsplit("/", 1)[0] not in folders:
        yield refusal("merge-tree-changed", where, commit=where, path=path, detail=say("hook.rules_merges._check_number.1"))
        return
    parsed = numbering.parse(number)
    if parsed is None:
        yield refusal("seal-number-invalid", where, path=path, number=number,
                      detail=say("hook.rules_merges._check_number.2"))
        return
    if parsed.code not in unit.codes:
        yield refusal("seal-code-foreign", where, code=parsed.code, unit=unit.name, codes="、".join(unit.codes))
        return
    before, after = _text(push, expected, path), _text(push, tree, path)
    try:
        meta_before, _ = frontmatter.split(before or "")
        meta_after, _ = frontmatter.split(after or "")
    except frontmatter.FrontMatterError as exc:
        yield refusal("seal-number-invalid", where, path=path, number=number, detail=say("hook.rules_merges._check_number.3",
                                                                                         exc=exc))
        return
    if meta_before.get("number"):
        yield refusal("seal-number-preset", where, path=path, number=meta_before["number"])
    if str(meta_after.get("number") or "") != number:
        yield refusal("seal-number-invalid", where, path=path, number=number,
                      detail=say("hook.rules_merges._check_number.4",
                                 meta_after_get=meta_after.get('number')))
    sealed_on = meta_after.get("sealed_on")
    today = push.now.date()
    if not isinstance(sealed_on, date) or not (today - timedelta(days=1) <= sealed_on <= today):
        yield refusal("seal-number-invalid", where, path=path, number=number,
                      detail=say("hook.rules_merges._check_number.5",
                                 today_isoformat=today.isoformat(), sealed_on=sealed_on))
    year = document_year(meta_after, path)  # the 成文日期 the seal wrote from the 签发
    if year is not None and parsed.year != year:
        yield refusal("seal-number-invalid", where, path=path, number=number,
                      detail=say("hook.rules_merges._check_number.6", year=year))
    floor = unit.number_floors.get(f"{parsed.code}〔{parsed.year}〕", 0)
    if parsed.n <= floor:
        yield refusal("seal-number-duplicate", where, path=path, number=number,
                      detail=say("hook.rules_merges._check_number.7",
                                 code=parsed.code, year=parsed.year, floor=floor))
        return
    owner = numbers.owner(parsed)
    if owner is not None:
        yield refusal("seal-number-duplicate", where, path=path, number=number, detail=say("hook.rules_merges._check_number.8",
                                                                                           owner=owner))
        return
    numbers.added[parsed] = path


__all__ = ["main_merges"]
