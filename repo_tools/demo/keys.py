"""Chapter: keys and seals over time. The regulation was sealed in 2013; afterwards a
custodian is designated, one person's certificate is replaced, another's is revoked when she
leaves, her old key is refused at the next push, and `oa verify` still shows the 2013 seal
and approvals valid. The units' seal images and an exported keyring go into the demo dir."""
from __future__ import annotations

import os
import subprocess

from repo_tools.demo.state import DemoState
from repo_tools.git.clone import clone
from repo_tools.identity import certificates
from repo_tools.identity.keyring_export import export
from repo_tools.messages import refusal_summary, say
from repo_tools.seal import seals
from repo_tools.seal.image import seal_png, seal_svg
from repo_tools.verify.report import document_report, verify


def _person(state: DemoState, unit: str, role: str) -> str:
    return next(p["id"] for p in state.sample["people"] if p["unit"] == unit and role in p["roles"])


def _reviewers(state: DemoState, unit: str) -> list[str]:
    return [p["id"] for p in state.sample["people"] if p["unit"] == unit and "reviewer" in p["roles"]]


def run(state: DemoState) -> None:
    city = state.city
    admin = state.facts.get("admin", "admin")
    state.chapter(say("demo.keys.run.1"))
    approver = _person(state, "lagov", "admin")
    custodian = _person(state, "lagov", "seal-custodian")
    reg = city.registry()
    active = reg.active_seal("lagov")
    if active is not None and not active.custodian:
        seals.issue(city, admin, "lagov", custodian, approved_by=approver)
        state.ok(say("demo.keys.run.2",
                     id=active.id, custodian=custodian, approver=approver, admin=admin))

    sealed = [s for s in state.facts.get("sealed", []) if s.get("unit") == "lagov"]
    for item in sealed:
        report = document_report(city, "lagov", item["path"])
        state.ok(say("demo.keys.run.3",
                     number=report['number'], value=report['seal']['id'] if report['seal'] else '—',
                     value2=say("demo.keys.run.22") if report['seal_valid'] else say("demo.keys.run.23")))

    author = _person(state, "lagov", "author")
    record = certificates.issue(city, admin, author, approved_by=approver)
    state.ok(say("demo.keys.run.4",
                 author=author, fingerprint=record.fingerprint[:16]))

    leaving = _reviewers(state, "lagov")[-1]
    old_clone = clone(city, "lagov", state.work_dir(f"{leaving}-before-leaving"), leaving)
    key = certificates.revoke(city, admin, leaving, "left", approved_by=approver)
    state.ok(say("demo.keys.run.5",
                 leaving=leaving, fingerprint=key.fingerprint[:16], revoked_at=key.revoked_at, approver=approver))

    (old_clone / "note.md").write_text(say("demo.keys.run.6"), encoding="utf-8")
    state.git(old_clone, "add", "-A")
    state.git(old_clone, "commit", "-q", "--no-verify", "-m", say("demo.keys.run.7"))
    proc = state.git(old_clone, "push", "origin", "HEAD:refs/heads/draft/after-leaving", check=False)
    if proc.returncode == 0:
        raise RuntimeError(say("demo.keys.run.8"))
    detail = refusal_summary(proc.stderr)
    state.refused(say("demo.keys.run.9", leaving=leaving), detail)

    report = verify(city, "lagov")
    unit = report["units"][0]
    bad = [f for f in unit["objects"] if not f["valid"]]
    state.ok(say("demo.keys.run.10",
                 len_objects=len(unit['objects']), len_bad=len(bad), len_documents=len(unit['documents'])))
    for doc in unit["documents"]:
        approvals = "；".join(f"{a['name']}：{(a['opinion'] or a['verdict'] or '').rstrip('。；')}"
                             for a in doc["approvals"])
        state.ok(say("demo.keys.run.11",
                     number=doc['number'], value=doc['seal']['id'] if doc['seal'] else '—',
                     value2=say("demo.keys.run.22") if doc['seal_valid'] else say("demo.keys.run.23"), value3=approvals or '—'))
        if doc["path"] in {s["path"] for s in sealed} and not doc["seal_valid"]:
            raise RuntimeError(say("demo.keys.run.12",
                                   number=doc['number'], problems=doc['problems']))
    for f in bad:
        state.console.print(say("demo.keys.run.13",
                                kind=f['kind'], id=f['id'][:10], reason=f['reason']))
    state.fact((say("demo.keys.run.14") if sealed else say("demo.keys.run.15"))
               + say("demo.keys.run.16"))

    out = state.root / "seals"
    out.mkdir(parents=True, exist_ok=True)
    for unit_rec in city.registry().units.values():
        (out / f"{unit_rec.id}.svg").write_text(seal_svg(unit_rec.name, unit_rec.level), encoding="utf-8")
        seal_png(unit_rec.name, unit_rec.level, out / f"{unit_rec.id}.png")
    state.ok(say("demo.keys.run.17", out=out))

    keyring = state.root / "keyring"
    if keyring.exists():
        import shutil
        shutil.rmtree(keyring)
    count = export(city, keyring)
    state.ok(say("demo.keys.run.18", count=count, keyring=keyring))
    for item in sealed:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env["GNUPGHOME"] = str(keyring)
        proc = subprocess.run(["git", "verify-commit", item["merge"]], cwd=city.unit_repo("lagov"), env=env,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(say("demo.keys.run.19", stderr=proc.stderr))
        state.ok(say("demo.keys.run.20",
                     merge=item['merge'][:10], number=item['number']))
    subprocess.run(["gpgconf", "--kill", "all"], env={**os.environ, "GNUPGHOME": str(keyring)}, capture_output=True)
    state.fact(say("demo.keys.run.21", keyring=keyring))
