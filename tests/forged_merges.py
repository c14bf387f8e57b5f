"""Merges made by hand (not by `oa review merge`), to show what the server hook refuses."""
from __future__ import annotations

from datetime import date

from fixtures import Workspace

from repo_tools import timeutil
from repo_tools.documents import frontmatter
from repo_tools.git.repo import PushRefused, Scratch, clean_env, git, push, rev_parse
from repo_tools.review.model import document_folders
from repo_tools.review.views import ReviewView
from repo_tools.workflow import steps
from repo_tools.workflow.issuing import signed_fields


def hand_merge(ws: Workspace, unit: str, n: int, signer: str, pusher: str, *, seal_key: bool = False,
               numbers: dict[str, str] | None = None, extra: dict[str, bytes | None] | None = None,
               approvals: list[str] | None = None, sealed_on: date | None = None,
               seal_id: str | None = None) -> str:
    """Build a merge of request n on main with plumbing and push it; return the hook's refusal
    text, or "" when the push was accepted. `seal_id` picks a seal other than the active one
    (a revoked or destroyed seal) for `seal_key`."""
    city = ws.city
    reg = city.registry()
    repo = city.unit_repo(unit)
    unit_rec = reg.unit(unit)
    assert unit_rec is not None
    main = rev_parse(repo, "refs/heads/main", env=clean_env())
    head = rev_parse(repo, f"refs/heads/mr/{n}", env=clean_env())
    assert main and head
    seal = reg.seal(seal_id) if seal_id else reg.active_seal(unit)
    assert seal is not None
    sign = city.seal_signer(seal, unit_rec.name) if seal_key else city.signer(signer)
    with ReviewView.of(city, unit) as view:
        status = view.status(n, head, main)
        refs = view.refs(f"refs/reviews/{n}/")
        folders = document_folders(view.changed_paths(main, head))
        flow = steps.judge(view, n, head, main, status) if folders else None
    chosen = approvals if approvals is not None else [v.reviewer for v in status.verdicts if v.verdict == "approve"]
    lines = ["手工合并", "", f"Merge-Request: {n}"]
    lines += [f"Approval: refs/reviews/{n}/{r} {refs.get(f'refs/reviews/{n}/{r}', '0' * 40)}" for r in chosen]
    if flow is not None:  # the later steps as the real merge names them (hook/rules/workflow.py judges them)
        lines += [f"Countersign: {s.ref} {s.tag}" for s in flow.countersigns.values()]
        lines += [f"Sign-Off: {flow.sign_off.ref} {flow.sign_off.tag}"] if flow.sign_off else []
        lines += [f"Check: {flow.check.ref} {flow.check.tag}"] if flow.check and unit_rec.check_required else []
    with Scratch(repo, sign) as scratch:
        tree = git("merge-tree", "--write-tree", main, head, cwd=scratch.dir, env=scratch.env).split()[0]
        changes: dict[str, bytes | None] = {}
        for folder in folders:
            index = f"{folder}/index.md"
            number = (numbers or {}).get(index)
            if number is None:
                continue
            text = git("cat-file", "-p", f"{tree}:{index}", cwd=scratch.dir, env=scratch.env)
            signed = {}
            if flow is not None and flow.sign_off is not None:
                signed = signed_fields(text, frontmatter.split(text)[0], flow, unit_rec, reg, index)
            changes[index] = frontmatter.set_fields(
                text, {"number": number, "sealed_on": sealed_on or timeutil.today(), **signed}).encode()
            lines.append(f"Sealed-Document: {index} {number}")
        if folders:
            lines.append(f"Seal: {seal.id}")
        changes.update(extra or {})
        oid = scratch.commit(changes, "\n".join(lines) + "\n", parents=[main, head], base_tree=tree)
        try:
            push(scratch.dir, str(repo), [f"{oid}:refs/heads/main"], city.signer(pusher))
        except PushRefused as refused:
            return refused.message
    return ""
