"""Set-up that a new user runs: the system script is quiet and idempotent, needs root only
when something is missing; `make demo` keeps an existing demo city instead of deleting it."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fixtures import PROJECT_ROOT

from repo_tools.demo import keep_previous

SCRIPT = PROJECT_ROOT / "scripts" / "setup-system.sh"


def _run(*prefix: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, "bash", str(SCRIPT)], capture_output=True, text=True, cwd="/")


def test_setup_script_is_quiet_and_installs_nothing_when_all_is_there() -> None:
    first = _run()
    if first.returncode != 0:
        pytest.skip(f"this machine lacks packages: {first.stderr.strip()}")
    for _ in range(8):  # the old pipefail + grep -q check failed about half the time
        again = _run()
        assert again.returncode == 0, again.stderr
        assert again.stdout == "" and again.stderr == "", again.stdout + again.stderr


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root to drop to nobody")
def test_setup_script_needs_no_root_when_nothing_is_missing() -> None:
    if _run().returncode != 0:
        pytest.skip("this machine lacks packages")
    proc = _run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""


def test_an_existing_demo_city_is_kept(tmp_path: Path) -> None:
    root = tmp_path / "demo-city"
    (root / "work").mkdir(parents=True)
    (root / "work" / "mine.md").write_text("我的改动", encoding="utf-8")
    kept = keep_previous(root)
    assert kept is not None and kept.name.startswith("demo-city.prev-") and not root.exists()
    assert (kept / "work" / "mine.md").read_text(encoding="utf-8") == "我的改动"
    (root).mkdir()
    (root / "again").write_text("x")
    second = keep_previous(root)
    assert second is not None and second != kept and (second / "again").exists() and kept.exists()
    assert keep_previous(root) is None  # nothing there: nothing to keep
