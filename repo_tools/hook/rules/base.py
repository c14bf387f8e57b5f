"""The shape of a push rule: a small pure function from the push to the refusals it finds.

As in sigstore's policies, rules compose with `AllOf`, and `AllOf` of nothing refuses:
a repository that somehow has no rules must not accept everything.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from repo_tools import messages
from repo_tools.messages import say

if TYPE_CHECKING:
    from repo_tools.git.push import Push


@dataclass(frozen=True)
class Refusal:
    """Why a push is refused: the rule, the regulation's article, where, what, and what to do."""
    rule: str
    article: str
    where: str
    message: str
    remedy: str

    def text(self) -> str:
        return messages.refusal_text(self.rule, self.article, self.where, self.message, self.remedy)


def refusal(rule: str, where: str, **fields: object) -> Refusal:
    article, message, remedy = messages.render(rule, **fields)
    return Refusal(rule, article, where, message, remedy)


Rule = Callable[["Push"], Iterable[Refusal]]


class AllOf:
    """Every rule must pass; the refusals of all of them are reported together."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules

    def __call__(self, push: Push) -> list[Refusal]:
        if not self.rules:
            return [refusal("no-rules", say("hook.rules_base.__call__.1"))]
        found: list[Refusal] = []
        for rule in self.rules:
            for item in rule(push):
                if item not in found:  # one object reached twice (commit and tag) says it once
                    found.append(item)
        return found
