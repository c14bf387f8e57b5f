"""Chapter 2: 公文 drafted by each unit's author, checked with `oa doc check`, pushed as drafts
(`draft/<slug>`) through the hook; an invalid document refused with the rule's own words; the
regulation's draft printed in the GB/T 9704 form."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from repo_tools.demo.state import DemoState
from repo_tools.documents import frontmatter
from repo_tools.documents.render import render_pdf
from repo_tools.git.clone import clone

OA = [sys.executable, "-c", "from repo_tools.cli import main; main()"]
REGULATION = "oa-measures"
# Agency code each sample document is to be numbered with when sealed (default: the unit's first).
CODES = {("lagov", REGULATION): "六政办秘"}


def _oa(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") and k not in ("GNUPGHOME", "OA_CITY", "OA_USER")}
    return subprocess.run([*OA, *args], cwd=work, env=env, capture_output=True, text=True)


def _said(stderr: str) -> str:
    return "\n".join(line.removeprefix("remote: ").rstrip() for line in stderr.splitlines()
                     if "✗" in line or "处理办法" in line)


def run(state: DemoState) -> None:
    state.chapter("二、公文：拟稿人按模板拟稿，`oa doc check` 检查，草稿经服务器钩子推送")
    sample = state.sample
    reg = state.city.registry()
    authors: dict[str, str] = {}
    for person in sample["people"]:
        if "author" in person["roles"]:
            authors.setdefault(person["unit"], person["id"])
    clones: dict[str, Path] = {}
    lagov_clone = state.facts.get("lagov_author_clone")
    if lagov_clone is not None:
        clones["lagov"] = Path(lagov_clone)
    source = state.content / "documents"
    # In the order they were written: the regulation, then the 请示, its 批复, the 函.
    folders = sorted((p.parent for p in source.glob("*/*/*/index.md")), key=lambda f: (_meta(f)["date"], f.name))
    for folder in folders:
        unit_id, year, slug = folder.relative_to(source).parts
        unit = reg.unit(unit_id)
        author = authors[unit_id]
        if unit_id not in clones:
            clones[unit_id] = clone(state.city, unit_id, state.work_dir(f"{author}-{unit_id}"), author)
        work = clones[unit_id]
        branch = f"draft/{slug}"
        state.git(work, "checkout", "-q", "-B", branch, "origin/main")
        target = work / "documents" / year / slug
        meta = _meta(folder)
        if unit_id == "jyj" and meta["type"] == "请示":
            args = ["doc", "new", "--type", meta["type"], "--title", meta["title"], "--date", str(meta["date"]),
                    "--slug", slug]
            for name in meta.get("recipients", []):
                args += ["--to", name]
            args += ["--signer", str(meta["signer"])]
            made = _oa(work, *args)
            if made.returncode != 0:
                raise RuntimeError(made.stderr)
            state.ok(f"{author} 用 `oa doc {' '.join(args[1:5])} …` 按模板拟稿：{made.stdout.splitlines()[0]}")
            shutil.rmtree(target)
        shutil.copytree(folder, target)
        checked = _oa(work, "doc", "check", f"documents/{year}/{slug}")
        if checked.returncode != 0:
            raise RuntimeError(f"示例公文未通过检查：{checked.stderr}")
        state.git(work, "add", "-A")
        state.git(work, "commit", "-q", "-m", f"拟稿：{meta['title']}")  # the pre-commit hook checks again
        state.git(work, "push", "-q", "origin", f"HEAD:refs/heads/{branch}")
        state.facts.setdefault("drafts", []).append(
            {"kind": "document", "unit": unit_id, "author": author, "clone": work, "branch": branch,
             "paths": [f"documents/{year}/{slug}"], "code": CODES.get((unit_id, slug), unit.codes[0] if unit else "")})
        state.ok(f"{unit.name if unit else unit_id}（{author}）：{meta['type']}《{meta['title']}》"
                 f" 通过 `oa doc check`，签名推送到 {branch}")
    for work in clones.values():
        state.git(work, "checkout", "-q", "main")
    state.fact(f"{len(folders)} 份公文草稿（{'、'.join(sorted({_type(f) for f in folders}))}）通过检查并推送；"
               "草稿不带发文字号，盖章时编号")

    _refused_document(state, clones.get("jyj"))
    from repo_tools.demo.hardening import hostile_push
    hostile_push(state, clones.get("jyj"))

    lagov_work = clones.get("lagov")
    if lagov_work is not None:
        out = state.root / "print" / "oa-measures-draft.pdf"
        draft_dir = state.content / "documents" / "lagov" / "2013" / REGULATION
        render_pdf(draft_dir, out, lagov.name if (lagov := reg.unit("lagov")) else None)
        state.facts["regulation_draft_pdf"] = out
        state.ok(f"按 GB/T 9704 版式输出《管理办法》通知草稿的打印件：{out}")
        state.fact(f"打印件（A4，仿宋 3 号，红头、红线、版记）：{out}")


def _meta(folder: Path) -> dict:
    """The sample's front matter, read by the one loader (`documents.frontmatter`)."""
    meta, _ = frontmatter.split((folder / "index.md").read_text(encoding="utf-8"))
    return dict(meta)


def _type(folder: Path) -> str:
    return str(_meta(folder)["type"])


def _refused_document(state: DemoState, work: Path | None) -> None:
    """A 请示 with two recipients, no 签发人 and a malformed number: refused with the rule's words."""
    if work is None:
        return
    state.git(work, "checkout", "-q", "-B", "draft/bad-request", "origin/main")
    bad = work / "documents" / "2013" / "bad-request" / "index.md"
    bad.parent.mkdir(parents=True)
    bad.write_text("---\ntype: 请示\ntitle: 六安市教育局关于申请经费的请示\nnumber: 六教[2013]第01号\n"
                   "recipients: [六安市人民政府, 六安市财政局]\ndate: 2013-04-09\n---\n\n妥否，请批示。\n",
                   encoding="utf-8")
    checked = _oa(work, "doc", "check", "documents/2013/bad-request")
    state.git(work, "add", "-A")
    state.git(work, "commit", "-q", "--no-verify", "-m", "拟稿：申请经费（格式有误）")
    proc = state.git(work, "push", "origin", "HEAD:refs/heads/draft/bad-request", check=False)
    said = _said(proc.stderr)
    if proc.returncode == 0 or checked.returncode != 1:
        raise RuntimeError("格式有误的请示本应被拒绝")
    same = all(line in said for line in _said(checked.stderr).splitlines())
    state.refused("推送一份请示：主送两个机关、没有签发人、发文字号写成 六教[2013]第01号", said)
    state.git(work, "checkout", "-q", "main")
    state.git(work, "branch", "-q", "-D", "draft/bad-request")
    state.fact("格式有误的公文在服务器端被拒绝，提示与 `oa doc check` 逐字相同" if same
               else "格式有误的公文在服务器端被拒绝")
