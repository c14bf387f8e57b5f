"""The wheel (`pip install .`, not editable) carries what `repo_tools/resources.py` looks up:
hooks, site templates, the sample content and mkdocs.yml, plus the portal's templates; installed
on its own, the package finds them inside itself and a city made with it gets the wheel's hooks.
`make wheel` goes further and runs the whole demo from a fresh venv (minutes, so not here)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from fixtures import PROJECT_ROOT, short_tmpdir

from repo_tools.city import City
from repo_tools.resources import PARTS

# What setup.py and pyproject.toml build from; the rest of the checkout (tests, bench, .venv) is not packaged.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "repo_tools", *PARTS)


def _tracked(part: str) -> list[str]:
    """The checkout's files under `part`, relative to the checkout (what the wheel must carry)."""
    root = PROJECT_ROOT / part
    if root.is_file():
        return [part]
    return sorted(str(p.relative_to(PROJECT_ROOT)) for p in root.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def _build_wheel(tmp: Path) -> Path:
    """A wheel built from a copy of the sources (building in the checkout would leave build/ there)."""
    source = tmp / "src"
    for name in SOURCES:
        origin = PROJECT_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif origin.exists():
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, source / name)
    out = tmp / "dist"
    # No build isolation: the build uses this venv's setuptools (the test extra), no download.
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                           "-w", str(out), str(source)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list(out.glob("repo_tools-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_carries_hooks_templates_content_and_mkdocs_and_the_package_uses_them(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for part in PARTS:
        expected = _tracked(part)
        assert expected, part
        missing = [f for f in expected if f"repo_tools/_project/{f}" not in names]
        assert not missing, missing
    portal = sorted(p.name for p in (PROJECT_ROOT / "repo_tools/portal/templates").glob("*.html"))
    assert portal and all(f"repo_tools/portal/templates/{n}" in names for n in portal)
    python = [str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "repo_tools").rglob("*.py")]
    assert not [p for p in python if p not in names]
    assert not [n for n in names if n.startswith(("tests/", "bench/", "build/"))]
    # Installed on its own (no checkout beside it), the package reads its parts from inside itself.
    target = tmp_path / "site-packages"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                           "--target", str(target), str(wheel)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    base = short_tmpdir("oaw")  # gpg-agent sockets need a short path (tmp_path is long under xdist)
    city = base / "c"
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import repo_tools, repo_tools.city as c; "
             "from repo_tools.resources import project_path; "
             "print(repo_tools.__file__); print(project_path('content')); print(project_path('mkdocs.yml')); "
             "print(c.PROJECT_HOOKS); c.init(sys.argv[2])")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    try:
        proc = subprocess.run([sys.executable, "-c", probe, str(target), str(city)], capture_output=True,
                              text=True, cwd=tmp_path, env=env)
    finally:
        City(city).stop_agents()
    try:
        _check_installed(proc, target, city)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _check_installed(proc: subprocess.CompletedProcess[str], target: Path, city: Path) -> None:
    assert proc.returncode == 0, proc.stderr
    package, content, mkdocs, hooks = proc.stdout.splitlines()[:4]
    bundled = target / "repo_tools" / "_project"
    assert Path(package).is_relative_to(target)
    assert Path(content) == bundled / "content" and (Path(content) / "city.yaml").is_file()
    assert Path(mkdocs) == bundled / "mkdocs.yml" and Path(hooks) == bundled / "hooks"
    for name in ("pre-receive", "post-receive"):
        installed = city / "registry.git" / "hooks" / name
        assert installed.read_bytes() == (bundled / "hooks" / name).read_bytes()
        assert os.access(installed, os.X_OK)
