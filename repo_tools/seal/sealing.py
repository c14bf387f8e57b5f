"""The sealing merge (Art. 17, 21, 28, 30): an approved merge request lands on `main` as a merge
commit. For documents it is made by a seal custodian and signed with the unit's seal key (that
signature is the electronic seal), and it allocates each document's 发文字号 and writes it and
the seal date into the front matter; bulletins and other files are merged by a reviewer with
their personal key. The ref update on `main` is the lock: a merge that lost the race re-reads
`main`, re-allocates and tries again, so concurrent merges never lose a document nor share a number.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from repo_tools import timeutil
from repo_tools.city import City
from repo_tools.documents import frontmatter
from repo_tools.git.repo import GitError, PushRefused, Scratch, clean_env, git, rev_parse
from repo_tools.log.carried import carry
from repo_tools.messages import Refused, say
from repo_tools.review.model import MR_BRANCH, document_folders
from repo_tools.review.requests import _push
from repo_tools.review.views import ReviewView
from repo_tools.seal import numbering
from repo_tools.seal.edits import SEALED_KEYS, document_year, seal_edit_problem
from repo_tools.workflow.issuing import signed_fields, typed_signer_problem
from repo_tools.workflow.steps import Workflow
from repo_tools.workflow.steps import judge as judge_workflow
from repo_tools.workflow.vocabulary import STEP_NAMES

MAX_ATTEMPTS = 30


def _drop_block_value(text: str, key: str) -> str:
    """The text with a block-style value of `key` (a typed `signer:` list) reduced to its key line,
    so that `frontmatter.set_fields` can replace it."""
    match = frontmatter.FENCE.match(text)
    if not match:
        return text
    out, skipping = [], False
    for line in match.group(1).split("\n"):
        if skipping and line[:1] in (" ", "\t", "-") and line.strip():
            continue
        skipping = bool(re.match(rf"^{key}\s*:", line))
        out.append(line)
    return "---\n" + "\n".join(out) + "\n---\n" + text[match.end():]


@dataclass
class MergeResult:
    n: int
    merge: str
    main_before: str
    sealed: list[dict] = field(default_factory=list)   # {"path": folder, "index": path, "number"}
    seal: str | None = None
    attempts: int = 1


def _merge_tree(scratch: Scratch, n: int, main: str, head: str) -> str:
    """The tree of main and the request head merged (= the head's tree when it is up to date)."""
    proc = subprocess.run(["git", "merge-tree", "--write-tree", "--name-only", "--no-messages", main, head],
                          cwd=scratch.dir, env=scratch.env, capture_output=True, text=True)
    if proc.returncode == 1:
        files = sorted({line for line in proc.stdout.split("\n\n")[0].splitlines()[1:] if line})
        raise Refused("merge-conflict", n=n, detail=say("seal.sealing._merge_tree.1") + "、".join(files))
    if proc.returncode != 0:
        raise GitError(f"git merge-tree: {proc.stderr.strip()}")
    return proc.stdout.split("\n", 1)[0].strip()


def merge(city: City, unit: str, n: int, actor: str, code: str | None = None) -> MergeResult:
    """Merge request `n` of `unit` into `main` as `actor` (see the module docstring)."""
    reg = city.registry()
    unit_rec = reg.unit(unit)
    if unit_rec is None:
        raise Refused("not-found", what=say("seal.sealing.merge.1"), name=unit, remedy=say("seal.sealing.merge.2"))
    person = reg.person(actor)
    if person is None:
        raise Refused("not-found", what=say("seal.sealing.merge.3"), name=actor, remedy=say("seal.sealing.merge.4"))
    if code is not None and code not in unit_rec.codes:
        raise Refused("seal-code-foreign", code=code, unit=unit_rec.name, codes="、".join(unit_rec.codes))
    repo = city.unit_repo(unit)
    actor_signer = city.signer(actor, reg)
    env = clean_env()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        main = rev_parse(repo, "refs/heads/main", env=env)
        if main is None:
            raise Refused("not-found", what=say("seal.sealing.merge.5"), name="main", remedy=say("seal.sealing.merge.6"))
        with ReviewView.of(city, unit, reg) as view:
            head = view.ref(f"{MR_BRANCH}{n}")
            if head is None:
                raise Refused("review-mr-missing", n=n)
            merged = view.merges(main).get(n)
            if merged:
                raise Refused("review-merged", n=n, merge=merged[0][:10])
            status = view.status(n, head, main)
            folders = document_folders(view.changed_paths(main, head))
            title = view.request(n).title
            flow = judge_workflow(view, n, head, main, status) if folders else None
        if status.rejections:
            first = status.rejections[0]
            raise Refused("merge-rejected", n=n, reviewer=first.reviewer, opinion=first.opinion)
        if len(status.approvals) < status.required:
            stale = [v.reviewer for v in status.verdicts if v.valid and not v.current and v.verdict == "approve"]
            detail = say("seal.sealing.merge.7", value_join='、'.join(stale)) if stale else ""
            raise Refused("merge-approvals-missing", n=n, have=len(status.approvals),
                          need=status.required, detail=detail)
        approvals = sorted(status.approvals, key=lambda v: v.reviewer)
        seal = None
        if folders:
            if "seal-custodian" not in person.roles or person.unit != unit or person.status != "active":
                raise Refused("merge-custodian-required", user=actor, unit=unit_rec.name)
            seal = reg.active_seal(unit)
            if seal is None:
                raise Refused("merge-no-seal", unit=unit_rec.name)
            if seal.custodian and seal.custodian != actor:
                raise Refused("merge-custodian-designated", seal=seal.id, custodian=seal.custodian, user=actor)
            signer = city.seal_signer(seal, unit_rec.name)
            if flow is not None:
                _require_steps(n, flow, reg)
        else:
            if "reviewer" not in person.roles or person.unit != unit or person.status != "active":
                raise Refused("merge-reviewer-required", detail=say("seal.sealing.merge.8", actor=actor))
            if actor in status.committers:
                raise Refused("merge-reviewer-required", detail=say("seal.sealing.merge.9", actor=actor))
            signer = actor_signer
        with Scratch(repo, signer) as scratch:
            tree = _merge_tree(scratch, n, main, head)
            changes, sealed = _seal_documents(repo, scratch, unit_rec, folders, tree, main, code, flow, reg)
            message = _message(n, title, approvals, sealed, seal.id if seal else None, flow)
            oid = scratch.commit(changes, message, parents=[main, head], base_tree=tree)
            try:
                # The merge's event rides on its push; the service logs it when the push lands.
                with carry("merge", repo=unit, request=n, merge=oid, by=actor, seal=seal.id if seal else None,
                           approvals=[v.reviewer for v in approvals],
                           sealed=[{"path": s["index"], "number": s["number"]} for s in sealed]):
                    _push(scratch.dir, str(repo), [f"{oid}:refs/heads/main"],
                          [f"--force-with-lease=refs/heads/main:{main}"], actor_signer)
            except PushRefused:
                if rev_parse(repo, "refs/heads/main", env=env) != main:
                    continue  # lost the race: main moved, re-allocate on the new main
                raise
        return MergeResult(n, oid, main, sealed, seal.id if seal else None, attempt)
    raise Refused("usage", detail=say("seal.sealing.merge.10", max_attempts=MAX_ATTEMPTS), remedy=say("seal.sealing.merge.11"))


def _require_steps(n: int, flow: Workflow, reg) -> None:
    """The 会签, 签发 and 复核 a document needs before the seal, in order; the first missing is named."""
    missing = [(step, text) for step, text in flow.missing_steps(reg) if step not in ("approve", "reject")]
    if missing:
        raise Refused("merge-step-missing", n=n, step=STEP_NAMES[missing[0][0]], detail="；".join(text for _, text in missing))
    for doc in flow.documents:
        problem = typed_signer_problem(doc.meta, flow)
        if problem:
            raise Refused("merge-signer-typed", path=doc.index, detail=problem)


def _seal_documents(repo: Path, scratch: Scratch, unit, folders: list[str], tree: str, main: str,
                    code: str | None, flow: Workflow | None = None, reg=None) -> tuple[dict[str, bytes], list[dict]]:
    """Allocate a number for each document and write it, the seal date, and the 签发人 and 成文日期
    of the signatures into its front matter."""
    changes: dict[str, bytes] = {}
    sealed: list[dict] = []
    allocated: dict[tuple[str, int], int] = {}
    today = timeutil.today()
    chosen = code or unit.codes[0]
    for folder in folders:
        index = f"{folder}/index.md"
        raw = git("cat-file", "-p", f"{tree}:{index}", cwd=scratch.dir, env=scratch.env, check=False)
        if not raw:
            continue  # a folder without index.md (e.g. removed): nothing to seal
        try:
            meta, _ = frontmatter.split(raw)
        except frontmatter.FrontMatterError as exc:
            raise Refused("seal-number-invalid", path=index, number="", detail=say("seal.sealing._seal_documents.1", exc=exc)) from None
        if meta.get("number"):
            raise Refused("seal-number-preset", path=index, number=meta["number"])
        signed = signed_fields(raw, meta, flow, unit, reg, index) if flow is not None else {}
        year = document_year({**meta, **signed}, index)
        if year is None:
            raise Refused("seal-number-invalid", path=index, number="", detail=say("seal.sealing._seal_documents.2"))
        key = (chosen, year)
        if key in allocated:
            allocated[key] += 1
        else:
            floor = unit.number_floors.get(f"{chosen}〔{year}〕", 0)
            allocated[key] = numbering.next_number(repo, chosen, year, rev=main, floor=floor).n
        number = str(numbering.DocumentNumber(chosen, year, allocated[key]))
        text = _drop_block_value(raw, "signer") if "signer" in signed else raw
        changes[index] = frontmatter.set_fields(text, {"number": number, "sealed_on": today, **signed}).encode("utf-8")
        sealed.append({"path": folder, "index": index, "number": number})
    return changes, sealed


def _message(n: int, title: str, approvals: list, sealed: list[dict], seal: str | None,
             flow: Workflow | None = None) -> str:
    head = say("seal.sealing._message.1", n=n, title=title) if title else say("seal.sealing._message.2", n=n)
    if sealed:
        head += say("seal.sealing._message.3") + "、".join(s["number"] for s in sealed) + "）"
    lines = [head, "", f"Merge-Request: {n}"]
    lines += [f"Approval: {v.ref} {v.tag}" for v in approvals]
    if flow is not None:
        lines += [f"Countersign: {s.ref} {s.tag}" for u, s in flow.countersigns.items()]
        if flow.sign_off:
            lines.append(f"Sign-Off: {flow.sign_off.ref} {flow.sign_off.tag}")
        if flow.check and flow.unit.check_required:
            lines.append(f"Check: {flow.check.ref} {flow.check.tag}")
    lines += [f"Sealed-Document: {s['index']} {s['number']}" for s in sealed]
    if seal:
        lines.append(f"Seal: {seal}")
    return "\n".join(lines) + "\n"


__all__ = ["merge", "MergeResult", "document_year", "seal_edit_problem", "SEALED_KEYS"]
