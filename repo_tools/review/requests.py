"""Merge requests and signed review verdicts (Art. 3, 30): everything about a request lives in
the unit repository as refs and signed objects (as Gerrit's NoteDb does):

    refs/heads/mr/<n>           the request's branch (the author's work, updated by new pushes)
    refs/tags/mr/<n>            the request itself: a tag signed by whoever opened it, whose
                                message is the title and a `Branch:` line (created once, never moved)
    refs/reviews/<n>/<reviewer> the reviewer's latest verdict: a signed annotated tag on the MR
                                head, message `approve|reject`, blank line, opinion (意见)
    refs/reviews/<n>/_history/<reviewer>/<k>
                                the reviewer's k-th replaced verdict, kept when a new one takes
                                its place (created once, in the push that moves the verdict)

Signatures are judged with `identity.judgement.may_sign`, the judgement `oa verify`, the hook
and the site use, at the object's trusted time when the view has the log's times (the command
line), else at `now` (the hook, which sees a push's new objects at their own trusted time, now).
A verdict counts only while it points at the current MR head; a merged request is the one a
merge on `main` names in its `Merge-Request: <n>` trailer. The same `ReviewView` serves the
command line and the server hook, so both judge a request the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from repo_tools import timeutil
from repo_tools.city import City
from repo_tools.git.repo import (
    ZERO,
    PushRefused,
    Scratch,
    Signer,
    clean_env,
    git,
    parse_commit,
    parse_tag,
    rev_parse,
)
from repo_tools.git.repo import push as signed_push
from repo_tools.log import eventlog
from repo_tools.messages import Refused, say
from repo_tools.registry.records import Registry
from repo_tools.review.model import MR_BRANCH, MR_TAG, REVIEWS, document_folders, parse_verdict, verdict_message
from repo_tools.review.views import ReviewView, Status, _tagger_date

# Acting -----------------------------------------------------------------------------------

def _unit_member(city: City, reg: Registry, unit: str, user: str):
    person = reg.person(user)
    if person is None:
        raise Refused("not-found", what=say("review.requests._unit_member.1"), name=user, remedy=say("review.requests._unit_member.2"))
    if reg.unit(unit) is None:
        raise Refused("not-found", what=say("review.requests._unit_member.3"), name=unit, remedy=say("review.requests._unit_member.4"))
    return person


def _push(workdir: Path, remote: str, refspecs: list[str], options: list[str],
          signer: Signer | None) -> None:
    """A signed push with extra options (leases, --atomic): the git layer's one signed push."""
    signed_push(workdir, remote, refspecs, signer, options=options)


def open_request(city: City, unit: str, actor: str, branch: str | None = None, title: str | None = None,
                 workdir: Path | None = None) -> int:
    """Open a merge request from `branch` and return its number.

    From a clone (`workdir`) the branch is the clone's (default: its current branch) and is
    pushed from there; without one, `branch` must already be on the server. The number is
    allocated by creating `refs/heads/mr/<n>` and `refs/tags/mr/<n>` atomically with the
    expectation that neither exists: the ref update is the lock, a loser takes n+1.
    """
    reg = city.registry()
    _unit_member(city, reg, unit, actor)
    signer = city.signer(actor, reg)
    repo = city.unit_repo(unit)
    branch, head = _request_head(repo, branch, workdir)
    with ReviewView.of(city, unit, reg) as view:
        used = view.numbers()
        if not title:
            got = view.reader.read(head)
            title = parse_commit(head, got[2]).message.strip().splitlines()[0] if got else str(branch)
    n = (used[-1] if used else 0) + 1
    message = f"{title}\n\nBranch: {branch}\n"
    scratch = Scratch(repo, signer) if workdir is None else None
    try:
        for _ in range(100):
            if _claim(repo, n, head, message, scratch, signer, workdir):
                return n
            n += 1
    finally:
        if scratch is not None:
            scratch.close()
    raise Refused("usage", detail=say("review.requests.open_request.5"), remedy=say("review.requests.open_request.6"))


def _request_head(repo: Path, branch: str | None, workdir: Path | None) -> tuple[str, str]:
    """Which branch and commit the request is for: the clone's (default: its current branch),
    or a branch already on the server."""
    if workdir is not None:
        branch = branch or git("rev-parse", "--abbrev-ref", "HEAD", cwd=workdir, env=clean_env()).strip()
        head = rev_parse(workdir, branch, env=clean_env())
    else:
        if not branch:
            raise Refused("usage", detail=say("review.requests._request_head.1"), remedy=say("review.requests._request_head.2"))
        head = rev_parse(repo, f"refs/heads/{branch}", env=clean_env())
    if head is None:
        raise Refused("not-found", what=say("review.requests._request_head.3"), name=str(branch), remedy=say("review.requests._request_head.4"))
    return branch, head


def _claim(repo: Path, n: int, head: str, message: str, scratch: Scratch | None, signer: Signer,
           workdir: Path | None) -> bool:
    """Try to take number `n`: the request tag and branch in one atomic push that expects
    neither; False when another request took `n` first (any other refusal is raised)."""
    if scratch is not None:
        tag = scratch.tag(f"mr/{n}", head, message)
        where: Path = scratch.dir
        env_signer: Signer | None = signer
    else:
        assert workdir is not None
        git("tag", "-s", "-f", "-m", message, f"mr/{n}", head, cwd=workdir, env=clean_env())
        tag = git("rev-parse", f"refs/tags/mr/{n}", cwd=workdir, env=clean_env()).strip()
        where, env_signer = workdir, None
    try:
        _push(where, str(repo), [f"{head}:{MR_BRANCH}{n}", f"{tag}:{MR_TAG}{n}"],
              ["--atomic", f"--force-with-lease={MR_BRANCH}{n}:", f"--force-with-lease={MR_TAG}{n}:"], env_signer)
    except PushRefused:
        taken = rev_parse(repo, f"{MR_BRANCH}{n}", env=clean_env()) or rev_parse(repo, f"{MR_TAG}{n}", env=clean_env())
        if workdir is not None:
            git("tag", "-d", f"mr/{n}", cwd=workdir, env=clean_env(), check=False)
        if taken:
            return False
        raise
    if workdir is not None:
        git("tag", "-d", f"mr/{n}", cwd=workdir, env=clean_env(), check=False)
    return True


@dataclass(frozen=True)
class Cast:
    """A verdict just signed and pushed, and the earlier one it replaced (kept in the history)."""
    tag: str
    replaced: str | None = None        # the earlier verdict's tag id
    history_ref: str | None = None     # where the earlier verdict is kept


def cast(city: City, unit: str, n: int, actor: str, verdict: str, opinion: str) -> Cast:
    """Sign and push `actor`'s verdict on request n's current head. An earlier verdict of the
    same reviewer is not lost: the same atomic push keeps it under
    `refs/reviews/<n>/_history/<reviewer>/<k>` (the hook refuses a move that does not)."""
    return _verdict(city, unit, n, actor, verdict, opinion)


def _verdict(city: City, unit: str, n: int, actor: str, verdict: str, opinion: str) -> Cast:
    reg = city.registry()
    person = _unit_member(city, reg, unit, actor)
    if not opinion.strip():
        raise Refused("review-verdict", ref=f"{REVIEWS}{n}/{actor}", detail=say("review.requests._verdict.1"))
    with ReviewView.of(city, unit, reg) as view:
        head = view.ref(f"{MR_BRANCH}{n}")
        if head is None:
            raise Refused("review-mr-missing", n=n)
        merged = view.merges().get(n)
        if merged:
            raise Refused("review-merged", n=n, merge=merged[0][:10])
        request = view.request(n)
        committers = view.committers(head, view.ref("refs/heads/main"))
        earlier = view.ref(f"{REVIEWS}{n}/{actor}")
        kept = view.history(n, actor)
    if actor == request.author or actor in committers:
        why = say("review.requests._verdict.2") if actor == request.author else say("review.requests._verdict.3")
        raise Refused("review-self", user=actor, name=person.name, n=n, why=why)
    if person.unit != unit or "reviewer" not in person.roles or person.status != "active":
        raise Refused("review-role", user=actor, unit=unit, n=n)
    signer = city.signer(actor, reg)
    history_ref = f"{REVIEWS}{n}/_history/{actor}/{(kept[-1][1] if kept else 0) + 1}" if earlier else None
    with Scratch(city.unit_repo(unit), signer) as scratch:
        tag = scratch.tag(f"reviews/{n}/{actor}", head, verdict_message(verdict, opinion))
        refspecs = [f"+{tag}:{REVIEWS}{n}/{actor}"]
        if earlier and history_ref:
            refspecs.append(f"{earlier}:{history_ref}")
        scratch.push(refspecs)
    return Cast(tag, earlier, history_ref)


def approve(city: City, unit: str, n: int, actor: str, opinion: str) -> str:
    """Sign and push `actor`'s approval of request n's current head; return the tag id."""
    return cast(city, unit, n, actor, "approve", opinion).tag


def reject(city: City, unit: str, n: int, actor: str, opinion: str) -> str:
    """Sign and push `actor`'s rejection of request n's current head; return the tag id."""
    return cast(city, unit, n, actor, "reject", opinion).tag


def _opened_at(city: City, unit: str) -> dict[str, str]:
    """Ref name -> log time of the push that created it (the trusted opening time)."""
    found: dict[str, str] = {}
    for entry in eventlog.read(city.log_file):
        if entry.get("type") != "push" or entry.get("repo") != unit:
            continue
        for update in entry.get("updates", []):
            if update.get("ref", "").startswith(MR_BRANCH) and update.get("old") == ZERO:
                found.setdefault(update["ref"], entry["time"])
    return found


def waiting_time(since: str | None, until: datetime) -> str:
    start = timeutil.parse(since)
    if start is None:
        return ""
    seconds = max(0, int((until - start).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return say("review.requests.waiting_time.1", days=days, hours=hours)
    if hours:
        return say("review.requests.waiting_time.2", hours=hours, minutes=minutes)
    return say("review.requests.waiting_time.3", minutes=minutes)


def requests(city: City, unit: str) -> list[dict]:
    """Every merge request of a unit: number, title, author, state (open, merged, rejected),
    opening time and waiting time, approvals on the current head."""
    now = timeutil.now()
    opened = _opened_at(city, unit)
    rows = []
    with ReviewView.of(city, unit) as view:
        main = view.ref("refs/heads/main")
        merges = view.merges(main)
        for n in view.numbers():
            request = view.request(n)
            if request.head is None:
                continue
            merged = merges.get(n)
            # A merged request is judged on the head that was merged, against the main it joined.
            head = view.merged_head(merged[0]) if merged else request.head
            status = view.status(n, head, main if not merged else merged[0] + "^1")
            state = "merged" if merged else "rejected" if status.rejections else "open"
            since = opened.get(f"{MR_BRANCH}{n}")
            rows.append({
                "n": n, "title": request.title, "author": request.author, "branch": request.branch,
                "head": head, "state": state, "opened_at": since,
                "waiting": "" if merged else waiting_time(since, now),
                "approvals": len(status.approvals), "required": status.required,
                "merge": merged[0] if merged else None,
                "numbers": [num for _, num in merged[1].sealed] if merged else [],
            })
    return rows


def show(city: City, unit: str, n: int) -> dict:
    """One request in full: the change, each verdict (who, what, opinion, on which head,
    current or stale, valid or why not), and what is still missing before it can merge."""
    with ReviewView.of(city, unit) as view:
        request = view.request(n)
        if request.head is None:
            raise Refused("review-mr-missing", n=n)
        main = view.ref("refs/heads/main")
        merged = view.merges(main).get(n)
        base = merged[0] + "^1" if merged else main
        if merged:
            base = git("rev-parse", f"{merged[0]}^1", cwd=view.repo, env=view.env).strip()
        head = view.merged_head(merged[0]) if merged else request.head
        status = view.status(n, head, base)
        changed = view.changed_paths(base, head)
        reg = view.registry
        state = "merged" if merged else "rejected" if status.rejections else "open"
        from repo_tools.workflow.steps import judge as judge_workflow  # 核稿 → 会签 → 签发 → 复核, judged once
        flow = judge_workflow(view, n, request.head, base, status)
        return {
            "n": n, "unit": unit, "title": request.title, "author": request.author,
            "branch": request.branch, "head": head, "base": base, "state": state,
            "committers": sorted(status.committers), "files": changed,
            "documents": document_folders(changed),
            "verdicts": _verdict_rows(reg, status, flow), "history": _history_rows(view, n),
            "approvals": len(status.approvals), "required": status.required,
            "merge": merged[0] if merged else None,
            "sealed": [{"path": p, "number": num} for p, num in merged[1].sealed] if merged else [],
            "missing": [] if merged else (flow.missing(reg) if flow.documents else status.missing()),
            "steps": [_step_row(s) for s in flow.steps],
        }


def _verdict_rows(reg: Registry, status: Status, flow: Any) -> list[dict[str, Any]]:
    """Each reviewer's latest verdict; a 会签, 签发 or 复核 as the workflow judged who may take it."""
    judged = {s.ref: s for s in flow.steps}
    rows = []
    for v in status.verdicts:
        if v.ref in judged:
            v.valid, v.problem, v.current = judged[v.ref].valid, judged[v.ref].problem, judged[v.ref].current
        person = reg.person(v.reviewer)
        rows.append({"reviewer": v.reviewer, "name": person.name if person else "", "verdict": v.verdict,
                     "opinion": v.opinion, "head": v.target, "current": v.current, "valid": v.valid,
                     "problem": v.problem, "tag": v.tag, "signed_at": v.tagger_date})
    return rows


def _history_rows(view: ReviewView, n: int) -> list[dict[str, Any]]:
    """Every verdict a reviewer later replaced (kept under refs/reviews/<n>/_history/)."""
    rows = []
    for reviewer, k, oid in view.history(n):
        got = view.reader.read(oid)
        if got is None or got[1] != "tag":
            continue
        tag = parse_tag(got[0], got[2])
        try:
            verdict, opinion = parse_verdict(tag.message)
        except ValueError:
            verdict, opinion = None, tag.message.strip()
        person = view.registry.person(reviewer)
        rows.append({"reviewer": reviewer, "name": person.name if person else "", "k": k,
                     "verdict": verdict, "opinion": opinion, "head": tag.object, "tag": oid,
                     "signed_at": _tagger_date(tag.tagger)})
    return rows


def _step_row(s: Any) -> dict[str, Any]:
    """One 发文 step (会签, 签发, 复核) as `oa review show --json` gives it."""
    return {"step": s.kind, "user": s.user, "name": s.display_name, "unit": s.unit,
            "opinion": s.opinion, "date": s.fields.get("Date"), "valid": s.valid,
            "current": s.current, "problem": s.problem, "on_behalf_of": s.on_behalf_of,
            "signed_at": s.trusted_at.isoformat() if s.trusted_at else None}


__all__ = ["Cast", "cast", "open_request", "approve", "reject", "requests", "show"]
