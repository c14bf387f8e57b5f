"""The shape of a push rule: a small pure function from the push to the refusals it finds.

As in sigstore's policies, rules compose with `AllOf`, and `AllOf` of nothing refuses:
a repository that somehow has no rules must not accept everything. A rule that raises is a
refusal naming that rule (`rule-error`), never a traceback and never a half-checked push.

A rule may be `Lazy`: its module is imported only when the push touches what the rule is
about (its `when`), so a push of one draft does not pay for the archive, merge or delivery
rules (ARCHITECTURE.md "Performance targets": the hook loads only what its rules need).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from repo_tools.messages import say
from repo_tools.refusal import Refusal, refusal

if TYPE_CHECKING:
    from repo_tools.git.push import Push

Rule = Callable[["Push"], Iterable[Refusal]]


@dataclass(frozen=True)
class Lazy:
    """A rule named by module and function, imported on first use, and skipped (unimported)
    for a push where `when` says it has nothing to look at. `when` must be a superset of the
    rule's own filter: it only saves the import, it never decides."""
    module: str
    name: str
    when: Callable[[Push], bool] | None = None

    @property
    def __name__(self) -> str:  # the name a refusal gives for the rule
        return self.name

    def __call__(self, push: Push) -> Iterable[Refusal]:
        if self.when is not None and not self.when(push):
            return ()
        # __import__, not importlib.import_module: the latter bypasses `-X importtime`, which
        # is how the hook's start-up is measured.
        rule: Rule = getattr(__import__(self.module, fromlist=[self.name]), self.name)
        return rule(push)


def rule_name(rule: Callable[[Any], Iterable[Refusal]]) -> str:
    return str(getattr(rule, "__name__", None) or type(rule).__name__)


class AllOf:
    """Every rule must pass; the refusals of all of them are reported together."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules

    def __call__(self, push: Push) -> list[Refusal]:
        if not self.rules:
            return [refusal("no-rules", say("hook.rules_base.__call__.1"))]
        found: list[Refusal] = []
        for rule in self.rules:
            for item in _run(rule, push):
                if item not in found:  # one object reached twice (commit and tag) says it once
                    found.append(item)
        return found


def each(checks: Sequence[Callable[[Any], Iterable[Refusal]]], case: Any) -> list[Refusal]:
    """Independent checks: the refusals of all of them (a check that raises refuses, naming itself)."""
    return [item for check in checks for item in _run(check, case)]


def first_refusing(checks: Sequence[Callable[[Any], Iterable[Refusal]]], case: Any) -> list[Refusal]:
    """Checks that build on each other, in order: the refusals of the first that refuses (a
    check that raises refuses, naming itself)."""
    for check in checks:
        found = _run(check, case)
        if found:
            return found
    return []


def _run(rule: Callable[[Any], Iterable[Refusal]], push: Any) -> list[Refusal]:
    """The refusals of one rule; if it raises, what it found so far plus a refusal naming it."""
    found: list[Refusal] = []
    try:
        for item in rule(push):
            found.append(item)
    except Exception as exc:  # noqa: BLE001 - hostile input must be refused, never half-checked
        found.append(refusal("rule-error", say("hook.rules_base._run.1"), name=rule_name(rule),
                             detail=f"{type(exc).__name__}: {str(exc)[:300]}"))
    return found


__all__ = ["AllOf", "Lazy", "Refusal", "Rule", "each", "first_refusing", "refusal", "rule_name"]
