"""Chapter 1: the city, its units and people, and pushes through the real hooks."""
from __future__ import annotations

import io
import os
import shutil

from PIL import Image

from repo_tools import city as city_mod
from repo_tools.demo.state import DemoState
from repo_tools.git.clone import clone
from repo_tools.git.repo import clean_env, git
from repo_tools.messages import refusal_summary, refused_rules, say


def run(state: DemoState) -> None:
    sample = state.sample
    state.chapter(say("demo.foundation.run.1"))
    egov = sample["egov"]
    city = city_mod.init(state.city.root, admin=egov["admin"]["id"], admin_name=egov["admin"]["name"],
                         egov_name=egov["name"])
    state.city = city
    admin = egov["admin"]["id"]
    state.facts["admin"] = admin
    for unit in sample["units"]:
        city_mod.add_unit(city, admin, unit["id"], unit["name"], unit["codes"], unit.get("level", "department"),
                          unit.get("required_approvals", 1), unit.get("fonds", ""), unit.get("number_floors"))
        state.ok(say("demo.foundation.run.2",
                     name=unit['name'], id=unit['id'], value_join='、'.join(unit['codes'])))
    for person in sample["people"]:
        city_mod.add_user(city, admin, person["id"], person["name"], person["unit"], person["roles"])
    state.ok(say("demo.foundation.run.3", len_people=len(sample['people'])))
    leaders = {u["id"]: u["leader"] for u in sample["units"] if u.get("leader")}
    for unit_id, leader in leaders.items():
        city_mod.set_unit_leader(city, admin, unit_id, leader)
    if leaders:
        state.ok(say("demo.foundation.run.4") + "、".join(f"{u} {p}" for u, p in leaders.items()))
    from repo_tools.workflow.settings import set_workflow  # 发文 workflow settings (Art. 12)
    for unit in sample["units"]:
        if unit.get("signers") or unit.get("check_required"):
            set_workflow(city, admin, unit["id"], signers=unit.get("signers"), check=unit.get("check_required"))
            state.ok(say("demo.foundation.run.5",
                         name=unit['name'], unit_get=unit.get('required_approvals', 1),
                         value=say("demo.foundation.run.17") if unit.get('check_required') else ''))
    state.fact(say("demo.foundation.run.6",
                   value=len(sample['units']) + 1, value2=len(sample['people']) + 1))
    from repo_tools.log import enrol
    for item in sample.get("witnesses", []):
        enrol.add_witness(city, admin, item["unit"], item["holder"])
        state.ok(say("demo.foundation.run.7",
                     unit=item['unit'], holder=item['holder']))

    state.chapter(say("demo.foundation.run.8"))
    author = next(p["id"] for p in sample["people"] if p["unit"] == "lagov" and "author" in p["roles"])
    work = clone(city, "lagov", state.work_dir(author), author)
    state.facts["lagov_author_clone"] = work
    src = state.content / "bulletins"
    for folder in sorted(p.parent for p in src.rglob("index.md")):
        target = work / "bulletins" / folder.relative_to(src)
        shutil.copytree(folder, target)
    state.git(work, "add", "-A")
    state.git(work, "commit", "-q", "-m", say("demo.foundation.run.9"))
    state.git(work, "push", "-q", "origin", "HEAD:refs/heads/draft/bulletins")
    state.facts.setdefault("drafts", []).append(
        {"kind": "bulletin", "unit": "lagov", "author": author, "clone": work, "branch": "draft/bulletins",
         "paths": [say("demo.foundation.run.10")]})
    state.ok(say("demo.foundation.run.11", author=author, size_work=_size(work)))
    served = git("config", "--get", "oa.hookclient", cwd=city.unit_repo("lagov"), env=clean_env(), check=False).strip()
    state.fact(say("demo.foundation.hook_server.1") if served else say("demo.foundation.hook_server.2"))

    big = Image.frombytes("RGB", (520, 520), os.urandom(520 * 520 * 3))
    buf = io.BytesIO()
    big.save(buf, "PNG")
    photo = work / "bulletins" / say("demo.foundation.run.12") / "2013-03-26-oa-trial-run" / "photo-large.png"
    photo.write_bytes(buf.getvalue())
    state.git(work, "add", "-A")
    state.git(work, "commit", "-q", "--no-verify", "-m", say("demo.foundation.run.13"))
    proc = state.git(work, "push", "origin", "HEAD:refs/heads/draft/bulletins", check=False)
    if proc.returncode == 0 or not refused_rules(proc.stderr):
        raise RuntimeError(say("demo.foundation.run.14"))
    detail = refusal_summary(proc.stderr)
    state.refused(say("demo.foundation.run.15", len_buf_getvalue=len(buf.getvalue())), detail)
    state.git(work, "reset", "-q", "--hard", "HEAD~1")
    state.fact(say("demo.foundation.run.16"))


def _size(work) -> int:
    return (work / "bulletins" / say("demo.foundation._size.1") / "2013-03-26-oa-trial-run" / "photo.jpg").stat().st_size
