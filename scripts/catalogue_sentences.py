"""Move Chinese sentences written inline in `repo_tools/<concern>/` into the catalogue.

    python scripts/catalogue_sentences.py CONCERN [--keep NAME,NAME] [FILE...]
    python scripts/catalogue_sentences.py --prune      # drop sentences no code says any more

Every string literal or f-string of the concern's modules that holds a Chinese character
(docstrings, vocabulary modules and the catalogue itself aside) becomes `say("<id>", field=...)`
and its text an entry of `repo_tools/messages/<concern>.py`; an f-string's expressions become the
fields of its template. Ids name where the sentence is said (`<concern>.<module>.<function>.<n>`),
and one text said twice in a function shares its id. Left in place, because a call cannot stand
there or they are terms rather than sentences: keys of data (subscripts, dict keys, `.get()`),
operands of comparisons, regular expressions, pydantic aliases, match patterns, annotations, and the module-level
names given with `--keep` (move terms to `<concern>/vocabulary.py` by hand). Templates that hold
markup are reported: keep the markup in code and only the words in the catalogue.

Afterwards: `ruff check --fix` (imports), then `ruff format --range L:L` on the lines E501 names,
and `tests/messages/catalogue_test.py` (lower the pins it names). Written as an AST rewrite of
source spans, not ast.unparse of whole modules, so comments and layout stay as they were.
"""
from __future__ import annotations

import argparse
import ast
import keyword
import re
import sys
from pathlib import Path

CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
MARKUP = re.compile(r"<[a-z/][^>]*>")
ROOT = Path("repo_tools")
CONVERSIONS = {-1: "", 115: "!s", 114: "!r", 97: "!a"}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def _left_in_place(tree: ast.AST) -> set[int]:
    """Nodes where a call cannot stand, or that are terms rather than sentences."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.MatchValue):
            found |= {id(x) for x in ast.walk(node)}
        for annotation in (getattr(node, "annotation", None), getattr(node, "returns", None)):
            if annotation is not None:
                found |= {id(x) for x in ast.walk(annotation)}
        if isinstance(node, ast.JoinedStr):
            found |= {id(inner) for inner in ast.walk(node) if inner is not node}
        if isinstance(node, ast.Subscript):
            found.add(id(node.slice))
        elif isinstance(node, ast.Dict):
            found |= {id(key) for key in node.keys if key is not None}
        elif isinstance(node, ast.Compare):
            found |= {id(x) for x in (node.left, *node.comparators)}
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("get", "pop", "setdefault") and node.args:
                found.add(id(node.args[0]))
            if isinstance(node.func.value, ast.Name) and node.func.value.id == "re":
                found |= {id(x) for arg in node.args for x in ast.walk(arg)}
        if isinstance(node, ast.Call):  # pydantic field aliases: keys of data, and mypy's plugin wants literals
            found |= {id(k.value) for k in node.keywords if k.arg in ("alias", "validation_alias", "serialization_alias")}
    return found


def _field_name(expr: ast.expr, used: set[str]) -> str:
    """A readable field name for an f-string expression (`unit.name` -> `name`)."""
    base: str | None = None
    if isinstance(expr, ast.Name):
        base = expr.id
    elif isinstance(expr, ast.Attribute):
        base = expr.attr
    elif isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant) and isinstance(expr.slice.value, str):
        base = expr.slice.value if expr.slice.value.isascii() else None
    elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.args:
        inner = _field_name(expr.args[0], set())
        base = f"{expr.func.id}_{inner}"
    elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        base = f"{_field_name(expr.func.value, set())}_{expr.func.attr}"
    base = re.sub(r"\W", "_", base or "").strip("_").lower()
    if not base or keyword.iskeyword(base) or not base.isidentifier():
        base = "value"
    name, n = base, 2
    while name in used:
        name, n = f"{base}{n}", n + 1
    return name


def _template(node: ast.Constant | ast.JoinedStr) -> tuple[str, list[tuple[str, str]]] | None:
    """(template, [(field, expression source)]), or None where a format spec holds a field."""
    if isinstance(node, ast.Constant):
        return str(node.value), []
    fields: list[tuple[str, str]] = []
    by_source: dict[str, str] = {}
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
            continue
        assert isinstance(value, ast.FormattedValue)
        source = ast.unparse(value.value)
        if source not in by_source:
            by_source[source] = _field_name(value.value, {f for f, _ in fields})
            fields.append((by_source[source], source))
        spec = ""
        if value.format_spec is not None:
            if not all(isinstance(x, ast.Constant) for x in value.format_spec.values):
                return None
            spec = ":" + "".join(str(x.value) for x in value.format_spec.values)  # type: ignore[attr-defined]
        parts.append("{" + by_source[source] + CONVERSIONS[value.conversion] + spec + "}")
    return "".join(parts), fields


def _owners(tree: ast.Module) -> dict[int, str]:
    """The function (or class) each node is said in, for its id."""
    owner: dict[int, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            here = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else name
            owner[id(child)] = here
            visit(child, here)

    visit(tree, "module")
    return owner


def convert(path: Path, concern: str, table: dict[str, str], keep: set[str]) -> int:
    """Rewrite one module; add its sentences to `table`; return how many were moved."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    skip = _docstrings(tree) | _left_in_place(tree)
    for statement in tree.body:
        targets = getattr(statement, "targets", None) or [getattr(statement, "target", None)]
        if any(t is not None and ast.unparse(t) in keep for t in targets):
            skip |= {id(x) for x in ast.walk(statement)}
    owner = _owners(tree)
    module = ".".join(path.with_suffix("").parts[2:]).replace(".", "_") or concern
    by_text = {(key.rsplit(".", 1)[0], text): key for key, text in table.items()}
    lines = [line.encode() for line in source.splitlines(keepends=True)]
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    edits = []
    nodes = [n for n in ast.walk(tree) if id(n) not in skip and (
        (isinstance(n, ast.Constant) and isinstance(n.value, str) and CHINESE.search(n.value))
        or (isinstance(n, ast.JoinedStr) and any(isinstance(v, ast.Constant) and CHINESE.search(str(v.value)) for v in n.values)))]
    for node in sorted(nodes, key=lambda n: (n.lineno, n.col_offset)):
        found = _template(node)  # type: ignore[arg-type]
        if found is None:
            print(f"left: {path}:{node.lineno} (a field inside a format spec)", file=sys.stderr)
            continue
        text, fields = found
        if MARKUP.search(text):
            print(f"markup: {path}:{node.lineno}: keep the markup in code", file=sys.stderr)
        prefix = f"{concern}.{module}.{owner.get(id(node), 'module')}"
        key = by_text.get((prefix, text))
        if key is None:
            n = 1 + sum(1 for k in table if k.rsplit(".", 1)[0] == prefix)
            while f"{prefix}.{n}" in table:
                n += 1
            key = by_text[(prefix, text)] = f"{prefix}.{n}"
            table[key] = text
        call = f'say("{key}"' + "".join(f", {f}={s}" for f, s in fields) + ")"
        column = len(lines[node.lineno - 1][:node.col_offset].decode())
        if fields and column + len(call) > 140:
            pad = " " * (column + 4)
            call = f'say("{key}",\n' + ",\n".join(f"{pad}{f}={s}" for f, s in fields) + ")"
        start = offsets[node.lineno - 1] + node.col_offset
        end = offsets[node.end_lineno - 1] + node.end_col_offset  # type: ignore[operator]
        edits.append((start, end, call.encode()))
    if not edits:
        return 0
    data = source.encode()
    for start, end, call_bytes in sorted(edits, reverse=True):
        data = data[:start] + call_bytes + data[end:]
    out = data.decode()
    if "from repo_tools.messages import say" not in out:
        imports = [s.end_lineno for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
        at = max(imports) if imports else 1
        rows = out.splitlines(keepends=True)
        rows.insert(at, "from repo_tools.messages import say\n")
        out = "".join(rows)
    path.write_text(out, encoding="utf-8")
    return len(edits)


def load(catalogue: Path) -> dict[str, str]:
    if not catalogue.exists():
        return {}
    scope: dict[str, object] = {}
    exec(catalogue.read_text(encoding="utf-8"), scope)  # our own data module
    return dict(scope["TEXT"])  # type: ignore[call-overload]


def dump(catalogue: Path, concern: str, table: dict[str, str]) -> None:
    head = (f'"""What `repo_tools/{concern}` says to its users, sentence by sentence (Simplified Chinese).\n\n'
            "Ids are `<concern>.<module>.<function>.<n>`: where the sentence is said. A template with\n"
            '`{fields}` is filled by `say(id, **fields)`; one said without fields is returned as written.\n"""\n'
            "from __future__ import annotations\n\nTEXT: dict[str, str] = {\n")
    body = "".join(f"    {key!r}: {text!r},\n" for key, text in table.items())
    catalogue.write_text(head + body + "}\n", encoding="utf-8")


# ids said by a computed name (as in tests/messages/catalogue_test.py)
COMPUTED_IDS = ("documents.drafting.body.",)


def prune() -> None:
    """Drop the catalogue's sentences that no `say("<id>")` in the package names (after a merge
    removed the code that said them)."""
    said = set()
    for path in ROOT.rglob("*.py"):
        if "messages" not in path.parts:
            said |= set(re.findall(r'say\(\s*"([^"]+)"', path.read_text(encoding="utf-8")))
    for catalogue in sorted((ROOT / "messages").glob("*.py")):
        if catalogue.name == "__init__.py":
            continue
        table = load(catalogue)
        kept = {k: v for k, v in table.items() if k in said or k.startswith(COMPUTED_IDS)}
        if len(kept) != len(table):
            dump(catalogue, catalogue.stem, kept)
            print(f"{len(table) - len(kept):4} unsaid sentences dropped from {catalogue}")


def main() -> None:
    if sys.argv[1:] == ["--prune"]:
        prune()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("concern")
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--keep", default="", help="module-level names to leave in place (terms for vocabulary)")
    args = parser.parse_args()
    catalogue = ROOT / "messages" / f"{args.concern}.py"
    table = load(catalogue)
    paths = args.files or sorted((ROOT / args.concern).rglob("*.py"))
    total = 0
    for path in paths:
        if "messages" in path.parts or path.name == "vocabulary.py":
            continue
        moved = convert(path, args.concern, table, set(filter(None, args.keep.split(","))))
        if moved:
            print(f"{moved:4} {path}")
        total += moved
    dump(catalogue, args.concern, table)
    print(f"{total} sentences moved into {catalogue}")


if __name__ == "__main__":
    main()
