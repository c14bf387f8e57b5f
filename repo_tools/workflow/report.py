"""The 会签, 签发 and 复核 a sealing merge relied on, as the verification panel, `oa verify` and
the archive metadata show them: who, for which unit, the opinion, the 成文日期 they signed, the
trusted time, under which 委托, and whether the signature held at that time."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from repo_tools.git.repo import ObjectReader, parse_commit, parse_tag
from repo_tools.messages import say
from repo_tools.registry.records import Registry
from repo_tools.workflow.delegation import GRANTS, parse_grant
from repo_tools.workflow.steps import STEP_NAMES, verdict_fields
from repo_tools.workflow.trusted import times_of

KEYS = {"Countersign": "countersign", "Sign-Off": "sign-off", "Check": "check"}


def _head_of(reader: ObjectReader, oid: str) -> str | None:
    got = reader.read(oid)
    if not got or got[1] != "commit":
        return None
    for line in parse_commit(oid, got[2]).message.splitlines():
        if line.startswith("Head:"):
            return line.split(":", 1)[1].strip()
    return None


def issued_steps(verifier: Any, reader: ObjectReader, reg: Registry, unit_id: str,
                 trailers: list[tuple[str, str]], times: dict[str, str], mr_head: str | None,
                 log_file: Path | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """(steps, problems) for the `Countersign:`, `Sign-Off:` and `Check:` trailers of a merge.
    `times` may hold the unit's own pushes only: a 会签 was pushed in the co-issuer's repository,
    so its trusted time is looked up in the log."""
    wanted = [v.strip().rpartition(" ")[2] for k, v in trailers if k in KEYS]
    missing = [o for o in wanted if o and o not in times]
    if missing and log_file is not None:
        times = {**times, **{o: t.isoformat() for o, t in times_of(log_file, missing).items()}}
    steps: list[dict[str, Any]] = []
    problems: list[str] = []
    for key, value in trailers:
        kind = KEYS.get(key)
        if kind is None:
            continue
        ref, _, oid = value.strip().rpartition(" ")
        user = ref.rstrip("/").rsplit("/", 1)[-1]
        person = reg.person(user)
        entry: dict[str, Any] = {"step": kind, "step_name": STEP_NAMES[kind], "user": user,
                                 "name": person.name if person else user, "unit": unit_id, "unit_name": None,
                                 "opinion": "", "date": None, "trusted_time": times.get(oid), "valid": False,
                                 "delegation": None, "on_behalf_of": None, "on_behalf_name": None,
                                 "ref": ref, "tag": oid}
        got = reader.read(oid) if oid else None
        if not got or got[1] != "tag":
            problems.append(say("workflow.report.issued_steps.1", step_names=STEP_NAMES[kind], ref=ref))
            steps.append(entry)
            continue
        tag = parse_tag(got[0], got[2])
        fields = verdict_fields(tag.message)
        lines = tag.message.strip().split("\n")
        entry["opinion"] = "\n".join(line for line in lines[1:] if line.strip() and not line.startswith(
            ("Date:", "Delegation:", "Unit:", "Head:"))).strip()
        entry["date"] = fields.get("Date")
        entry["unit"] = fields.get("Unit", unit_id) if kind == "countersign" else unit_id
        unit = reg.unit(entry["unit"])
        entry["unit_name"] = unit.name if unit else entry["unit"]
        judged = verifier.finding("tag", entry["unit"], tag.oid, times.get(tag.oid),
                                  f"{STEP_NAMES[kind]} {ref}", tag.payload, tag.signature, ref=ref)
        ok = judged.valid and judged.signer == user
        target = _head_of(reader, tag.object) if kind == "countersign" else tag.object
        if not judged.valid:
            problems.append(say("workflow.report.issued_steps.2",
                                step_names=STEP_NAMES[kind], ref=ref, reason=judged.reason))
        elif judged.signer != user:
            problems.append(say("workflow.report.issued_steps.3",
                                step_names=STEP_NAMES[kind], ref=ref, signer=judged.signer, user=user))
        elif mr_head and target != mr_head:
            ok = False
            problems.append(say("workflow.report.issued_steps.4", step_names=STEP_NAMES[kind], ref=ref))
        ident = fields.get("Delegation")
        if ident:
            entry["delegation"] = ident
            grant = reader.read(f"{GRANTS}{ident}")
            if grant and grant[1] == "tag":
                gtag = parse_tag(grant[0], grant[2])
                gjudged = verifier.finding("tag", unit_id, gtag.oid, times.get(gtag.oid), say("workflow.report.issued_steps.5",
                                                                                              ident=ident),
                                           gtag.payload, gtag.signature)
                leader = reg.person(gjudged.signer or "")
                to, _, _ = parse_grant(gtag.message)
                entry["on_behalf_of"] = gjudged.signer
                entry["on_behalf_name"] = leader.name if leader else gjudged.signer
                if not gjudged.valid or to != user:
                    ok = False
                    problems.append(say("workflow.report.issued_steps.6", ident=ident))
            else:
                ok = False
                problems.append(say("workflow.report.issued_steps.7", ident=ident))
        entry["valid"] = ok
        steps.append(entry)
    return steps, problems


__all__ = ["issued_steps"]


def countersign_unit(message: str) -> str | None:
    """The co-issuing unit a 会签 tag is signed for (its `Unit:` field), else None."""
    if message.split("\n", 1)[0].strip() != "countersign":
        return None
    return verdict_fields(message).get("Unit")


def service_commits(repo: Path, reader: ObjectReader) -> set[str]:
    """The 会签件 commits in a unit repository: made by the service, unsigned by design (no push
    can bring an unsigned commit: hook/rules/signatures.py), reached from refs/countersign/ or as
    the object of a 会签 tag under refs/reviews/."""
    from repo_tools.git.repo import clean_env, git
    found: set[str] = set()
    out = git("for-each-ref", "--format=%(objectname) %(objecttype) %(refname)", "refs/countersign/",
              "refs/reviews/", cwd=repo, env=clean_env())
    for line in out.splitlines():
        oid, otype, ref = line.split(" ", 2)
        if ref.startswith("refs/countersign/") and otype == "commit":
            found.add(oid)
        elif otype == "tag":
            got = reader.read(oid)
            if got and countersign_unit(parse_tag(oid, got[2]).message):
                found.add(parse_tag(oid, got[2]).object)
    return {o for o in found if _is_countersign_request(reader, o)}


def _is_countersign_request(reader: ObjectReader, oid: str) -> bool:
    got = reader.read(oid)
    if not got or got[1] != "commit":
        return False
    commit = parse_commit(oid, got[2])
    return not commit.parents and "\nCountersign-Request: " in commit.message
