"""The document rules on a working clone, for `oa doc check` and the client's pre-commit hook:
the same `documents.check_index` the server hook applies, and the hook's content rules
(`policy.content.check_file`: image size and decoding, file size, classification markings,
executables) on every file of each folder, fed from the disk or the git index, with paths
relative to the repository's root so every message reads exactly as the hook's."""
from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

from repo_tools import timeutil
from repo_tools.documents import model as documents
from repo_tools.git.repo import clean_env
from repo_tools.hook.rules.content import check_file
from repo_tools.refusal import Refusal
from repo_tools.registry.records import Registry, Unit


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=cwd, env=clean_env(), capture_output=True)


def toplevel(path: Path) -> Path | None:
    """The root of the git work tree holding `path`, or None outside any."""
    start = path if path.is_dir() else path.parent
    proc = _git(start, "rev-parse", "--show-toplevel")
    return Path(proc.stdout.decode().strip()) if proc.returncode == 0 else None


def is_sealed_copy(root: Path, relpath: str, data: bytes) -> bool:
    """True when this index.md is byte for byte the one on origin/main (a sealed document)."""
    proc = _git(root, "rev-parse", "--verify", "--quiet", f"refs/remotes/origin/main:{relpath}")
    if proc.returncode != 0:
        return False
    mine = subprocess.run(["git", "hash-object", "--stdin"], cwd=root, env=clean_env(), input=data,
                          capture_output=True).stdout.decode().strip()
    return mine == proc.stdout.decode().strip()


def find_indexes(paths: list[Path]) -> list[Path]:
    """index.md files named or found under the given files and folders (a file named by the
    user that is not an index.md is one of a folder's files, not a document: see `loose_files`)."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            if path.name == "index.md" or path.suffix.lower() in (".md", ".markdown"):
                found.append(path)
        elif (path / "index.md").is_file():
            found.append(path / "index.md")
        elif path.is_dir():
            found += sorted(p for p in path.rglob("index.md") if ".git" not in p.parts)
    return found


def loose_files(paths: list[Path]) -> list[Path]:
    """Files named by the user that are not documents themselves (an image, an attachment)."""
    return [p for p in paths if p.is_file() and p not in find_indexes([p])]


def _relative(path: Path) -> str:
    root = toplevel(path)
    return path.relative_to(root).as_posix() if root else path.as_posix()


def content_refusals(files: list[Path]) -> list[Refusal]:
    """The hook's content rules on files on disk, each named as the hook names it."""
    found: list[Refusal] = []
    for path in files:
        found += check_file(_relative(path), path.read_bytes())
    return found


def check_on_disk(paths: list[Path], unit: Unit, registry: Registry | None = None,
                  on_main: bool | None = None, today: date | None = None) -> tuple[int, list[Refusal]]:
    """(number of documents, bulletins and loose files checked, refusals) for what is on disk:
    the document rules on each index.md and the content rules on every file of its folder.

    `on_main` None decides per document: a document identical to origin/main's is sealed."""
    today = today or timeutil.today()
    found: list[Refusal] = []
    resolved = [p.resolve() for p in paths]
    indexes = find_indexes(resolved)
    loose = loose_files(resolved)
    found += content_refusals(loose)
    for index in indexes:
        root = toplevel(index)
        relpath = index.relative_to(root).as_posix() if root else index.as_posix()
        folder = index.parent
        names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        data = index.read_bytes()
        sealed = on_main if on_main is not None else bool(root and is_sealed_copy(root, relpath, data))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", "replace")
        found += documents.check_index(relpath, text, names, unit, sealed, today, registry)
        if index.name == "index.md":
            found += content_refusals(sorted(p for p in folder.rglob("*") if p.is_file() and ".git" not in p.parts))
    return len(indexes) + len(loose), list(dict.fromkeys(found))  # one refusal once, as the hook says it


def check_staged(root: Path, unit: Unit, registry: Registry | None = None,
                 today: date | None = None) -> list[Refusal]:
    """The document rules on every document or bulletin folder the staged changes touch."""
    today = today or timeutil.today()
    changed = _git(root, "diff", "--cached", "--name-only", "-z").stdout.decode().split("\0")
    folders = {f for f in (documents.folder_of(n) for n in changed if n) if f}
    found: list[Refusal] = []
    for kind, folder in sorted(folders, key=lambda f: f[1]):
        listed = _git(root, "ls-files", "-z", "--", folder).stdout.decode().split("\0")
        names = {n[len(folder) + 1:] for n in listed if n.startswith(folder + "/")}
        if "index.md" not in names:
            continue
        relpath = f"{folder}/index.md"
        data = _git(root, "show", f":{relpath}").stdout
        found += documents.check_folder(kind, folder, data, names, unit,
                                        is_sealed_copy(root, relpath, data), today, registry)
    return found
