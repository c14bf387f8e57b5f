"""The catalogue is complete: no Chinese sentence sits in code outside it.

An AST walk over `repo_tools/` finds every string literal (and f-string) that holds a Chinese
character, leaving out docstrings (they explain the code to its developers), the catalogue
(`repo_tools/messages/`) and the vocabulary modules (`repo_tools/*/vocabulary.py`: the terms of
the regulation as data). Punctuation alone (“、”, “（”) is typography, not a sentence, and is not
counted. Jinja templates are separate files and are not Python literals.

What is left is pinned per file in `outside_catalogue.json`: regular expressions that recognise
the regulation's notation (密级 markings in `hook/rules/classification`, the 发文字号 forms in
`documents/model` and `seal/numbering`, the title break rules of `documents/official_form`, the
old 一、 numbering in `demo/state`), which are patterns rather than sentences, and the urgency
`Literal` of `transmit/records` and the field aliases of the access record in `archive/access`
(pydantic's mypy plugin takes only literals there). The test fails
when a file holds more such literals than pinned (a new sentence written inline), and asks to
lower the pin when a file holds fewer, so the count only goes down. Move new inline text with
`scripts/catalogue_sentences.py`.
"""
from __future__ import annotations

import ast
import functools
import json
import re
import string
from pathlib import Path

import pytest

from repo_tools import messages

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "repo_tools"
PINNED = Path(__file__).with_name("outside_catalogue.json")
CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def chinese_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every literal holding Chinese, an f-string counted once."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip |= {id(inner) for inner in ast.walk(node) if inner is not node}
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and CHINESE.search(node.value):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr) and any(
                isinstance(part, ast.Constant) and CHINESE.search(part.value) for part in node.values):
            found.append((node.lineno, ast.unparse(node)))
    return sorted(found)


@functools.cache
def _trees() -> dict[str, tuple[str, ast.Module]]:
    """Every module of the package, parsed once per test run."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        out[path.relative_to(ROOT).as_posix()] = (source, ast.parse(source))
    return out


@functools.cache
def outside_catalogue() -> dict[str, list[tuple[int, str]]]:
    found = {}
    for rel, (source, _) in _trees().items():
        if rel.startswith("repo_tools/messages/") or rel.endswith("/vocabulary.py"):
            continue
        literals = chinese_literals(source)
        if literals:
            found[rel] = literals
    return found


def test_no_new_sentence_outside_the_catalogue() -> None:
    pinned: dict[str, int] = json.loads(PINNED.read_text(encoding="utf-8"))
    grown = {rel: lits for rel, lits in outside_catalogue().items() if len(lits) > pinned.get(rel, 0)}
    assert not grown, "Chinese text outside the catalogue (put it in repo_tools/messages/ and say(id)):\n" + "\n".join(
        f"{rel}:{line}: {text[:80]}" for rel, lits in grown.items() for line, text in lits)


def test_the_pins_only_go_down() -> None:
    pinned: dict[str, int] = json.loads(PINNED.read_text(encoding="utf-8"))
    found = {rel: len(lits) for rel, lits in outside_catalogue().items()}
    shrunk = {rel: (n, found.get(rel, 0)) for rel, n in pinned.items() if found.get(rel, 0) < n}
    assert not shrunk, f"lower the pins in {PINNED.name} (pinned, now): {shrunk}"


def test_the_scan_finds_inline_chinese() -> None:
    source = 'def f(x):\n    """说明。"""\n    return f"共 {x} 件" + "、" + "处理办法"\n'
    assert [text for _, text in chinese_literals(source)] == ["f'共 {x} 件'", "处理办法"]


@functools.cache
def _said_ids() -> frozenset[str]:
    ids = set()
    for _, tree in _trees().values():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                    and "." in node.args[0].value):
                ids.add(node.args[0].value)
    return frozenset(ids)


def test_every_said_id_is_in_the_catalogue() -> None:
    missing = []
    for key in sorted(_said_ids()):
        try:
            messages.say(key)
        except (KeyError, ModuleNotFoundError):
            missing.append(key)
    assert not missing, f"ids said in code but missing from repo_tools/messages/: {missing}"


# ids said by a computed name: the body each 文种 starts from, by its slug (documents/drafting.BODIES)
COMPUTED_IDS = ("documents.drafting.body.",)


def test_every_sentence_of_the_catalogue_is_said() -> None:
    """No sentence is left behind when its code goes: each id appears in the code that says it."""
    import importlib
    import pkgutil

    said = _said_ids()
    unsaid = [key for module in pkgutil.iter_modules(messages.__path__)
              for key in importlib.import_module(f"repo_tools.messages.{module.name}").TEXT
              if key not in said and not key.startswith(COMPUTED_IDS)]
    assert not unsaid, f"sentences no code says (remove them): {unsaid}"


def test_every_template_gets_the_fields_it_names() -> None:
    """A `say(id, a=..., b=...)` call gives every field its template names (checked without running it)."""
    formatter = string.Formatter()
    wrong = []
    for rel, (_, tree) in _trees().items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str) and "." in node.args[0].value):
                continue
            if not node.keywords or any(k.arg is None for k in node.keywords):
                continue  # said without fields: the template as written; **fields: not checkable here
            named = {field.split(".")[0].split("[")[0] for _, field, _, _ in formatter.parse(messages.say(node.args[0].value)) if field}
            given = {k.arg for k in node.keywords}
            if named - given:
                wrong.append(f"{rel}:{node.lineno}: {node.args[0].value} needs {sorted(named - given)}")
    assert not wrong, "\n".join(wrong)


def test_say_fills_fields_and_refuses_unknown_ids() -> None:
    key = next(k for k in sorted(_said_ids()) if re.search(r"\{\w+\}", messages.say(k)) and "{{" not in messages.say(k))
    fields = re.findall(r"\{(\w+)", messages.say(key))
    rendered = messages.say(key, **{name: "★" for name in fields})
    assert "★" in rendered and not re.search(r"\{\w+\}", rendered)
    with pytest.raises(KeyError):
        messages.say("archive.no-such-sentence")


def test_a_field_may_be_called_key() -> None:
    """`say`'s own id is positional-only, so a template's field may be named `key` (site listings are)."""
    assert "2013" in messages.say("site.pages.listings.6", key="2013")
