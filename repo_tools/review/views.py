"""The read model of a unit's merge requests (Art. 3, 30): requests, verdicts and their status,
judged with the server keyring and `identity.judgement.may_sign`. The hook's rules, the workflow
steps and the review commands read requests through the same `ReviewView`, so all judge a request
the same way; nothing here writes (the writers are in `review.requests`)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from repo_tools import timeutil
from repo_tools.git.push import SignatureVerifier
from repo_tools.git.repo import ZERO, ObjectReader, clean_env, git, parse_commit, parse_tag, rev_parse
from repo_tools.identity.judgement import may_sign
from repo_tools.messages import Refused, say
from repo_tools.registry.records import Registry
from repo_tools.review.model import (
    MR_BRANCH,
    MR_REF,
    MR_TAG,
    REVIEW_HISTORY_REF,
    REVIEW_REF,
    REVIEWS,
    MergeTrailers,
    parse_verdict,
)

if TYPE_CHECKING:
    from repo_tools.city import City


@dataclass
class Verdict:
    """One reviewer's latest verdict on a request, judged against the registry and the MR."""
    reviewer: str
    ref: str
    tag: str
    target: str
    verdict: str | None
    opinion: str
    signer: str | None          # person id whose registered key signed the tag
    valid: bool
    problem: str = ""
    current: bool = False       # points at the MR head under consideration
    tagger_date: str = ""

    def counts_as(self, verdict: str) -> bool:
        return self.valid and self.current and self.verdict == verdict


@dataclass
class Request:
    """What is known about a merge request, read from the repository."""
    n: int
    head: str | None
    title: str
    branch: str
    author: str | None          # signer of refs/tags/mr/<n> (the person who opened it)
    request_tag: str | None


@dataclass
class Status:
    head: str
    committers: set[str]
    verdicts: list[Verdict]
    required: int

    @property
    def approvals(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.counts_as("approve")]

    @property
    def rejections(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.counts_as("reject")]

    def missing(self) -> list[str]:
        """What still stands between the request and its merge (Chinese, for people)."""
        out = []
        have = len(self.approvals)
        if have < self.required:
            out.append(say("review.requests.missing.1",
                           value=self.required - have, have=have, required=self.required))
        for v in self.rejections:
            out.append(say("review.requests.missing.2", reviewer=v.reviewer, opinion=v.opinion))
        return out


class ReviewView:
    """Merge requests of one unit repository, read through one cat-file and judged with the
    server keyring; the hook passes its quarantine environment, the command line the repo's."""

    def __init__(self, repo: Path, unit: str, registry: Registry, verifier: SignatureVerifier,
                 reader: ObjectReader, env: Mapping[str, str], now: datetime | None = None,
                 ref_overrides: Mapping[str, str] | None = None,
                 trusted: Mapping[str, str] | None = None) -> None:
        self.repo = repo
        self.unit = unit
        self.registry = registry
        self.verifier = verifier
        self.reader = reader
        self.env = dict(env)
        self.now = now or timeutil.now()
        self.ref_overrides = dict(ref_overrides or {})   # refs a push is updating: their new values
        self.trusted = trusted                           # object id -> trusted time (the log's)

    @classmethod
    def of(cls, city: City, unit: str, registry: Registry | None = None) -> ReviewView:
        from repo_tools.log import eventlog  # the command line's trusted times; the hook never calls `of`
        reg = registry or city.registry()
        env = clean_env()
        repo = city.unit_repo(unit)
        if reg.unit(unit) is None or not repo.is_dir():
            raise Refused("not-found", what=say("review.requests.of.1"), name=unit, remedy=say("review.requests.of.2"))
        return cls(repo, unit, reg, SignatureVerifier(city.server_gnupg, reg, city.authority_fingerprint()),
                   ObjectReader(repo, env=env), env, trusted=eventlog.trusted_times(city.log_file, unit))

    def close(self) -> None:
        self.reader.close()

    def __enter__(self) -> ReviewView:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Refs --------------------------------------------------------------------------------
    def ref(self, name: str) -> str | None:
        if name in self.ref_overrides:
            value = self.ref_overrides[name]
            return None if value == ZERO else value
        return rev_parse(self.repo, name, env=self.env)

    def refs(self, prefix: str) -> dict[str, str]:
        out = git("for-each-ref", "--format=%(objectname) %(refname)", prefix, cwd=self.repo, env=self.env)
        found = {name: oid for oid, name in (line.split(" ", 1) for line in out.splitlines() if line)}
        for name, value in self.ref_overrides.items():
            if name.startswith(prefix):
                if value == ZERO:
                    found.pop(name, None)
                else:
                    found[name] = value
        return found

    def numbers(self) -> list[int]:
        """Every request number in use (branches and request tags)."""
        found = set()
        for prefix in (MR_BRANCH, MR_TAG):
            for name in self.refs(prefix):
                match = MR_REF.match(name)
                if match:
                    found.add(int(match["n"]))
        return sorted(found)

    # Objects -----------------------------------------------------------------------------
    def signed_at(self, oid: str) -> datetime:
        """The moment a signature on `oid` is judged at: its trusted time when known, else now."""
        known = timeutil.parse(self.trusted.get(oid)) if self.trusted is not None else None
        return known or self.now

    def signer_of(self, oid: str, payload: bytes, signature: bytes | None, unit: str | None = None) -> str | None:
        """The registered person of this unit whose key made a good signature that counts at
        the object's trusted time (the same judgement as `oa verify`), else None."""
        check = self.verifier.check(oid, payload, signature)
        if not check.valid or check.holder is None or check.holder.kind != "person":
            return None
        # `unit`: a 会签 is signed by a person of the co-issuing unit it names (workflow/steps.py)
        verdict = may_sign(self.registry, check.holder, unit or self.unit, self.signed_at(oid))
        return check.holder.id if verdict.counts else None

    def request(self, n: int) -> Request:
        head = self.ref(f"{MR_BRANCH}{n}")
        tag_oid = self.ref(f"{MR_TAG}{n}")
        title, branch, author = "", "", None
        if tag_oid:
            got = self.reader.read(tag_oid)
            if got and got[1] == "tag":
                tag = parse_tag(got[0], got[2])
                author = self.signer_of(tag.oid, tag.payload, tag.signature)
                lines = tag.message.strip().splitlines()
                title = lines[0] if lines else ""
                for line in lines[1:]:
                    if line.startswith("Branch:"):
                        branch = line.split(":", 1)[1].strip()
        if not title and head:
            got = self.reader.read(head)
            if got and got[1] == "commit":
                lines = parse_commit(head, got[2]).message.strip().splitlines()
                title = lines[0] if lines else ""
        return Request(n, head, title, branch, author, tag_oid)

    def commits(self, head: str, base: str | None) -> list[str]:
        """Commits of the request: reachable from its head, not from `base` (main)."""
        args = ["rev-list", head] + (["--not", base] if base else [])
        return git(*args, cwd=self.repo, env=self.env).split()

    def committers(self, head: str, base: str | None) -> set[str]:
        """People whose keys signed the request's commits (they cannot review it)."""
        people = set()
        for oid in self.commits(head, base):
            got = self.reader.read(oid)
            if not got:
                continue
            commit = parse_commit(oid, got[2])
            check = self.verifier.check(oid, commit.payload, commit.signature)
            if check.holder and check.holder.kind == "person":
                people.add(check.holder.id)
        return people

    def verdict(self, ref: str, tag_oid: str, head: str | None, excluded: set[str]) -> Verdict:
        """Judge one verdict tag: signature, reviewer role, eligibility, form, currency."""
        match = REVIEW_REF.match(ref)
        reviewer = match["reviewer"] if match else ref.rsplit("/", 1)[-1]
        got = self.reader.read(tag_oid)
        if not got or got[1] != "tag":
            return Verdict(reviewer, ref, tag_oid, "", None, "", None, False, say("review.requests.verdict.1"))
        tag = parse_tag(got[0], got[2])
        verdict: str | None
        try:
            verdict, opinion = parse_verdict(tag.message)
            problem = ""
        except ValueError as exc:
            verdict, opinion, problem = None, tag.message.strip(), str(exc)
        signer_unit = None
        if verdict == "countersign":
            from repo_tools.workflow.steps import verdict_fields
            signer_unit = verdict_fields(tag.message).get("Unit") or None
        signer = self.signer_of(tag.oid, tag.payload, tag.signature, signer_unit)
        person = self.registry.person(reviewer)
        if not match:
            problem = problem or say("review.requests.verdict.2")
        elif signer != reviewer:
            problem = problem or say("review.requests.verdict.3", reviewer=reviewer)
        elif verdict in ("approve", "reject") and (person is None or person.unit != self.unit
                                                   or person.status != "active" or "reviewer" not in person.roles):
            problem = problem or say("review.requests.verdict.4",
                                     reviewer=reviewer)  # other steps: workflow.steps judges who
        elif reviewer in excluded:
            problem = problem or say("review.requests.verdict.5", reviewer=reviewer)
        return Verdict(reviewer, ref, tag.oid, tag.object, verdict, opinion, signer, not problem,
                       problem, current=head is not None and tag.object == head,
                       tagger_date=_tagger_date(tag.tagger))

    def status(self, n: int, head: str, base: str | None) -> Status:
        """Every reviewer's latest verdict on request n, judged for the given head."""
        request = self.request(n)
        excluded = self.committers(head, base)
        if request.author:
            excluded.add(request.author)
        verdicts = [self.verdict(ref, oid, head, excluded)
                    for ref, oid in sorted(self.refs(f"{REVIEWS}{n}/").items())
                    if not REVIEW_HISTORY_REF.match(ref)]
        unit = self.registry.unit(self.unit)
        return Status(head, excluded, verdicts, unit.required_approvals if unit else 1)

    def history(self, n: int, reviewer: str | None = None) -> list[tuple[str, int, str]]:
        """(reviewer, k, tag id) of every replaced verdict on request n, oldest first."""
        out = []
        for ref, oid in self.refs(f"{REVIEWS}{n}/_history/").items():
            match = REVIEW_HISTORY_REF.match(ref)
            if match and (reviewer is None or match["reviewer"] == reviewer):
                out.append((match["reviewer"], int(match["k"]), oid))
        return sorted(out)

    def merged_head(self, merge: str) -> str:
        """The request head a merge on main brought in (its second parent)."""
        return git("rev-parse", f"{merge}^2", cwd=self.repo, env=self.env).strip()

    def merges(self, main: str | None = None) -> dict[int, tuple[str, MergeTrailers]]:
        """Request number -> (merge commit, trailers) for every merge on main's first-parent chain."""
        main = main or self.ref("refs/heads/main")
        if not main:
            return {}
        out = git("log", "--first-parent", "--merges", "--format=%H%x00%B%x01", main,
                  cwd=self.repo, env=self.env)
        found: dict[int, tuple[str, MergeTrailers]] = {}
        for record in out.split("\x01"):
            oid, _, body = record.strip("\n").partition("\x00")
            trailers = MergeTrailers.parse(body)
            if trailers.request is not None:
                found.setdefault(trailers.request, (oid, trailers))
        return found

    def changed_paths(self, base: str | None, head: str) -> list[str]:
        """Paths the request changes, against its merge base with `base`."""
        if base is None:
            return git("ls-tree", "-r", "--name-only", "-z", head, cwd=self.repo, env=self.env).split("\0")[:-1]
        merge_base = git("merge-base", base, head, cwd=self.repo, env=self.env, check=False).strip()
        if not merge_base:
            merge_base = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # the empty tree
        out = git("diff", "--name-only", "-z", "--no-renames", merge_base, head, cwd=self.repo, env=self.env)
        return [p for p in out.split("\0") if p]


def _tagger_date(tagger: str) -> str:
    parts = tagger.rsplit(" ", 2)
    try:
        return timeutil.iso(datetime.fromtimestamp(int(parts[-2]), tz=timeutil.CST))
    except (ValueError, IndexError):
        return ""
