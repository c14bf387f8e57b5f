"""One-off relayout of repo_tools into subpackages (issue 13). Run from the project root.

Moves modules with `git mv`, then rewrites every import in repo_tools/, tests/, bench/ to the
absolute new path (relative imports become absolute so later moves are a one-line change).
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

MOVES: dict[str, str] = {
    "gitrepo": "git.repo",
    "push": "git.push",
    "clone": "git.clone",
    "eventlog": "log.eventlog",
    "lockout": "identity.lockout",
    "keys": "identity.keys",
    "keyring_export": "identity.keyring_export",
    "certificates": "identity.certificates",
    "registry": "registry.records",
    "applications": "registry.applications",
    "documents": "documents.model",
    "drafting": "documents.drafting",
    "official_form": "documents.official_form",
    "render": "documents.render",
    "markup": "documents.markup",
    "frontmatter": "documents.frontmatter",
    "worktree_check": "documents.worktree_check",
    "review": "review.requests",
    "sealing": "seal.sealing",
    "seals": "seal.seals",
    "seal_image": "seal.image",
    "numbering": "seal.numbering",
    "transmit": "transmit.deliveries",
    "verify": "verify.report",
    "archive": "archive.packages",
    "archive_access": "archive.access",
    "archive_checks": "archive.checks",
    "archive_export": "archive.export",
    "archive_reference": "archive.reference",
    "archive_retention": "archive.retention",
    "archive_stats": "archive.stats",
    "archive_stats_svg": "archive.stats_svg",
    "hook": "hook.entry",
}
PACKAGE_MOVES: dict[str, str] = {"policy": "hook.rules"}
PKG = "repo_tools"
ROOT = Path.cwd()
OLD_MODULES: set[str] = set()


def scan_old_modules() -> None:
    for path in (ROOT / PKG).rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        OLD_MODULES.add(".".join(parts))


def new_name(dotted: str) -> str:
    """Old absolute module path -> new absolute module path."""
    if not dotted.startswith(PKG + ".") :
        return dotted
    rest = dotted[len(PKG) + 1:]
    head, _, tail = rest.partition(".")
    if head in PACKAGE_MOVES:
        return ".".join(filter(None, [PKG, PACKAGE_MOVES[head], tail]))
    if head in MOVES and not tail:
        return f"{PKG}.{MOVES[head]}"
    return dotted


def module_of(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        return ".".join(parts)  # package: relative level 1 means itself
    return ".".join(parts)


def resolve(path: Path, node: ast.ImportFrom) -> str | None:
    if node.level == 0:
        return node.module
    rel = path.relative_to(ROOT)
    if rel.parts[0] != PKG:
        return None
    parts = list(rel.with_suffix("").parts)
    base = parts[:-1]  # the package the file lives in
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def rewrite_importfrom(path: Path, node: ast.ImportFrom) -> list[str] | None:
    target = resolve(path, node)
    if target is None or not (target == PKG or target.startswith(PKG + ".")):
        return None
    groups: dict[str, list[str]] = {}
    order: list[str] = []
    for alias in node.names:
        full = f"{target}.{alias.name}"
        if full in OLD_MODULES and new_name(full) != full:
            moved = new_name(full)
            parent, _, last = moved.rpartition(".")
            item = last if (alias.asname or alias.name) == last else f"{last} as {alias.asname or alias.name}"
            key = parent
        else:
            key = new_name(target)
            item = alias.name if not alias.asname else f"{alias.name} as {alias.asname}"
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(item)
    lines = []
    for key in order:
        names = ", ".join(groups[key])
        line = f"from {key} import {names}"
        if len(line) > 110:
            inner = ",\n    ".join(groups[key])
            line = f"from {key} import (\n    {inner},\n)"
        lines.append(line)
    return lines


def rewrite_import(node: ast.Import) -> list[str] | None:
    changed = False
    out = []
    for alias in node.names:
        moved = new_name(alias.name)
        if moved != alias.name:
            changed = True
            out.append(f"import {moved} as {alias.asname or alias.name.rsplit('.', 1)[-1]}" if alias.asname or "." in alias.name else f"import {moved}")
        else:
            out.append(f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else ""))
    return out if changed else None


def rewrite_file(path: Path) -> bool:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, list[str]]] = []
    for node in ast.walk(tree):
        new: list[str] | None = None
        if isinstance(node, ast.ImportFrom):
            new = rewrite_importfrom(path, node)
            if new is not None and node.level == 0 and len(new) == 1 and new[0] == ast.get_source_segment(source, node):
                new = None
        elif isinstance(node, ast.Import):
            new = rewrite_import(node)
        if new is not None:
            edits.append((node.lineno, node.end_lineno or node.lineno, new))
    if not edits:
        return False
    for start, end, new in sorted(edits, reverse=True):
        first = lines[start - 1]
        indent = first[: len(first) - len(first.lstrip())]
        tail_line = lines[end - 1]
        # keep a trailing comment such as a noqa marker
        comment = ""
        if "#" in tail_line and end == start:
            code, _, rest = tail_line.partition("  #")
            if rest:
                comment = "  #" + rest.rstrip("\n")
        text = "".join(indent + block.replace("\n", "\n" + indent) + "\n" for block in new)
        if comment:
            text = text.rstrip("\n") + comment + "\n"
        lines[start - 1:end] = [text]
    path.write_text("".join(lines), encoding="utf-8")
    return True


def git(*args: str) -> None:
    subprocess.run(["git", *args], check=True)


def move() -> None:
    for old, new in MOVES.items():
        src = ROOT / PKG / f"{old}.py"
        if not src.exists():
            print("missing", src, file=sys.stderr)
            continue
        dest = ROOT / PKG / (new.replace(".", "/") + ".py")
        dest.parent.mkdir(parents=True, exist_ok=True)
        init = dest.parent / "__init__.py"
        if not init.exists():
            init.write_text(f'"""{dest.parent.name}: see the README\'s layout table."""\n', encoding="utf-8")
            git("add", str(init))
        git("mv", str(src), str(dest))
    for old, new in PACKAGE_MOVES.items():
        src = ROOT / PKG / old
        dest = ROOT / PKG / new.replace(".", "/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        git("mv", str(src), str(dest))


def main() -> None:
    scan_old_modules()
    files = [p for d in (PKG, "tests", "bench") for p in (ROOT / d).rglob("*.py")]
    # rewrite imports first (paths still old, so relative imports resolve), then move
    changed = [p for p in files if rewrite_file(p)]
    print(f"rewrote imports in {len(changed)} files")
    move()
    post()
    # tests move separately (they import each other): see tests/README or issue 13


TEST_MOVES: dict[str, str] = {
    "archive_test.py": "archive/packages_test.py",
    "certificates_test.py": "identity/certificates_test.py",
    "documents_test.py": "documents/model_test.py",
    "render_test.py": "documents/render_test.py",
    "hook_test.py": "hook/entry_test.py",
    "review_test.py": "review/requests_test.py",
    "seal_image_test.py": "seal/image_test.py",
    "sealing_test.py": "seal/sealing_test.py",
    "seals_test.py": "seal/seals_test.py",
    "site_browser_test.py": "site/browser_test.py",
    "site_test.py": "site/build_test.py",
    "transmit_test.py": "transmit/deliveries_test.py",
    "verify_test.py": "verify/report_test.py",
}


def move_tests() -> None:
    """Tests mirror the package; importlib mode lets two folders hold files of the same name."""
    for old, new in TEST_MOVES.items():
        src, dest = ROOT / "tests" / old, ROOT / "tests" / new
        if src.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            git("mv", str(src), str(dest))
            text = dest.read_text(encoding="utf-8")
            dest.write_text(text.replace("Path(__file__).resolve().parent.parent", "Path(__file__).resolve().parents[2]"),
                            encoding="utf-8")


def post() -> None:
    """Fix what depends on a file's depth, and give the hook package its `-m` entry."""
    form = ROOT / PKG / "documents" / "official_form.py"
    form.write_text(form.read_text().replace("Path(__file__).resolve().parent.parent /", "Path(__file__).resolve().parents[2] /"))
    main_py = ROOT / PKG / "hook" / "__main__.py"
    main_py.write_text('"""`python -m repo_tools.hook pre-receive|post-receive|pre-commit`: what the shims in hooks/ run."""\n'
                       "import sys\n\nfrom repo_tools.hook.entry import main\n\nsys.exit(main())\n")
    git("add", str(main_py))
    bench = ROOT / "bench" / "hook.py"
    bench.write_text(bench.read_text().replace("import repo_tools.hook, repo_tools.policy", "import repo_tools.hook.entry, repo_tools.hook.rules"))


if __name__ == "__main__":
    main()
