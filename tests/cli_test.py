"""The `oa` command line as a new user meets it: global options anywhere, Chinese usage text,
and errors that name the right cause."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fixtures import Workspace
from repo_tools.gitrepo import git

OA = str(Path(sys.executable).parent / "oa")


def oa(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") and k not in ("GNUPGHOME", "OA_USER", "OA_CITY")}
    return subprocess.run([OA, *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_global_options_after_the_subcommand(ws: Workspace) -> None:
    target = ws.base / "after"
    proc = oa("clone", "lagov", str(target), "--as", "zhang", "--city", str(ws.city.root))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert git("config", "--get", "oa.user", cwd=target).strip() == "zhang"
    # nested commands too, and --json after the subcommand
    proc = oa("user", "list", "--city", str(ws.city.root), "--json")
    assert proc.returncode == 0, proc.stderr
    assert any(row.get("id") == "zhang" for row in json.loads(proc.stdout))


def test_global_options_before_the_subcommand_still_work(ws: Workspace) -> None:
    target = ws.base / "before"
    proc = oa("--city", str(ws.city.root), "--as", "zhang", "clone", "lagov", str(target))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert git("config", "--get", "oa.user", cwd=target).strip() == "zhang"


def test_unknown_option_after_subcommand_is_still_a_usage_error(ws: Workspace) -> None:
    proc = oa("clone", "lagov", str(ws.base / "x"), "--ass", "zhang", "--city", str(ws.city.root))
    assert proc.returncode == 2
    assert not (ws.base / "x").exists()
