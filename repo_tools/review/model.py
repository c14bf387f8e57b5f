"""Merge requests and verdicts as names and messages (Art. 3, 15, 30): the refs a request and its
verdicts live under, a verdict tag's message, the trailers of a sealing merge, the document
folders a change touches. Pure: the hook's rules and the review commands (`review.requests`)
read the same formats, and the rules import no writer to do it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from repo_tools.messages import say
from repo_tools.review.vocabulary import VERDICT_NAMES  # noqa: F401 - the names in words, offered beside the formats

MR_BRANCH = "refs/heads/mr/"
MR_TAG = "refs/tags/mr/"
REVIEWS = "refs/reviews/"
REVIEW_REF = re.compile(r"^refs/reviews/(?P<n>[1-9]\d*)/(?P<reviewer>[a-z][a-z0-9-]{0,31})$")
MR_REF = re.compile(r"^refs/(heads|tags)/mr/(?P<n>[1-9]\d*)$")
REVIEW_HISTORY_REF = re.compile(
    r"^refs/reviews/(?P<n>[1-9]\d*)/_history/(?P<reviewer>[a-z][a-z0-9-]{0,31})/(?P<k>[1-9]\d*)$")
VERDICTS = ("approve", "reject", "countersign", "sign-off", "check")   # the 发文 steps: workflow/steps.py

TRAILER = re.compile(r"^(Merge-Request|Approval|Sealed-Document|Seal|Sign-Off|Countersign|Check):[ \t]*(.+?)\s*$",
                     re.M)
# Signed fields of a 签发 / 会签 verdict, after its opinion: `Date:` (成文日期), `Delegation:`, `Unit:`
FIELD_LINE = re.compile(r"^(Date|Delegation|Unit|Head):[ \t]*\S")


def parse_verdict(message: str) -> tuple[str, str]:
    """(verdict, opinion) of a verdict tag's message; ValueError says what is wrong (Chinese)."""
    first, _, rest = message.partition("\n")
    verdict = first.strip()
    if verdict not in VERDICTS:
        raise ValueError(say("review.model.parse_verdict.1", value_join=say("review.model.parse_verdict.or").join(VERDICTS), value=verdict[:40]))
    if rest and not rest.startswith("\n") and rest.strip():
        raise ValueError(say("review.model.parse_verdict.2"))
    lines = rest.strip().split("\n")
    while len(lines) > 1 and FIELD_LINE.match(lines[-1]):
        lines.pop()  # the step's signed fields (workflow.steps.verdict_fields reads them)
    opinion = "\n".join(lines).strip()
    if not opinion:
        raise ValueError(say("review.model.parse_verdict.3"))
    return verdict, opinion


def verdict_message(verdict: str, opinion: str) -> str:
    return f"{verdict}\n\n{opinion.strip()}\n"


@dataclass(frozen=True)
class MergeTrailers:
    """The trailers of a sealing merge's message (ARCHITECTURE.md "The sealing merge")."""
    request: int | None
    approvals: list[tuple[str, str]]          # (ref, tag object id)
    sealed: list[tuple[str, str]]             # (path of index.md, number)
    seal: str | None
    steps: list[tuple[str, str, str]] = field(default_factory=list)   # (Sign-Off|Countersign|Check, ref, tag)

    @classmethod
    def parse(cls, message: str) -> MergeTrailers:
        request, seal = None, None
        approvals: list[tuple[str, str]] = []
        sealed: list[tuple[str, str]] = []
        steps: list[tuple[str, str, str]] = []
        for key, value in TRAILER.findall(message):
            if key == "Merge-Request" and value.isdigit():
                request = int(value)
            elif key == "Approval":
                ref, _, oid = value.rpartition(" ")
                approvals.append((ref.strip(), oid.strip()))
            elif key == "Sealed-Document":
                path, _, number = value.rpartition(" ")
                sealed.append((path.strip(), number.strip()))
            elif key == "Seal":
                seal = value
            elif key in ("Sign-Off", "Countersign", "Check"):
                ref, _, oid = value.rpartition(" ")
                steps.append((key, ref.strip(), oid.strip()))
        return cls(request, approvals, sealed, seal, steps)


def document_folders(paths: list[str]) -> list[str]:
    """The document folders (documents/<year>/<slug>) a list of paths touches."""
    folders = set()
    for path in paths:
        parts = path.split("/")
        if len(parts) >= 4 and parts[0] == "documents":
            folders.add("/".join(parts[:3]))
    return sorted(folders)
