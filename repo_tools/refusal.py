"""What a rule finds wrong: a refusal naming the rule, the regulation's article, where, what and
what to do next (the sentences come from the catalogue, `repo_tools.messages`).

It lives at the top of the package, beside the catalogue, because models (`documents.model`),
pure screening and the hook's rules all speak it: none of them may import the hook to say no.
"""
from __future__ import annotations

from dataclasses import dataclass

from repo_tools import messages


@dataclass(frozen=True)
class Refusal:
    """Why a push (or a document) is refused: the rule, the article, where, what, and what to do."""
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


__all__ = ["Refusal", "refusal"]
