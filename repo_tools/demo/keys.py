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
    state.chapter("密钥与印章的生命周期：保管人、证书更换与注销、长期有效的验证")
    approver = _person(state, "lagov", "admin")
    custodian = _person(state, "lagov", "seal-custodian")
    reg = city.registry()
    active = reg.active_seal("lagov")
    if active is not None and not active.custodian:
        seals.issue(city, admin, "lagov", custodian, approved_by=approver)
        state.ok(f"指定电子印章 {active.id} 的保管人 {custodian}（单位负责人 {approver} 审批，电子政务办 {admin} 办理）")

    sealed = [s for s in state.facts.get("sealed", []) if s.get("unit") == "lagov"]
    for item in sealed:
        report = document_report(city, "lagov", item["path"])
        state.ok(f"盖章公文 {report['number']}：印章 {report['seal']['id'] if report['seal'] else '—'} "
                 f"{'有效' if report['seal_valid'] else '无效'}")

    author = _person(state, "lagov", "author")
    record = certificates.issue(city, admin, author, approved_by=approver)
    state.ok(f"{author} 的数字证书更换为 {record.fingerprint[:16]}…（原证书同时以“更换”作废，此前的签名仍有效）")

    leaving = _reviewers(state, "lagov")[-1]
    old_clone = clone(city, "lagov", state.work_dir(f"{leaving}-before-leaving"), leaving)
    key = certificates.revoke(city, admin, leaving, "left", approved_by=approver)
    state.ok(f"{leaving} 离职，证书 {key.fingerprint[:16]}… 于 {key.revoked_at} 注销（审批：{approver}）")

    (old_clone / "note.md").write_text("离职后仍试图推送。\n", encoding="utf-8")
    state.git(old_clone, "add", "-A")
    state.git(old_clone, "commit", "-q", "--no-verify", "-m", "离职后的提交")
    proc = state.git(old_clone, "push", "origin", "HEAD:refs/heads/draft/after-leaving", check=False)
    if proc.returncode == 0:
        raise RuntimeError("已注销证书签名的推送本应被拒绝")
    detail = "\n".join(line.removeprefix("remote: ").rstrip() for line in proc.stderr.splitlines()
                       if "✗" in line or "处理办法" in line)
    state.refused(f"{leaving} 用已注销的证书签名推送", detail)

    report = verify(city, "lagov")
    unit = report["units"][0]
    bad = [f for f in unit["objects"] if not f["valid"]]
    state.ok(f"oa verify --unit lagov：{len(unit['objects'])} 个签名对象，{len(bad)} 个无效；"
             f"{len(unit['documents'])} 份公文")
    for doc in unit["documents"]:
        approvals = "；".join(f"{a['name']}：{(a['opinion'] or a['verdict'] or '').rstrip('。；')}"
                             for a in doc["approvals"])
        state.ok(f"  {doc['number']} 印章 {doc['seal']['id'] if doc['seal'] else '—'} "
                 f"{'有效' if doc['seal_valid'] else '无效'}，审批：{approvals or '—'}")
        if doc["path"] in {s["path"] for s in sealed} and not doc["seal_valid"]:
            raise RuntimeError(f"{doc['number']} 的印章在证书更换后应仍然有效：{doc['problems']}")
    for f in bad:
        state.console.print(f"    [yellow]无效：{f['kind']} {f['id'][:10]} {f['reason']}[/]")
    state.fact(("证书更换与注销后，2013 年盖的章和审批仍然有效；" if sealed else "证书更换与注销后，此前的签名仍然有效；")
               + "用已注销证书的推送被拒绝")

    out = state.root / "seals"
    out.mkdir(parents=True, exist_ok=True)
    for unit_rec in city.registry().units.values():
        (out / f"{unit_rec.id}.svg").write_text(seal_svg(unit_rec.name, unit_rec.level), encoding="utf-8")
        seal_png(unit_rec.name, unit_rec.level, out / f"{unit_rec.id}.png")
    state.ok(f"按国发〔1999〕25号绘制各单位印章图样（SVG 与 PNG）：{out}")

    keyring = state.root / "keyring"
    if keyring.exists():
        import shutil
        shutil.rmtree(keyring)
    count = export(city, keyring)
    state.ok(f"oa keys export：{count} 把登记公钥写入 {keyring}")
    for item in sealed:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env["GNUPGHOME"] = str(keyring)
        proc = subprocess.run(["git", "verify-commit", item["merge"]], cwd=city.unit_repo("lagov"), env=env,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"原生 git 未能验证盖章提交：{proc.stderr}")
        state.ok(f"原生 git verify-commit {item['merge'][:10]}（{item['number']}）：签名有效")
    subprocess.run(["gpgconf", "--kill", "all"], env={**os.environ, "GNUPGHOME": str(keyring)}, capture_output=True)
    state.fact(f"导出的密钥环只含登记公钥，原生 git 即可验证盖章提交与审批（{keyring}）")
