"""How the hook composes its rules: a rule that raises is a refusal naming that rule (never a
traceback, never a half-checked push), and a push imports only the rules it touches."""
from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

from fixtures import Workspace

from repo_tools.git.repo import clean_env, git
from repo_tools.hook.rules import UNIT_RULES
from repo_tools.hook.rules.base import AllOf, Lazy, Refusal, refusal
from repo_tools.hook.rules.base import rule_name as name_of

BULLETIN = "---\ntitle: 市政府召开常务会议\ncolumn: 政务动态\ndate: 2026-11-20\n---\n\n会议研究了有关事项。\n"
DOCUMENT = """---
type: 通知
title: 六安市人民政府办公室关于做好年终工作的通知
recipients: [各县区人民政府]
date: 2026-11-20
---

现就有关事项通知如下。
"""


def finds_one(push: object) -> Iterator[Refusal]:
    yield refusal("classified", "a.md", path="a.md", detail="含密级标志“机密★”")


def breaks_midway(push: object) -> Iterator[Refusal]:
    yield refusal("classified", "b.md", path="b.md", detail="含密级标志“绝密★”")
    raise KeyError("registry record without 'unit'")


def test_a_rule_that_raises_is_a_refusal_naming_the_rule_and_the_other_rules_still_run() -> None:
    found = AllOf([breaks_midway, finds_one])(None)  # type: ignore[arg-type]
    assert [r.rule for r in found] == ["classified", "rule-error", "classified"]
    error = found[1]
    assert "breaks_midway" in error.message and "KeyError" in error.message
    assert error.article == "第四十条" and error.remedy
    assert "Traceback" not in error.text()


def test_a_lazy_rule_that_raises_is_named_by_its_function() -> None:
    lazy = Lazy("json", "loads")  # json.loads(push) raises TypeError: a rule that breaks
    found = AllOf([lazy])(object())  # type: ignore[arg-type]
    assert [r.rule for r in found] == ["rule-error"] and "loads" in found[0].message
    assert name_of(lazy) == "loads"


def test_no_rules_refuses_everything() -> None:
    assert [r.rule for r in AllOf([])(None)] == ["no-rules"]  # type: ignore[arg-type]


def test_every_unit_rule_is_lazy_and_names_a_function_that_exists() -> None:
    import importlib
    for rule in UNIT_RULES:
        assert isinstance(rule, Lazy)
        assert callable(getattr(importlib.import_module(rule.module), rule.name))


def _imports_of_a_push(ws: Workspace, files: dict[str, str | bytes], refspec: str) -> tuple[str, str]:
    """Push through the real hooks with the pre-receive's Python run under `-X importtime`."""
    repo = ws.city.unit_repo("lagov")
    python = git("config", "oa.python", cwd=repo, env=clean_env()).strip()
    log = ws.city.root / "importtime.log"
    wrapper = ws.city.root / "python-importtime"
    wrapper.write_text(f'#!/bin/sh\ncase " $* " in *" pre-receive "*) exec "{python}" -X importtime "$@" 2>>"{log}";; esac\n'
                       f'exec "{python}" "$@"\n')
    wrapper.chmod(0o755)
    git("config", "oa.python", str(wrapper), cwd=repo, env=clean_env())
    # The ordinary hook's imports: a hook server (oa.hookclient) has imported everything once.
    subprocess.run(["git", "config", "--unset", "oa.hookclient"], cwd=repo, env=clean_env())
    work = ws.clone("lagov", "zhang")
    ws.commit(work, files)
    proc: subprocess.CompletedProcess[str] = ws.push(work, refspec)
    return proc.stdout + proc.stderr if proc.returncode else "", Path(log).read_text()


def test_a_draft_push_imports_neither_merge_nor_archive_nor_delivery_rules_nor_writers(ws: Workspace) -> None:
    refused, imported = _imports_of_a_push(
        ws, {"documents/2026/year-end/index.md": DOCUMENT,
             "bulletins/政务动态/2026-11-20-meeting/index.md": BULLETIN}, "HEAD:refs/heads/draft/lazy")
    assert refused == ""
    modules = {line.split("|")[-1].strip() for line in imported.splitlines() if "|" in line}
    assert "repo_tools.hook.rules.documents" in modules and "repo_tools.documents.model" in modules
    for never in ("repo_tools.hook.rules.merges", "repo_tools.hook.rules.archives", "repo_tools.hook.rules.deliveries",
                  "repo_tools.hook.rules.reviews", "repo_tools.hook.rules.workflow", "repo_tools.archive.packages",
                  "repo_tools.verify.report", "repo_tools.review.requests", "repo_tools.seal.sealing",
                  "repo_tools.transmit.deliveries", "repo_tools.city", "repo_tools.log.eventlog", "repo_tools.site",
                  "repo_tools.cli", "jinja2", "gnupg", "filelock"):
        assert never not in modules, f"a draft push imported {never}"


def test_checks_that_build_on_each_other_stop_at_the_first_refusal_and_a_raising_one_is_named() -> None:
    from repo_tools.hook.rules.base import each, first_refusing
    seen: list[str] = []

    def passes(case: list[str]) -> Iterator[Refusal]:
        case.append("passes")
        yield from ()

    def record_unreadable(case: list[str]) -> Iterator[Refusal]:
        case.append("record_unreadable")
        raise ValueError("delivery.yaml: not a mapping")

    def never_reached(case: list[str]) -> Iterator[Refusal]:
        case.append("never_reached")
        yield from finds_one(case)

    found = first_refusing([passes, record_unreadable, never_reached], seen)
    assert [r.rule for r in found] == ["rule-error"] and "record_unreadable" in found[0].message
    assert seen == ["passes", "record_unreadable"]
    both = each([record_unreadable, never_reached], seen)
    assert [r.rule for r in both] == ["rule-error", "classified"]


def test_the_merge_and_delivery_checks_are_small_named_functions() -> None:
    import inspect

    from repo_tools.hook.rules import deliveries, merges
    for check in deliveries.DELIVERY_CHECKS:
        assert len(inspect.getsource(check).splitlines()) <= 30, check.__name__
    for name in ("merge_of_current_request", "merge_has_approvals", "merge_applies_cleanly",
                 "merge_changes_only_what_the_seal_writes", "merge_numbers_valid", "merge_names_its_steps",
                 "merge_signed_by_seal_or_reviewer"):
        assert len(inspect.getsource(getattr(merges, name)).splitlines()) <= 30, name
    assert len(inspect.getsource(merges._check_merge).splitlines()) <= 30
    assert len(inspect.getsource(deliveries._check_delivery).splitlines()) <= 10
