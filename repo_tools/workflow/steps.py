"""The 发文 steps of one merge request, judged in order (ARCHITECTURE.md "Merge requests,
approval and the seal"): 核稿 (`approve`, as many as the unit requires), 会签 (`countersign`, by
each co-issuing unit's leader or deputy, delivered through the service), 签发 (`sign-off`, by
the unit's leader, a deputy allowed to, or under a signed 委托), 复核 (`check`, where the unit
requires it), then the seal merge.

Every step is a signed verdict tag under `refs/reviews/<n>/<user>` on the request's current head
(a 会签 points at the service's 会签件 commit, whose `Head:` line names the head): a new commit
makes every step stale. A 签发 and a 会签 carry signed fields after their opinion:

    Date: 2026-12-01        成文日期 (the signing day unless the signer names an earlier one,
                            e.g. a meeting's date; never later than the step's trusted time)
    Delegation: <id>        the 委托 it was made under (refs/delegations/<id>)
    Unit: <unit>            (会签) the co-issuing unit the signer signs for
    Head: <commit>          (会签) the request head it countersigns

The 签发人 and 成文日期 of the sealed document come from here, never from typed front matter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from repo_tools.documents import frontmatter
from repo_tools.git.repo import parse_commit, parse_tag
from repo_tools.messages import say
from repo_tools.registry.records import Registry, Unit
from repo_tools.review.model import document_folders
from repo_tools.review.views import ReviewView, Status, Verdict
from repo_tools.workflow import delegation as delegation_mod
from repo_tools.workflow.settings import allowed_signers
from repo_tools.workflow.trusted import times_of
from repo_tools.workflow.vocabulary import STEP_NAMES as STEP_NAMES

FIELD = re.compile(r"^(Date|Delegation|Unit|Head):[ \t]*(\S.*?)\s*$")
CHECK_ROLES = ("reviewer", "seal-custodian")
COUNTERSIGN_REF = "refs/countersign/"            # the service's 会签件 in a co-issuing unit's repo
OUTBOX_COUNTERSIGN = "refs/outbox-countersign/"  # a co-issuer's signed 会签, on its way


def verdict_fields(message: str) -> dict[str, str]:
    """The signed fields at the end of a verdict's message (Date, Delegation, Unit, Head)."""
    found: dict[str, str] = {}
    for line in reversed(message.strip().split("\n")):
        match = FIELD.match(line)
        if not match:
            break
        found.setdefault(match[1], match[2])
    return found


def step_message(kind: str, opinion: str, fields: dict[str, str] | None = None) -> str:
    text = f"{kind}\n\n{opinion.strip()}\n"
    lines = [f"{k}: {v}" for k, v in (fields or {}).items() if v]
    return text + ("\n" + "\n".join(lines) + "\n" if lines else "")


@dataclass
class DocumentFacts:
    """What the workflow needs of one document of a request, read at its head."""
    index: str
    type: str
    joint: list[str]
    meta: dict[str, Any]


def request_documents(view: ReviewView, head: str, base: str | None) -> list[DocumentFacts]:
    """The documents a request changes, as they stand at its head."""
    found = []
    for folder in document_folders(view.changed_paths(base, head)):
        index = f"{folder}/index.md"
        got = view.reader.read(f"{head}:{index}")
        if not got or got[1] != "blob":
            continue
        try:
            meta, _ = frontmatter.split(got[2].decode("utf-8", "replace"))
        except frontmatter.FrontMatterError:
            meta = {}
        joint = meta.get("joint") or []
        found.append(DocumentFacts(index, str(meta.get("type") or ""),
                                   [str(u) for u in joint] if isinstance(joint, list) else [], meta))
    return found


@dataclass
class Step:
    """One judged 会签, 签发 or 复核."""
    kind: str
    user: str
    name: str
    unit: str
    ref: str
    tag: str
    opinion: str
    valid: bool
    problem: str
    current: bool
    fields: dict[str, str] = field(default_factory=dict)
    trusted_at: datetime | None = None
    on_behalf_of: str | None = None      # the leader a 委托 was granted by
    on_behalf_name: str | None = None

    @property
    def counts(self) -> bool:
        return self.valid and self.current

    @property
    def signed_date(self) -> date | None:
        try:
            return date.fromisoformat(self.fields.get("Date", ""))
        except ValueError:
            return None

    @property
    def display_name(self) -> str:
        """签发人 as printed: the name, with （代） when signed under a 委托."""
        return say("workflow.steps.display_name.1", name=self.name) if self.on_behalf_of else self.name


@dataclass
class Workflow:
    """Where a request stands in the 发文 steps, for one head."""
    n: int
    head: str
    unit: Unit
    documents: list[DocumentFacts]
    status: Status
    joint: list[str]
    countersigns: dict[str, Step]
    sign_off: Step | None
    check: Step | None
    steps: list[Step]

    @property
    def countersigns_missing(self) -> list[str]:
        return [u for u in self.joint if u not in self.countersigns]

    def missing(self, registry: Registry, for_new_sign_off: bool = False) -> list[str]:
        """What still stands before the seal, in the order of the steps (Chinese, for people)."""
        return [text for _, text in self.missing_steps(registry, for_new_sign_off)]

    def missing_steps(self, registry: Registry, for_new_sign_off: bool = False) -> list[tuple[str, str]]:
        """(step, what is missing) in the order of the steps; the step as data (a key of STEP_NAMES), so
        callers choose by step, never by the sentence. `for_new_sign_off`: a 会签 taken after an earlier
        签发 counts for the 签发 about to be made."""
        out: list[tuple[str, str]] = []
        have, need = len(self.status.approvals), self.status.required
        if have < need:
            out.append(("approve", say("workflow.steps.missing.1",
                           value=need - have, have=have, need=need)))
        for v in self.status.rejections:
            out.append(("reject", say("workflow.steps.missing.2", reviewer=v.reviewer, opinion=v.opinion)))
        if not self.documents:
            return out
        signed = {s.unit for s in self.steps if s.kind == "countersign" and s.counts} if for_new_sign_off else set()
        for unit_id in [u for u in self.countersigns_missing if u not in signed]:
            unit = registry.unit(unit_id)
            out.append(("countersign", say("workflow.steps.missing.3", value=unit.name if unit else unit_id, unit_id=unit_id)))
        if self.sign_off is None:
            who = "、".join(allowed_signers(self.unit, [d.type for d in self.documents])) or say("workflow.steps.missing.4")
            out.append(("sign-off", say("workflow.steps.missing.5", who=who)))
        if self.unit.check_required and self.check is None:
            out.append(("check", say("workflow.steps.missing.6")))
        return out

    def signer_names(self) -> list[str]:
        """签发人 of the sealed document: the drafting unit's, then each co-issuer's in `joint` order."""
        names = [self.sign_off.display_name] if self.sign_off else []
        names += [self.countersigns[u].display_name for u in self.joint if u in self.countersigns]
        return names

    def document_date(self) -> date | None:
        """成文日期: the 签发's date (it comes last, after every 会签)."""
        return self.sign_off.signed_date if self.sign_off else None


def _tag(view: ReviewView, oid: str):
    got = view.reader.read(oid)
    return parse_tag(got[0], got[2]) if got and got[1] == "tag" else None


def countersign_head(view: ReviewView, target: str) -> str | None:
    """The request head a 会签件 commit names (its `Head:` line)."""
    got = view.reader.read(target)
    if not got or got[1] != "commit":
        return None
    for line in parse_commit(target, got[2]).message.splitlines():
        if line.startswith("Head:"):
            return line.split(":", 1)[1].strip()
    return None


def log_file_of(view: ReviewView) -> Path:
    # Unit repositories live at CITY/units/<unit>.git (ARCHITECTURE.md "The city workspace").
    return view.repo.resolve().parent.parent / "log" / "events.jsonl"


def judge_step(view: ReviewView, v: Verdict, head: str, unit: Unit, documents: list[DocumentFacts],
               trusted: dict[str, datetime]) -> Step:
    """Who may take this step, with which fields, under which 委托: one step's validity."""
    reg = view.registry
    tag = _tag(view, v.tag)
    fields = verdict_fields(tag.message) if tag else {}
    person = reg.person(v.reviewer)
    kind = v.verdict or ""
    moment = trusted.get(v.tag) or view.now
    step = Step(kind, v.reviewer, person.name if person else v.reviewer, unit.id, v.ref, v.tag, v.opinion,
                False, v.problem, v.current, fields, trusted.get(v.tag))
    types = [d.type for d in documents]
    if v.problem:
        return step
    if person is None or person.status != "active":
        step.problem = say("workflow.steps.judge_step.1", reviewer=v.reviewer)
        return step
    problem = ""
    if kind == "sign-off":
        problem = _sign_off_problem(view, step, person.unit, unit, types, moment)
    elif kind == "countersign":
        joint = sorted({u for d in documents for u in d.joint})
        step.unit = fields.get("Unit", "")
        co_unit = reg.unit(step.unit)
        step.current = countersign_head(view, v.target) == head and fields.get("Head") == head
        if co_unit is None or step.unit not in joint:
            problem = say("workflow.steps.judge_step.2", unit=step.unit)
        elif person.unit != step.unit:
            problem = say("workflow.steps.judge_step.3", reviewer=v.reviewer, name=co_unit.name)
        elif v.reviewer not in allowed_signers(co_unit, types):
            problem = say("workflow.steps.judge_step.4", reviewer=v.reviewer, name=co_unit.name)
        elif step.signed_date is None or step.signed_date > moment.date():
            problem = say("workflow.steps.judge_step.5")
    elif kind == "check":
        if person.unit != unit.id or not set(CHECK_ROLES) & set(person.roles):
            problem = say("workflow.steps.judge_step.6", reviewer=v.reviewer)
    else:
        problem = say("workflow.steps.judge_step.7", kind=kind)
    step.problem = problem
    step.valid = not problem
    return step


def _sign_off_problem(view: ReviewView, step: Step, person_unit: str, unit: Unit, types: list[str],
                      moment: datetime) -> str:
    if person_unit != unit.id:
        return say("workflow.steps._sign_off_problem.1", user=step.user)
    if step.signed_date is None:
        return say("workflow.steps._sign_off_problem.2")
    if step.signed_date > moment.date():
        return say("workflow.steps._sign_off_problem.3",
                   signed_date=step.signed_date, moment_date=moment.date())
    if step.user in allowed_signers(unit, types):
        return ""
    ident = step.fields.get("Delegation")
    if not ident:
        return say("workflow.steps._sign_off_problem.4",
                   user=step.user, value='、'.join(t for t in types if t) or say("workflow.steps._sign_off_problem.5"))
    grant = delegation_mod.find(view, ident)
    problem = delegation_mod.in_force_problem(view, unit, grant, step.user, moment, log_file_of(view))
    if problem:
        return problem
    assert grant is not None
    leader = view.registry.person(grant.leader) if grant.leader else None
    step.on_behalf_of, step.on_behalf_name = grant.leader, leader.name if leader else grant.leader
    return ""


def judge(view: ReviewView, n: int, head: str, base: str | None, status: Status | None = None) -> Workflow:
    """The whole workflow of request n for `head` (base: main before the request)."""
    status = status or view.status(n, head, base)
    unit = view.registry.unit(view.unit)
    assert unit is not None
    documents = request_documents(view, head, base)
    joint = list(dict.fromkeys(u for d in documents for u in d.joint if u != unit.id))
    kinds = ("countersign", "sign-off", "check")
    relevant = [v for v in status.verdicts if v.verdict in kinds]
    trusted = times_of(log_file_of(view), [v.tag for v in relevant])
    steps = [judge_step(view, v, head, unit, documents, trusted) for v in relevant]
    counting = [s for s in steps if s.counts]

    def latest(kind: str) -> Step | None:
        found = [s for s in counting if s.kind == kind]
        return max(found, key=lambda s: s.trusted_at or view.now) if found else None

    sign_off = latest("sign-off")

    def when(step: Step) -> datetime:
        return step.trusted_at or view.now

    # Order (核稿 → 会签 → 签发 → 复核): a 会签 later than the 签发, or a 复核 earlier than it, is out
    # of order and does not count (the step is taken again in order).
    countersigns: dict[str, Step] = {}
    for s in counting:
        if s.kind == "countersign" and s.unit in joint and (sign_off is None or when(s) <= when(sign_off)):
            countersigns.setdefault(s.unit, s)
    check = next((s for s in counting if s.kind == "check" and sign_off is not None and s.user != sign_off.user
                  and when(s) >= when(sign_off)), None)
    return Workflow(n, head, unit, documents, status, joint, countersigns, sign_off, check, steps)


__all__ = ["Workflow", "Step", "DocumentFacts", "judge", "judge_step", "verdict_fields", "step_message",
           "request_documents", "countersign_head", "STEP_NAMES", "COUNTERSIGN_REF", "OUTBOX_COUNTERSIGN"]
