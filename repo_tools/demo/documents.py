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
from repo_tools.documents.vocabulary import REQUEST
from repo_tools.git.clone import clone
from repo_tools.messages import refusal_summary, say

OA = [sys.executable, "-c", "from repo_tools.cli import main; main()"]
REGULATION = "oa-measures"
# Agency code each sample document is to be numbered with when sealed (default: the unit's first).
CODES = {("lagov", REGULATION): say("demo.documents.module.1")}


def _oa(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") and k not in ("GNUPGHOME", "OA_CITY", "OA_USER")}
    return subprocess.run([*OA, *args], cwd=work, env=env, capture_output=True, text=True)


def _said(stderr: str) -> str:
    return refusal_summary(stderr)


def run(state: DemoState) -> None:
    state.chapter(say("demo.documents.run.1"))
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
        if unit_id == "jyj" and meta["type"] == REQUEST:
            args = ["doc", "new", "--type", meta["type"], "--title", meta["title"], "--date", str(meta["date"]),
                    "--slug", slug]
            for name in meta.get("recipients", []):
                args += ["--to", name]
            args += ["--signer", str(meta["signer"])]
            made = _oa(work, *args)
            if made.returncode != 0:
                raise RuntimeError(made.stderr)
            state.ok(say("demo.documents.run.2",
                         author=author, value_join=' '.join(args[1:5]), stdout_splitlines_0=made.stdout.splitlines()[0]))
            shutil.rmtree(target)
        shutil.copytree(folder, target)
        checked = _oa(work, "doc", "check", f"documents/{year}/{slug}")
        if checked.returncode != 0:
            raise RuntimeError(say("demo.documents.run.3", stderr=checked.stderr))
        state.git(work, "add", "-A")
        state.git(work, "commit", "-q", "-m", say("demo.documents.run.4",
                                                  title=meta['title']))  # the pre-commit hook checks again
        state.git(work, "push", "-q", "origin", f"HEAD:refs/heads/{branch}")
        state.facts.setdefault("drafts", []).append(
            {"kind": "document", "unit": unit_id, "author": author, "clone": work, "branch": branch,
             "paths": [f"documents/{year}/{slug}"], "code": CODES.get((unit_id, slug), unit.codes[0] if unit else "")})
        state.ok(say("demo.documents.run.5",
                     value=unit.name if unit else unit_id, author=author, type=meta['type'], title=meta['title'], branch=branch))
    for work in clones.values():
        state.git(work, "checkout", "-q", "main")
    state.fact(say("demo.documents.run.6",
                   len_folders=len(folders), value_join='、'.join(sorted({_type(f) for f in folders}))))

    _refused_document(state, clones.get("jyj"))
    from repo_tools.demo.hardening import hostile_push
    hostile_push(state, clones.get("jyj"))

    lagov_work = clones.get("lagov")
    if lagov_work is not None:
        out = state.root / "print" / "oa-measures-draft.pdf"
        draft_dir = state.content / "documents" / "lagov" / "2013" / REGULATION
        render_pdf(draft_dir, out, lagov.name if (lagov := reg.unit("lagov")) else None)
        state.facts["regulation_draft_pdf"] = out
        state.ok(say("demo.documents.run.7", out=out))
        state.fact(say("demo.documents.run.8", out=out))


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
    bad.write_text(say("demo.documents._refused_document.1"),
                   encoding="utf-8")
    checked = _oa(work, "doc", "check", "documents/2013/bad-request")
    state.git(work, "add", "-A")
    state.git(work, "commit", "-q", "--no-verify", "-m", say("demo.documents._refused_document.2"))
    proc = state.git(work, "push", "origin", "HEAD:refs/heads/draft/bad-request", check=False)
    said = _said(proc.stderr)
    if proc.returncode == 0 or checked.returncode != 1:
        raise RuntimeError(say("demo.documents._refused_document.3"))
    same = all(line in said for line in _said(checked.stderr).splitlines())
    state.refused(say("demo.documents._refused_document.4"), said)
    state.git(work, "checkout", "-q", "main")
    state.git(work, "branch", "-q", "-D", "draft/bad-request")
    state.fact(say("demo.documents._refused_document.5") if same
               else say("demo.documents._refused_document.6"))
