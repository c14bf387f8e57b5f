"""Chapter 1: the city, its units and people, and pushes through the real hooks."""
from __future__ import annotations

import io
import os
import shutil

from PIL import Image

from repo_tools import city as city_mod
from repo_tools.demo.state import DemoState
from repo_tools.git.clone import clone
from repo_tools.hook.entry import HEADER


def run(state: DemoState) -> None:
    sample = state.sample
    state.chapter("一、建立城市：登记系统、单位、人员与数字证书")
    egov = sample["egov"]
    city = city_mod.init(state.city.root, admin=egov["admin"]["id"], admin_name=egov["admin"]["name"],
                         egov_name=egov["name"])
    state.city = city
    admin = egov["admin"]["id"]
    state.facts["admin"] = admin
    for unit in sample["units"]:
        city_mod.add_unit(city, admin, unit["id"], unit["name"], unit["codes"], unit.get("level", "department"),
                          unit.get("required_approvals", 1), unit.get("fonds", ""), unit.get("number_floors"))
        state.ok(f"登记单位 {unit['name']}（{unit['id']}），机关代字 {'、'.join(unit['codes'])}，颁发电子印章")
    for person in sample["people"]:
        city_mod.add_user(city, admin, person["id"], person["name"], person["unit"], person["roles"])
    state.ok(f"登记 {len(sample['people'])} 名人员，各自生成 Ed25519 数字证书，公钥进入服务器密钥环")
    leaders = {u["id"]: u["leader"] for u in sample["units"] if u.get("leader")}
    for unit_id, leader in leaders.items():
        city_mod.set_unit_leader(city, admin, unit_id, leader)
    if leaders:
        state.ok("指定单位负责人（审批本单位证书和印章申请）：" + "、".join(f"{u} {p}" for u, p in leaders.items()))
    from repo_tools.workflow.settings import set_workflow  # 发文 workflow settings (Art. 12)
    for unit in sample["units"]:
        if unit.get("signers") or unit.get("check_required"):
            set_workflow(city, admin, unit["id"], signers=unit.get("signers"), check=unit.get("check_required"))
            state.ok(f"设置 {unit['name']} 发文流程：核稿 {unit.get('required_approvals', 1)} 人，负责人签发"
                     f"{'，盖章前复核' if unit.get('check_required') else ''}")
    state.fact(f"城市：{len(sample['units']) + 1} 个单位、{len(sample['people']) + 1} 名人员，每次登记都是签名提交")
    from repo_tools.log import enrol
    for item in sample.get("witnesses", []):
        enrol.add_witness(city, admin, item["unit"], item["holder"])
        state.ok(f"登记单位 {item['unit']} 的日志见证公钥（私钥与见证状态由管理员 {item['holder']} 自己保管）")

    state.chapter("二、信息：拟稿人提交带照片的信息，服务器钩子逐项检查")
    author = next(p["id"] for p in sample["people"] if p["unit"] == "lagov" and "author" in p["roles"])
    work = clone(city, "lagov", state.work_dir(author), author)
    state.facts["lagov_author_clone"] = work
    src = state.content / "bulletins"
    for folder in sorted(p.parent for p in src.rglob("index.md")):
        target = work / "bulletins" / folder.relative_to(src)
        shutil.copytree(folder, target)
    state.git(work, "add", "-A")
    state.git(work, "commit", "-q", "-m", "信息：市协同办公系统今日起试运行")
    state.git(work, "push", "-q", "origin", "HEAD:refs/heads/draft/bulletins")
    state.facts.setdefault("drafts", []).append(
        {"kind": "bulletin", "unit": "lagov", "author": author, "clone": work, "branch": "draft/bulletins",
         "paths": ["bulletins/政务动态/2013-03-26-oa-trial-run"]})
    state.ok(f"{author} 签名提交并签名推送信息草稿（照片 {_size(work)} 字节，≤ 500 KB），钩子通过")

    big = Image.frombytes("RGB", (520, 520), os.urandom(520 * 520 * 3))
    buf = io.BytesIO()
    big.save(buf, "PNG")
    photo = work / "bulletins" / "政务动态" / "2013-03-26-oa-trial-run" / "photo-large.png"
    photo.write_bytes(buf.getvalue())
    state.git(work, "add", "-A")
    state.git(work, "commit", "-q", "--no-verify", "-m", "信息：追加一张高清照片")
    proc = state.git(work, "push", "origin", "HEAD:refs/heads/draft/bulletins", check=False)
    if proc.returncode == 0 or HEADER not in proc.stderr:
        raise RuntimeError("超大图片本应被服务器拒绝")
    detail = "\n".join(line.removeprefix("remote: ").rstrip() for line in proc.stderr.splitlines()
                       if "✗" in line or "处理办法" in line)
    state.refused(f"推送 {len(buf.getvalue())} 字节的图片", detail)
    state.git(work, "reset", "-q", "--hard", "HEAD~1")
    state.fact("超过 500 KB 的图片在服务器端被拒绝，仓库、登记系统和日志均未改变")


def _size(work) -> int:
    return (work / "bulletins" / "政务动态" / "2013-03-26-oa-trial-run" / "photo.jpg").stat().st_size
