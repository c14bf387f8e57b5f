"""What the review tests share: a draft opened as a merge request, a hand-made tag, the `oa` runner."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fixtures import Workspace, run

from repo_tools.git.repo import clean_env, git
from repo_tools.review import requests as review

OA = str(Path(sys.executable).parent / "oa")


BULLETIN = "---\ntitle: 市政府召开常务会议\ncolumn: 政务动态\ndate: 2026-11-20\n---\n\n会议研究了有关事项。\n"


def draft(ws: Workspace, unit: str, author: str, files: dict[str, str], title: str = "信息草稿") -> tuple[Path, int]:
    """An author's clone with a draft branch, opened as a merge request."""
    work = ws.clone(unit, author)
    run(["git", "checkout", "-q", "-b", f"draft/{work.name}"], work)
    ws.commit(work, files, title)
    return work, review.open_request(ws.city, unit, author, title=title, workdir=work)


def mr_head(ws: Workspace, unit: str, n: int) -> str:
    return git("rev-parse", f"refs/heads/mr/{n}", cwd=ws.city.unit_repo(unit), env=clean_env()).strip()


def hand_tag(work: Path, n: int, target: str, message: str, name: str = "v") -> None:
    run(["git", "tag", "-s", "-f", "-m", message, name, target], work)


def assert_refused(ws: Workspace, before: dict, proc: subprocess.CompletedProcess[str], rule: str) -> None:
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert f"[{rule}｜" in proc.stderr, proc.stderr
    assert "处理办法" in proc.stderr
    assert ws.snapshot() == before


def oa(ws: Workspace, user: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "GNUPGHOME"}
    return subprocess.run([OA, "--city", str(ws.city.root), "--as", user, *args], cwd=cwd,
                          env=env, capture_output=True, text=True)
