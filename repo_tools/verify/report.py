"""Verification that lasts (Art. 17, 24, 41): every commit, annotated tag and push certificate of
a unit, judged from the repositories, the registry and the event log alone.

A signature counts when the server keyring (built from the registry, never the caller's)
verifies it, the registry says its key belongs to this unit's person or to this unit's seal,
and the key's window `valid_from <= trusted time < revoked_at` (and before `compromised_since`)
holds at the signature's *trusted time*: the log time of the push that first brought the object.
A later revocation does not void what was signed before it.

Results are cached per object in `CITY/server/verify-cache/`, under a key that includes the
registry commit and the trusted time: any registry change (a revocation, a compromise date)
leads to a fresh judgement, so a cached result can never turn an invalid signature valid.
Below that, gpg's own verdict on the exact signed bytes is cached for good (`signatures/`): it
cannot change, so a registry change costs a fresh judgement, not a gpg run per signature.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from repo_tools import timeutil
from repo_tools.city import City
from repo_tools.documents import frontmatter
from repo_tools.git.atomic import write_atomic
from repo_tools.git.push import PushCertificate
from repo_tools.git.repo import ObjectReader, ParsedCommit, clean_env, git, parse_commit, parse_tag, rev_parse
from repo_tools.identity import judgement, keys
from repo_tools.log import eventlog
from repo_tools.messages import Refused, say
from repo_tools.registry.records import ROLE_NAMES, KeyHolder, Registry
from repo_tools.verify.cache import JsonStore, ShardedJsonStore

UNKNOWN = "unknown"
PENDING_TEXT = say("verify.report.module.1")
CACHE_VERSION = "2"  # 2: judged against the registry as it stood at the trusted time
REASON_TEXT = judgement.REASON_TEXT  # the reasons in words (repo_tools/identity/judgement.py)


@dataclass
class Finding:
    """The judgement of one signed object."""

    kind: str  # commit, tag, push-certificate
    id: str
    summary: str
    signer: str | None  # person id or seal id
    signer_name: str | None
    key: str | None
    role: str | None
    trusted_time: str  # ISO time, or "unknown"
    valid: bool
    reason: str
    ref: str | None = None
    # The log entry behind the trusted time and the witnessed checkpoint it lies in
    # (`repo_tools.log.quorum.Witnessing`); status "pending" (待见证) is not counted yet.
    witness: dict[str, Any] | None = None

    @property
    def pending(self) -> bool:
        witness = self.witness or {}
        return witness.get("status") == "pending"

    def to_dict(self) -> dict[str, Any]:
        # By hand, not `asdict`: a unit of 10,000 documents has 60,000 findings, and asdict's
        # deep copy was a third of a report's time. `witness` is a plain dict already.
        return {name: getattr(self, name) for name in _FINDING_FIELDS}


def role_of(reg: Registry, holder: KeyHolder) -> str:
    if holder.kind == "seal":
        seal = reg.seal(holder.id)
        custodian = say("verify.report.role_of.1", custodian=seal.custodian) if seal and seal.custodian else ""
        return say("verify.report.role_of.2", id=holder.id, custodian=custodian)
    person = reg.person(holder.id)
    roles = person.roles if person else []
    return "、".join(ROLE_NAMES.get(r, r) for r in roles) or say("verify.report.role_of.3")


def _store(path: Path, record: dict[str, Any]) -> None:
    """Write one cache record whole (a reader sees it complete or not at all); the temporary name
    carries the process id because a site build judges in several processes at once."""
    write_atomic(path, json.dumps(record, ensure_ascii=False).encode("utf-8"))


class Verifier:
    """Checks signatures with the server keyring and judges them against one registry state,
    caching each judgement on disk by object id, registry commit and trusted time."""

    def __init__(self, city: City, reg: Registry | None = None) -> None:
        self.city = city
        self.reg = reg or city.registry()
        self.cache_dir = city.root / "server" / "verify-cache"
        self.hits = 0
        self.misses = 0
        self.gpg_runs = 0  # signatures gpg actually checked (the rest came from `signatures/`)
        # One file per unit and registry commit, and one for gpg's verdicts (`verify.cache`);
        # the per-object files below stay the fallback a worker that never closes still writes.
        self._verdicts: dict[str, JsonStore] = {}
        self._sigs = ShardedJsonStore(self.cache_dir / "signatures")
        self._sealing: dict[Path, dict[str, str]] = {}
        self._readers: dict[Path, ObjectReader] = {}
        self._quorum: Any = None
        self._entries: dict[str, dict[str, Any]] = {}
        self._history: Any = None
        # False: no per-object fallback files; the caller flushes the one-file stores itself (a
        # site build does, in every worker: 80,000 small files were a fifth of a first build).
        self.object_files = True

    def quorum(self) -> Any:
        """The log's newest quorum-cosigned checkpoint view, shared by every witnessing check."""
        from repo_tools.log import quorum

        if self._quorum is None:
            self._quorum = quorum.QuorumView(self.city.log_file, self.city.registry_repo)
        return self._quorum

    def witnessing(self, unit: str, oid: str) -> Any:
        """Whether the log entry that gives `oid` its trusted time is inside a checkpoint
        cosigned by the city's witness quorum (`repo_tools.log.quorum`)."""
        from repo_tools.log import store

        view = self.quorum()
        if unit not in self._entries:
            self._entries[unit] = store.object_entries(self.city.log_file, unit)
        entry = self._entries[unit].get(oid)
        if entry is None:  # e.g. a delivery, which the sender's push brought into the receiver's repository
            if "" not in self._entries:
                self._entries[""] = store.object_entries(self.city.log_file)
            entry = self._entries[""].get(oid)
        leaf = entry.leaf if entry is not None else None
        if leaf is None and oid.startswith("log:") and oid[4:].isdigit():
            leaf = int(oid[4:]) - 1  # a push without certificate, named by its sequence number
        return view.status(oid, leaf)

    def registry_then(self, oid: str | None, trusted: str | None) -> Registry:
        """The registry as it stood when `oid` arrived (`lifecycle.history`): membership, names,
        roles and custodianship are judged as they were then (Art. 9)."""
        if self._history is None:
            from repo_tools.lifecycle.history import RegistryHistory

            self._history = RegistryHistory.of_city(self.city, self.reg)
        return self._history.at(oid, timeutil.parse(trusted) if trusted else None)

    @contextlib.contextmanager
    def reader(self, repo: Path) -> Iterator[ObjectReader]:
        """One long-lived `cat-file --batch` per repository for all of this verifier's reports."""
        if repo not in self._readers:
            self._readers[repo] = ObjectReader(repo, env=clean_env())
        yield self._readers[repo]

    def flush(self) -> None:
        """Write the judgements and gpg verdicts made so far to their one-file stores."""
        for store in self._verdicts.values():
            store.flush()
        self._sigs.flush()

    def close(self) -> None:
        self.flush()
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()
        if self._quorum is not None:
            self._quorum.close()
            self._quorum = None

    def __del__(self) -> None:
        self.close()

    def sealing_index(self, repo: Path) -> dict[str, str]:
        """The unit's sealing merges by document, walked once per verifier (see `sealing_index`)."""
        if repo not in self._sealing:
            self._sealing[repo] = sealing_index(repo)
        return self._sealing[repo]

    def _cache_key(self, kind: str, unit: str, oid: str, trusted: str) -> str:
        # The registry in force for `oid` (`registry_then`) follows from the append-only log and
        # the trusted time, so the key needs no more than the current registry and that time.
        key = "|".join([CACHE_VERSION, self.reg.commit or "", kind, unit, oid, trusted])
        return hashlib.sha256(key.encode()).hexdigest()

    def _cache_file(self, digest: str) -> Path:
        return self.cache_dir / digest[:2] / f"{digest}.json"

    def _verdict_store(self, unit: str) -> JsonStore:
        if unit not in self._verdicts:
            self._verdicts[unit] = JsonStore(self.cache_dir / "verdicts" / unit / f"{self.reg.commit or 'none'}.json")
        return self._verdicts[unit]

    def cached(self, kind: str, unit: str, oid: str, trusted: str | None, ref: str | None = None) -> Finding | None:
        """The stored judgement of `oid`, without reading the object (None when not stored)."""
        witness = self.witnessing(unit, oid) if trusted else None
        pending = witness is not None and not witness.witnessed
        key = self._cache_key(kind, unit, oid, (trusted or UNKNOWN) + ("|pending" if pending else ""))
        data = self._verdict_store(unit).get(key)
        if not isinstance(data, dict):
            return None
        try:
            found = Finding(**{**data, "ref": ref})
        except TypeError:
            return None
        self.hits += 1
        found.witness = witness.to_dict() if witness is not None else None
        return found

    def finding(self, kind: str, unit: str, oid: str, trusted: str | None, summary: str,
                payload: bytes, signature: bytes | None, setup: bool = False, inbox: bool = False,
                ref: str | None = None) -> Finding:
        witness = self.witnessing(unit, oid) if trusted else None
        pending = witness is not None and not witness.witnessed
        trusted_text = (trusted or UNKNOWN) + ("|pending" if pending else "")
        key = self._cache_key(kind, unit, oid, trusted_text)
        store = self._verdict_store(unit)
        path = self._cache_file(key)
        found: Finding | None = None
        data = store.get(key)
        if data is None and self.object_files and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                data = None
        if isinstance(data, dict):
            try:
                found = Finding(**{**data, "ref": ref})
                self.hits += 1
            except TypeError:
                found = None
        if found is None:
            self.misses += 1
            found = self._judge(kind, unit, oid, trusted, summary, payload, signature, setup, inbox, ref)
            if pending and found.valid and witness is not None:
                found.valid = False
                found.reason = witness.text()
            record = {**found.to_dict(), "witness": None}
            if self.object_files:
                _store(path, record)
            store.put(key, record)
        elif store.get(key) is None:
            store.put(key, {**found.to_dict(), "witness": None, "ref": None})
        found.witness = witness.to_dict() if witness is not None else None
        return found

    def _signature(self, payload: bytes, signature: bytes) -> keys.Verification:
        """gpg's verdict over these exact bytes with the server keyring. Kept once the key was
        known (the keyring only gains keys); an unknown key is asked again next time."""
        digest = self._signature_key(payload, signature)
        known = self._sigs.get(digest)
        if isinstance(known, dict):
            return keys.Verification(**known)
        path = self.cache_dir / "signatures" / digest[:2] / f"{digest}.json"
        try:
            if self.object_files:
                got = keys.Verification(**json.loads(path.read_text(encoding="utf-8")))
                self._sigs.put(digest, asdict(got))
                return got
        except (OSError, json.JSONDecodeError, TypeError):
            pass
        got = keys.verify_detached(self.city.server_gnupg, payload, signature)
        self.gpg_runs += 1
        self._keep_signature(digest, got)
        return got

    @staticmethod
    def _signature_key(payload: bytes, signature: bytes) -> str:
        return hashlib.sha256(b"\0".join([CACHE_VERSION.encode(), payload, signature])).hexdigest()

    def _keep_signature(self, digest: str, got: keys.Verification) -> None:
        if got.key_known:
            if self.object_files:
                _store(self.cache_dir / "signatures" / digest[:2] / f"{digest}.json", asdict(got))
            self._sigs.put(digest, asdict(got))

    def prefetch(self, signed: list[tuple[bytes, bytes | None]]) -> None:
        """gpg's verdicts on many signatures in one batched run (`openpgp.batch`): a first
        report on a unit of 10,000 documents is one gpg process, not 60,000."""
        todo: dict[str, tuple[bytes, bytes]] = {}
        for payload, signature in signed:
            if signature is None:
                continue
            digest = self._signature_key(payload, signature)
            if digest not in todo and self._sigs.get(digest) is None and not (
                    self.object_files and (self.cache_dir / "signatures" / digest[:2] / f"{digest}.json").exists()):
                todo[digest] = (payload, signature)
        if len(todo) < 2:
            return
        from repo_tools.openpgp.batch import verify_many
        for digest, got in zip(todo, verify_many(self.city.server_gnupg, list(todo.values())), strict=True):
            self.gpg_runs += 1
            self._keep_signature(digest, got)

    def _judge(self, kind: str, unit: str, oid: str, trusted: str | None, summary: str, payload: bytes,
               signature: bytes | None, setup: bool, inbox: bool, ref: str | None) -> Finding:
        base: dict[str, Any] = dict(kind=kind, id=oid, summary=summary, trusted_time=trusted or UNKNOWN, ref=ref)
        if signature is None:
            return Finding(**base, signer=None, signer_name=None, key=None, role=None, valid=False, reason=say("verify.report._judge.1"))
        got = self._signature(payload, signature)
        from repo_tools.lifecycle.history import holder_then

        then = self.registry_then(oid, trusted)
        holder = holder_then(self.reg, then, got.fingerprint)
        who: dict[str, Any] = dict(
            signer=holder.id if holder else None,
            signer_name=holder.name if holder else None,
            key=got.fingerprint,
            role=role_of(then, holder) if holder else None,
        )
        if not got.valid:
            why = say("verify.report._judge.2") if not got.key_known else say("verify.report._judge.3", status=got.status)
            return Finding(**base, **who, valid=False, reason=why)
        verdict = judgement.may_sign(then, holder, unit, timeutil.parse(trusted) if trusted else None,
                                     setup=setup, inbox=inbox)
        return Finding(**base, **who, valid=verdict.counts, reason=verdict.reason)


_FINDING_FIELDS = tuple(Finding.__dataclass_fields__)


def _pending_only(found: Finding) -> bool:
    """The signature holds but its trusted time awaits the witness quorum (待见证)."""
    return not found.valid and found.pending and found.reason.startswith(PENDING_TEXT)


# Units and objects -----------------------------------------------------------------------------
def _objects(repo: Path, target: str | None) -> tuple[list[str], list[tuple[str, str]]]:
    """Commits (oldest first) and (tag object id, ref) pairs to verify for a revision or all."""
    env = clean_env()
    if target:
        commits = git("rev-list", "--reverse", "--topo-order", target, cwd=repo, env=env).split()
        oid = rev_parse(repo, target, env=env) if ".." not in target else None
        tags: list[tuple[str, str]] = []
        if oid and git("cat-file", "-t", oid, cwd=repo, env=env).strip() == "tag":
            tags.append((oid, target))
        return commits, tags
    # refs/replies/ holds the receiving unit's handling steps, copied back by the service: they
    # are that unit's objects, judged in its delivery reports, not this unit's.
    commits = git("rev-list", "--reverse", "--topo-order", "--exclude=refs/replies/*", "--all", cwd=repo, env=env).split()
    tags = []
    for line in git("for-each-ref", "--format=%(objectname) %(objecttype) %(refname)", cwd=repo, env=env).splitlines():
        oid, otype, ref = line.split(" ", 2)
        if otype == "tag" and not ref.startswith("refs/replies/"):
            tags.append((oid, ref))
    return commits, tags


def _push_findings(verifier: Verifier, unit: str, entries: Iterable[dict[str, Any]]) -> list[Finding]:
    """Every push certificate the log kept for the unit: a stored judgement first, the rest
    checked by one batched gpg run."""
    out: list[Finding | None] = []
    todo: list[tuple[int, dict[str, Any], PushCertificate, list[str]]] = []
    for entry in entries:
        cert_id = entry.get("certificate_id")
        text = entry.get("certificate")
        refs = [u.get("ref", "") for u in entry.get("updates", [])]
        if not text:
            out.append(Finding("push-certificate", f"log:{entry.get('seq')}", say("verify.report._push_findings.1") + "、".join(refs), None, None,
                               None, None, entry.get("time", UNKNOWN), False, say("verify.report._push_findings.2")))
            continue
        hit = verifier.cached("push-certificate", unit, cert_id or f"log:{entry.get('seq')}", entry.get("time"))
        if hit is not None:
            out.append(hit)
            continue
        todo.append((len(out), entry, PushCertificate.parse(cert_id or "", text.encode("utf-8")), refs))
        out.append(None)
    verifier.prefetch([(cert.payload, cert.signature) for _, _, cert, _ in todo])
    for i, entry, cert, refs in todo:
        setup = refs == ["refs/heads/main"] and all(u.get("old") == "0" * 40 for u in entry.get("updates", []))
        inbox = bool(refs) and all(r.startswith("refs/inbox/") for r in refs)
        out[i] = verifier.finding("push-certificate", unit, entry.get("certificate_id") or f"log:{entry.get('seq')}",
                                  entry.get("time"), say("verify.report._push_findings.1") + "、".join(refs), cert.payload, cert.signature,
                                  setup=setup, inbox=inbox)
    return [f for f in out if f is not None]


def unit_findings(verifier: Verifier, unit: str, target: str | None = None, times: dict[str, str] | None = None) -> list[Finding]:
    """Every commit and annotated tag of the unit (or of `target`), and every push certificate."""
    city = verifier.city
    repo = city.unit_repo(unit)
    times = times if times is not None else eventlog.trusted_times(city.log_file, unit)
    commits, tags = _objects(repo, target)
    delivered = set(git("for-each-ref", "--format=%(objectname)", "refs/inbox/", cwd=repo,
                        env=clean_env()).split())
    from repo_tools.workflow import report as workflow_report  # 会签件 and 会签 (repo_tools/workflow/)
    with ObjectReader(repo, env=clean_env()) as reader:
        service = workflow_report.service_commits(repo, reader)
        found = _commit_findings(verifier, reader, unit, commits, times, service, delivered)
        found += _tag_findings(verifier, reader, unit, tags, times)
    if target is None:
        entries = [e for e in eventlog.read(city.log_file) if e.get("type") == "push" and e.get("repo") == unit]
        found += _push_findings(verifier, unit, entries)
    verifier.flush()
    return found


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


def _stored(verifier: Verifier, reader: ObjectReader, kind: str, unit: str, items: list[tuple[str, str | None]],
            times: dict[str, str], skip: set[str]) -> tuple[list[Finding | None], list[tuple[int, str, str | None, bytes]]]:
    """Findings in order with the stored judgements in place (the object not even read), and
    (slot, id, ref, raw object) of those still to judge; objects in `skip` are always read."""
    out: list[Finding | None] = []
    unread: list[tuple[int, str, str | None, bytes]] = []
    for oid, ref in items:
        hit = None if oid in skip else verifier.cached(kind, unit, oid, times.get(oid), ref=ref)
        if hit is not None:
            out.append(hit)
            continue
        got = reader.read(oid)
        if got is None:
            continue
        unread.append((len(out), oid, ref, got[2]))
        out.append(None)
    return out, unread


def _commit_findings(verifier: Verifier, reader: ObjectReader, unit: str, commits: list[str],
                     times: dict[str, str], service: set[str], delivered: set[str]) -> list[Finding]:
    """The unit's commits, in order: a stored judgement without reading the object; the rest
    read, their signatures checked by one batched gpg run, then judged."""
    out, unread = _stored(verifier, reader, "commit", unit, [(oid, None) for oid in commits], times, service)
    todo = [(i, parse_commit(oid, raw)) for i, oid, _, raw in unread]
    verifier.prefetch([(c.payload, c.signature) for _, c in todo if c.oid not in service])
    for i, commit in todo:
        oid = commit.oid
        if oid in service:
            out[i] = Finding(
                "commit",
                oid,
                _first_line(commit.message),
                None,
                say("verify.report._commit_findings.1"),
                None,
                say("verify.report._commit_findings.2"),
                times.get(oid, UNKNOWN),
                True,
                say("verify.report._commit_findings.3"),
            )
            continue
        # A delivery is signed by a person of the sending unit; `delivery_report` judges
        # that signer strictly (sending unit, role, key at the transmission time).
        out[i] = verifier.finding(
            "commit",
            unit,
            oid,
            times.get(oid),
            _first_line(commit.message),
            commit.payload,
            commit.signature,
            setup=not commit.parents,
            inbox=oid in delivered and not commit.parents,
        )
    return [f for f in out if f is not None]


def _tag_findings(verifier: Verifier, reader: ObjectReader, unit: str, tags: list[tuple[str, str]], times: dict[str, str]) -> list[Finding]:
    """The unit's annotated tags, stored judgements first (as `_commit_findings`); a 会签 is
    judged for the co-issuing unit it was signed for."""
    from repo_tools.workflow import report as workflow_report
    from repo_tools.workflow.trusted import times_of

    out, unread = _stored(verifier, reader, "tag", unit, list(tags), times, set())
    todo = [(i, ref or "", parse_tag(oid, raw)) for i, oid, ref, raw in unread]
    verifier.prefetch([(t.payload, t.signature) for _, _, t in todo])
    for i, ref, tag in todo:
        oid = tag.oid
        first = _first_line(tag.message)
        if ref.startswith("refs/reviews/"):  # a verdict's first line is its code: show it in words
            from repo_tools.review.vocabulary import VERDICT_NAMES

            first = VERDICT_NAMES.get(first, first)
        summary = say("verify.report._tag_findings.1", tag=tag.tag, first=first)
        co_unit = workflow_report.countersign_unit(tag.message) if ref.startswith("refs/reviews/") else None
        if co_unit and co_unit != unit:  # a 会签, signed for the co-issuing unit, pushed there
            when = times.get(oid) or next((t.isoformat() for t in times_of(verifier.city.log_file, [oid]).values()), None)
            out[i] = verifier.finding("tag", co_unit, oid, when, summary, tag.payload, tag.signature, ref=ref)
            continue
        out[i] = verifier.finding("tag", unit, oid, times.get(oid), summary, tag.payload, tag.signature, inbox=ref.startswith("refs/inbox/"), ref=ref)
    return [f for f in out if f is not None]


# Documents ----------------------------------------------------------------------------------
def _trailers(message: str) -> list[tuple[str, str]]:
    out = []
    for line in message.strip().splitlines():
        key, sep, value = line.partition(": ")
        if sep and key and " " not in key.strip():
            out.append((key.strip(), value.strip()))
    return out


def sealing_index(repo: Path) -> dict[str, str]:
    """index.md path -> the latest merge on main's first-parent line whose trailers seal it.

    One walk of main per unit, shared by every document report of a verifier, so reporting on
    all documents of a unit costs one history walk, not one per document."""
    out = git("log", "--first-parent", "--merges", "--format=%H%x00%B%x01", "refs/heads/main", cwd=repo, env=clean_env(), check=False)
    index: dict[str, str] = {}
    for record in out.split("\x01"):
        oid, _, body = record.strip().partition("\x00")
        for key, value in _trailers(body):
            if key == "Sealed-Document":
                index.setdefault(value.split(" ", 1)[0], oid)  # newest first: keep the latest
    return index


def _sealing_merge(repo: Path, reader: ObjectReader, index_path: str, index: dict[str, str]) -> tuple[Any, list[tuple[str, str]]] | None:
    """The latest merge on main's first-parent line that seals `index_path`."""
    oid = index.get(index_path)
    got = reader.read(oid) if oid else None
    if got is None or oid is None:
        return None
    commit = parse_commit(oid, got[2])
    return commit, _trailers(commit.message)


def document_report(
    city: City, unit_id: str, doc_dir: str, verifier: Verifier | None = None, times: dict[str, str] | None = None, meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Number, seal, seal validity at its trusted time and the approvals with their opinions of one
    document on the unit's main (contract for the site; see BRIEF "Verification"). Composed of
    views that each answer one question: which number (`_number_view`), which merge sealed it
    and is it unchanged since (`_sealed_content`), does the seal hold (`_seal_view`), do the
    approvals hold (`_approval_view`, `_approvals_enough`), and the 发文 steps (workflow.report).

    `meta`: the front matter of the document on main when the caller has already read it (the site
    has), so a full build parses each document once."""
    verifier = verifier or Verifier(city)
    doc_dir = doc_dir.rstrip("/").removesuffix("/index.md")
    index_path = f"{doc_dir}/index.md"
    repo = city.unit_repo(unit_id)
    times = times if times is not None else eventlog.trusted_times(city.log_file, unit_id)
    report: dict[str, Any] = {
        "unit": unit_id,
        "unit_name": None,
        "path": doc_dir,
        "number": None,
        "sealed": False,
        "seal": None,
        "seal_valid": False,
        "sealed_at": None,
        "merge": None,
        "approvals": [],
        "steps": [],
        "problems": [],
        "ok": False,
        "witness": None,
        "pending": False,
    }
    problems: list[str] = report["problems"]
    with verifier.reader(repo) as reader:
        if meta is None:
            data = reader.blob(f"refs/heads/main:{index_path}")
            if data is None:
                problems.append(say("verify.report.document_report.1", index_path=index_path))
                return report
            meta, _ = frontmatter.split(data.decode("utf-8", "replace"))
        report["number"] = str(meta.get("number") or "") or None
        found = _sealing_merge(repo, reader, index_path, verifier.sealing_index(repo))
        if found is None:
            problems.append(say("verify.report.document_report.2"))
            return report
        merge, trailers = found
        report["sealed"], report["merge"] = True, merge.oid
        problems += _number_view(report["number"], trailers, index_path)
        problems += _sealed_content(reader, doc_dir, merge.oid)
        reg = _seal_view(verifier, unit_id, merge, trailers, times, report)
        mr_head = merge.parents[1] if len(merge.parents) > 1 else None
        for key, value in trailers:
            if key == "Approval":
                entry, found_problems = _approval_view(verifier, reader, reg, unit_id, value, times, mr_head)
                report["approvals"].append(entry)
                problems += found_problems
        from repo_tools.workflow.report import issued_steps  # 会签, 签发, 复核 (repo_tools/workflow/)

        report["steps"], step_problems = issued_steps(verifier, reader, reg, unit_id, trailers, times, mr_head, city.log_file)
        problems += step_problems
        if not any(s["step"] == "sign-off" for s in report["steps"]):
            problems.append(say("verify.report.document_report.16"))
        problems += _approvals_enough(reg, unit_id, report["approvals"])
    report["ok"] = report["sealed"] and report["seal_valid"] and not problems
    return report


def _number_view(number: str | None, trailers: list[tuple[str, str]], index_path: str) -> list[str]:
    """Does the document bear the number its sealing merge recorded?"""
    sealed_numbers = [v.split(" ", 1)[1] for k, v in trailers if k == "Sealed-Document" and v.split(" ", 1)[0] == index_path and " " in v]
    problems = []
    if number and sealed_numbers and sealed_numbers[0] != number:
        problems.append(say("verify.report._number_view.1", number=number, value=sealed_numbers[0]))
    if not number:
        problems.append(say("verify.report._number_view.2"))
    return problems


def _sealed_content(reader: ObjectReader, doc_dir: str, merge: str) -> list[str]:
    """Is the document on main the very tree the seal covered?"""
    if reader.oid(f"refs/heads/main:{doc_dir}") != reader.oid(f"{merge}:{doc_dir}"):
        return [say("verify.report._sealed_content.1")]
    return []


def _seal_view(
    verifier: Verifier, unit_id: str, merge: ParsedCommit, trailers: list[tuple[str, str]], times: dict[str, str], report: dict[str, Any]
) -> Registry:
    """Does the seal hold: the merge signed by this unit's seal key, valid at the merge's trusted
    time, the seal the merge names? Fills the report's seal fields; returns the registry as it
    stood when the seal was applied (names, custodian and required approvals, Art. 9)."""
    problems: list[str] = report["problems"]
    judged = verifier.finding("commit", unit_id, merge.oid, times.get(merge.oid), _first_line(merge.message), merge.payload, merge.signature)
    report["sealed_at"] = None if judged.trusted_time == UNKNOWN else judged.trusted_time
    report["witness"] = judged.witness
    report["pending"] = _pending_only(judged)
    reg = verifier.registry_then(merge.oid, report["sealed_at"])
    from repo_tools.lifecycle.history import holder_then

    holder = holder_then(verifier.reg, reg, judged.key)
    named = verifier.reg.unit(unit_id)
    report["unit_name"] = named.name_on(report["sealed_at"]) if named else unit_id
    is_seal = holder is not None and holder.kind == "seal"
    if holder is not None and is_seal:
        report["seal"] = _seal_record(verifier, reg, holder)
    seal_valid = judged.valid and is_seal
    if holder is not None and not is_seal:
        problems.append(say("verify.report._seal_view.1", name=holder.name))
    elif report["pending"]:
        problems.append(judged.reason)
    elif not judged.valid:
        problems.append(say("verify.report._seal_view.2", reason=judged.reason))
    seal_ids = [v for k, v in trailers if k == "Seal"]
    if seal_ids and holder is not None and is_seal and seal_ids[0] != holder.id:
        problems.append(say("verify.report._seal_view.3", value=seal_ids[0], id=holder.id))
        seal_valid = False
    report["seal_valid"] = seal_valid
    return reg


def _seal_record(verifier: Verifier, reg: Registry, holder: KeyHolder) -> dict[str, Any]:
    """Which seal, and who kept it when it was applied (Art. 21): a seal designated only later
    shows its current custodian, and `custodian_at_sealing` says there was none then."""
    seal_then, seal_now = reg.seal(holder.id), verifier.reg.seal(holder.id)
    custodian = (seal_then.custodian if seal_then else None) or (seal_now.custodian if seal_now else None)
    keeper = reg.person(custodian) or verifier.reg.person(custodian) if custodian else None
    return {
        "id": holder.id,
        "unit": holder.unit,
        "custodian": custodian,
        "custodian_name": keeper.name if keeper else None,
        "custodian_at_sealing": seal_then.custodian if seal_then else None,
        "fingerprint": holder.key.fingerprint,
    }


def _approval_view(
    verifier: Verifier, reader: ObjectReader, reg: Registry, unit_id: str, value: str, times: dict[str, str], mr_head: str | None
) -> tuple[dict[str, Any], list[str]]:
    """Does one `Approval:` trailer hold: a signed tag by that reviewer, valid at its trusted
    time, an `approve` on the head that was merged?"""
    ref, _, tag_oid = value.partition(" ")
    reviewer = ref.rstrip("/").rsplit("/", 1)[-1]
    person = reg.person(reviewer)
    entry: dict[str, Any] = {
        "reviewer": reviewer,
        "name": person.name if person else reviewer,
        "verdict": None,
        "opinion": "",
        "trusted_time": None,
        "valid": False,
        "ref": ref,
        "tag": tag_oid,
    }
    got = reader.read(tag_oid.strip()) if tag_oid.strip() else None
    if got is None or got[1] != "tag":
        return entry, [say("verify.report._approval_view.1", ref=ref, value=tag_oid[:10])]
    tag = parse_tag(got[0], got[2])
    first, _, rest = tag.message.partition("\n")
    entry["verdict"], entry["opinion"] = first.strip(), rest.strip()
    judged = verifier.finding(
        "tag", unit_id, tag.oid, times.get(tag.oid), say("verify.report._approval_view.2", ref=ref), tag.payload, tag.signature, ref=ref
    )
    entry["trusted_time"] = None if judged.trusted_time == UNKNOWN else judged.trusted_time
    entry["pending"] = _pending_only(judged)
    problem = None
    if entry["pending"]:
        problem = say("verify.report._approval_view.3", ref=ref, reason=judged.reason)
    elif not judged.valid:
        problem = say("verify.report._approval_view.4", ref=ref, reason=judged.reason)
    elif judged.signer != reviewer:
        problem = say("verify.report._approval_view.5", ref=ref, signer=judged.signer, reviewer=reviewer)
    elif entry["verdict"] != "approve":
        problem = say("verify.report._approval_view.6", ref=ref, verdict=entry["verdict"])
    elif mr_head and tag.object != mr_head:
        problem = say("verify.report._approval_view.7", ref=ref, value=tag.object[:10])
    entry["valid"] = judged.valid and problem is None  # a pending approval is not valid yet
    return entry, [problem] if problem else []


def _approvals_enough(reg: Registry, unit_id: str, approvals: list[dict[str, Any]]) -> list[str]:
    """Are there as many valid approvals as the unit required then (those awaiting the witness
    quorum counted as coming)?"""
    unit = reg.unit(unit_id)
    required = unit.required_approvals if unit else 1
    valid = sum(1 for a in approvals if a["valid"])
    waiting = sum(1 for a in approvals if a.get("pending"))
    if valid < required and valid + waiting < required:
        return [say("verify.report._approvals_enough.1", valid=valid, required=required)]
    return []


# Deliveries and receipts (Art. 27-29) --------------------------------------------------------
def _signed_step(
    verifier: Verifier,
    reader: ObjectReader,
    kind: str,
    unit: str,
    oid: str,
    trusted: str | None,
    summary: str,
    roles: tuple[str, ...],
    expected: str | None,
) -> tuple[dict[str, Any], list[str]]:
    """Who signed one delivery or handling commit, at what trusted time, whether the key was
    valid then for `unit`, and whether the signer held one of `roles` (and is `expected`)."""
    got = reader.read(oid)
    payload, signature = (b"", None)
    if got is not None:
        commit = parse_commit(oid, got[2])
        payload, signature = commit.payload, commit.signature
    judged = verifier.finding(kind, unit, oid, trusted, summary, payload, signature)
    entry = {
        "commit": oid,
        "signer": judged.signer,
        "signer_name": judged.signer_name,
        "key": judged.key,
        "trusted_time": None if judged.trusted_time == UNKNOWN else judged.trusted_time,
        "valid": judged.valid,
        "reason": judged.reason,
    }
    problems: list[str] = []
    if not judged.valid:
        problems.append(say("verify.report._signed_step.1", summary=summary, reason=judged.reason))
    else:
        person = verifier.registry_then(oid, trusted).person(judged.signer or "")
        if person is None or not any(r in person.roles for r in roles):
            entry["valid"] = False
            role = say("verify.report._signed_step.2").join(ROLE_NAMES[r] for r in roles)
            entry["reason"] = say("verify.report._signed_step.3", role=role)
            problems.append(say("verify.report._signed_step.4", summary=summary, signer_name=judged.signer_name, role=role))
        elif expected and judged.signer != expected:
            entry["valid"] = False
            entry["reason"] = say("verify.report._signed_step.5", expected=expected, signer=judged.signer)
            problems.append(f"{summary}：{entry['reason']}")
    return entry, problems


def delivery_report(city: City, delivery: Any, verifier: Verifier | None = None, times: dict[str, str] | None = None) -> dict[str, Any]:
    """One delivery as the receiving repository holds it: the sender's signature (a clerk or
    seal custodian of the sending unit, key valid at the transmission time), the delivered tree
    against the sealing merge on the sender's main, and every handling step (a clerk of the
    receiving unit, key valid at the step's trusted time)."""
    from repo_tools.transmit import deliveries as transmit

    verifier = verifier or Verifier(city)
    times = times if times is not None else eventlog.trusted_times(city.log_file)
    record = delivery.record
    from_unit, to_unit = delivery.from_unit, delivery.to_unit
    repo = getattr(delivery, "repo", None) or city.unit_repo(to_unit)
    report: dict[str, Any] = {
        "id": delivery.id,
        "from": from_unit,
        "to": to_unit,
        "number": record.get("number"),
        "title": record.get("title"),
        "status": delivery.status,
        "resend_of": record.get("resend_of"),
        "sealing_commit": record.get("sealing_commit"),
        "document_matches_seal": False,
        "problems": [],
        "ok": False,
    }
    problems: list[str] = report["problems"]
    with ObjectReader(repo, env=clean_env()) as reader:
        sender, found = _signed_step(
            verifier,
            reader,
            "delivery",
            from_unit,
            delivery.commit,
            times.get(delivery.commit),
            say("verify.report.delivery_report.1", id=delivery.id),
            transmit.SENDER_ROLES,
            str(record.get("sender") or "") or None,
        )
        report["sent"] = {**sender, "action": "sent"}
        problems += found
        steps = []
        for step in delivery.handling:
            entry, found = _signed_step(
                verifier,
                reader,
                "handling",
                to_unit,
                step.commit,
                times.get(step.commit),
                say(
                    "verify.report.delivery_report.2",
                    id=delivery.id,
                    step=step.step,
                    action_verbs_get=transmit.ACTION_VERBS.get(step.action, step.action),
                ),
                ("clerk",),
                step.by or None,
            )
            steps.append({"step": step.step, "action": step.action, "by": step.by, **entry})
            problems += found
        report["handling"] = steps
    delivered = rev_parse(repo, f"{delivery.commit}:{transmit.DOCUMENT}", env=clean_env())
    sealing = str(record.get("sealing_commit") or "")
    path = str(record.get("path") or "")
    sealed_tree = rev_parse(city.unit_repo(from_unit), f"{sealing}:{path}", env=clean_env()) \
        if sealing and path and city.unit_repo(from_unit).is_dir() else None
    if sealed_tree is None and sealing and path:
        # From a clone over SSH the receiver reaches no other unit's repository: the service
        # compared the trees when it placed the delivery and wrote the sealed tree in the log.
        sealed_tree = placed_sealed_tree(city, delivery.commit)
        report["sealed_tree_from"] = "log" if sealed_tree else None
    report["document_matches_seal"] = bool(delivered and delivered == sealed_tree)
    if not report["document_matches_seal"]:
        problems.append(say("verify.report.delivery_report.3", id=delivery.id, sealing=sealing[:10], path=path))
    report["ok"] = not problems
    return report


def placed_sealed_tree(city: City, commit: str) -> str | None:
    """The sealed tree the service recorded when it placed this delivery (`delivery-placed`)."""
    found = None
    for entry in eventlog.read(city.log_file):
        if entry.get("type") == "delivery-placed" and entry.get("commit") == commit:
            found = entry.get("sealed_tree") or found
    return str(found) if found else None


def delivery_reports(city: City, unit_id: str, verifier: Verifier | None = None
                     ) -> dict[str, list[dict[str, Any]]]:
    """Deliveries the unit received (`received`) and sent (`sent`), each judged by `delivery_report`."""
    from repo_tools.transmit import deliveries as transmit

    verifier = verifier or Verifier(city)
    times = eventlog.trusted_times(city.log_file)
    return {
        "received": [delivery_report(city, d, verifier, times) for d in transmit.deliveries_in(city, unit_id, times=times)],
        "sent": [delivery_report(city, d, verifier, times) for d in transmit.sent_by(city, unit_id, times=times)],
    }


def registry_findings(verifier: Verifier) -> list[Finding]:
    """Every commit of the registry itself: signed by the city authority, or by a person who was,
    in the registry just before that commit, an e-gov admin or a unit admin (Art. 6, 12), with a
    key valid at the commit's trusted time. (What each admin may change is the hook's rule.)"""
    from repo_tools.lifecycle.history import holder_then

    city = verifier.city
    repo = city.registry_repo
    verifier.registry_then(None, None)  # builds the history
    history = verifier._history
    times = eventlog.trusted_times(city.log_file, "registry")
    authority = city.authority_fingerprint().upper()
    out: list[Finding] = []
    commits = git("rev-list", "--reverse", "--topo-order", "refs/heads/main", cwd=repo, env=clean_env(), check=False).split()
    with verifier.reader(repo) as reader:
        for oid in commits:
            got = reader.read(oid)
            if got is None:
                continue
            commit = parse_commit(oid, got[2])
            summary = commit.message.strip().splitlines()[0] if commit.message.strip() else ""
            trusted = times.get(oid)
            base: dict[str, Any] = dict(kind="registry-commit", id=oid, summary=summary, trusted_time=trusted or UNKNOWN, ref=None)
            if commit.signature is None:
                out.append(
                    Finding(**base, signer=None, signer_name=None, key=None, role=None, valid=False, reason=say("verify.report.registry_findings.1"))
                )
                continue
            sig = verifier._signature(commit.payload, commit.signature)
            fpr = (sig.fingerprint or "").upper()
            if sig.valid and fpr == authority:
                out.append(
                    Finding(
                        **base,
                        signer="authority",
                        signer_name=say("verify.report.registry_findings.2"),
                        key=fpr,
                        role=say("verify.report.registry_findings.3"),
                        valid=True,
                        reason=say("verify.report.registry_findings.4"),
                    )
                )
                continue
            before = history.load(commit.parents[0]) if commit.parents else Registry(None)
            holder = holder_then(verifier.reg, before, fpr)
            who: dict[str, Any] = dict(signer=holder.id if holder else None, signer_name=holder.name if holder else None,
                       key=sig.fingerprint, role=role_of(before, holder) if holder else None)
            moment = timeutil.parse(trusted) if trusted else None
            if not sig.valid:
                why = say("verify.report.registry_findings.5") if not sig.key_known else say("verify.report.registry_findings.6", status=sig.status)
                out.append(Finding(**base, **who, valid=False, reason=why))
            else:
                verdict = judgement.may_sign(before, holder, None, moment)
                out.append(Finding(**base, **who, valid=verdict.counts, reason=verdict.reason))
    return out


def documents_on_main(city: City, unit_id: str) -> list[str]:
    from repo_tools.git.repo import list_tree

    files = list_tree(city.unit_repo(unit_id), "refs/heads/main", "documents", env=clean_env())
    return sorted(p[: -len("/index.md")] for p in files if p.endswith("/index.md"))


def _units_for(city: City, reg: Registry, unit_id: str | None) -> list[str]:
    if unit_id:
        if reg.unit(unit_id) is None:
            raise Refused("not-found", what=say("verify.report._units_for.1"), name=unit_id, remedy=say("verify.report._units_for.2"))
        return [unit_id]
    here = git("config", "--get", "oa.unit", check=False).strip()
    if here and reg.unit(here) is not None:
        return [here]
    return [u for u in reg.units if city.unit_repo(u).is_dir()]


def text_report(city: City, unit_id: str | None = None) -> tuple[str, bool]:
    """`render_text(verify(city, unit_id))` and its `ok`, reused while every input of it is
    unchanged (`verify.cache.inputs_digest`: refs, registry commit, log, keyring, code), so a
    unit verified before answers at once; otherwise made afresh (from the per-object stores)."""
    from repo_tools.verify.cache import ReportMemo, inputs_digest

    commit = rev_parse(city.registry_repo, "refs/heads/main", env=clean_env())
    reg: Registry | None = None
    if unit_id:
        units = [unit_id]  # a stored report proves the unit existed at this registry commit
    else:
        reg = city.registry()
        units = _units_for(city, reg, None) + ["(registry)"]
    memo = ReportMemo(city, units, None)
    state = inputs_digest(city, [u for u in units if u != "(registry)"], commit, None)
    hit = memo.get(state)
    if hit is not None:
        return hit
    report = verify(city, unit_id, reg=reg)
    text = render_text(report)
    if report["registry"] == commit:  # the registry did not move while the report was made
        memo.put(state, text, bool(report["ok"]))
    return text, bool(report["ok"])


def verify(city: City, unit_id: str | None = None, target: str | None = None, reg: Registry | None = None) -> dict[str, Any]:
    """The full report for one unit (or all): findings per object and per document; `ok` only
    when every signature counts and every document holds."""
    verifier = Verifier(city, reg)
    reg = verifier.reg
    units = [_unit_report(verifier, unit, target) for unit in _units_for(city, reg, unit_id)]
    registry: dict[str, Any] | None = None
    if unit_id is None and target is None:
        found = registry_findings(verifier)
        registry = {"ok": all(f.valid for f in found), "objects": [f.to_dict() for f in found]}
    ok = all(u["ok"] for u in units) and (registry is None or registry["ok"])
    verifier.close()
    return {
        "ok": ok,
        "registry": reg.commit,
        "checked_at": timeutil.iso(timeutil.now()),
        "units": units,
        "registry_commits": registry,
        "cache": {"hits": verifier.hits, "misses": verifier.misses},
    }


def _target_documents(repo: Path, target: str | None) -> tuple[list[str] | None, str | None]:
    """What `target` names: (document folders, None) for a document path on main, else (None,
    the revision); refused when it is neither."""
    if target is None:
        return None, None
    path = target.rstrip("/").removesuffix("/index.md")
    if rev_parse(repo, f"refs/heads/main:{path}/index.md", env=clean_env()):
        return [path], None
    if rev_parse(repo, target, env=clean_env()) is None and ".." not in target:
        raise Refused("not-found", what=say("verify.report._target_documents.1"), name=target, remedy=say("verify.report._target_documents.2"))
    return None, target


def _unit_report(verifier: Verifier, unit: str, target: str | None) -> dict[str, Any]:
    """One unit's part of the report: its objects, its documents on main, its deliveries."""
    city = verifier.city
    times = eventlog.trusted_times(city.log_file, unit)
    doc_paths, rev_target = _target_documents(city.unit_repo(unit), target)
    if doc_paths is None:
        findings = unit_findings(verifier, unit, rev_target, times)
        doc_paths = documents_on_main(city, unit) if target is None else []
    else:
        findings = []
    documents = [document_report(city, unit, p, verifier, times) for p in doc_paths]
    deliveries = delivery_reports(city, unit, verifier) if target is None else {"received": [], "sent": []}
    ok = all(f.valid for f in findings) and all(d["ok"] for d in documents) and all(d["ok"] for rows in deliveries.values() for d in rows)
    return {
        "unit": unit,
        "name": verifier.reg.units[unit].name,
        "ok": ok,
        "objects": [f.to_dict() for f in findings],
        "documents": documents,
        "deliveries": deliveries,
    }


KIND_NAMES = {
    "commit": say("verify.report.module.11"),
    "tag": say("verify.report.module.12"),
    "push-certificate": say("verify.report.module.13"),
    "registry-commit": say("verify.report.module.14"),
}


def render_text(report: dict[str, Any]) -> str:
    """The report for people (Chinese): per unit its objects, documents and deliveries, then the
    registry's commits and the conclusion, each section its own view."""
    lines: list[str] = []
    for unit in report["units"]:
        lines.append(f"━━ {unit['name']}（{unit['unit']}）：{'全部有效' if unit['ok'] else '存在问题'} ━━")
        for f in unit["objects"]:
            lines += _object_lines(f)
        for d in unit["documents"]:
            lines += _document_lines(d)
        for direction in ("sent", "received"):
            for d in unit.get("deliveries", {}).get(direction, []):
                lines += _delivery_lines(d, direction)
    registry = report.get("registry_commits")
    if registry is not None:
        lines += _registry_lines(registry)
    lines.append(_conclusion(report))
    return "\n".join(lines)


def _object_lines(f: dict[str, Any]) -> list[str]:
    """One signed object: what, who signed it, with which key, at what trusted time, and why not."""
    mark = "✓" if f["valid"] else "✗"
    who = f"{f['signer_name'] or '（未知）'}" + (f"〔{f['role']}〕" if f["role"] else "")
    time = say("verify.report._object_lines.1") if f["trusted_time"] == UNKNOWN else f["trusted_time"]
    lines = [
        f"{mark} {KIND_NAMES.get(f['kind'], f['kind'])} {f['id'][:10]} {f['summary'][:40]}",
        say("verify.report._object_lines.2", who=who, value=f["key"] or "—", time=time),
    ]
    if not f["valid"]:
        lines.append(say("verify.report._object_lines.3", reason=f["reason"]))
    return lines


def _document_lines(d: dict[str, Any]) -> list[str]:
    """One document: number, seal and its state, the witnessing, the approvals, the problems."""
    from repo_tools.review.vocabulary import VERDICT_NAMES  # review judges with verify: import here, not at the top

    lines = [
        say(
            "verify.report._document_lines.1",
            value="✓" if d["ok"] else "✗",
            path=d["path"],
            value2=d["number"] or say("verify.report._document_lines.10"),
        )
    ]
    if d["seal"]:
        state = (
            say("verify.report._document_lines.2")
            if d["seal_valid"]
            else (say("verify.report._document_lines.3") if d.get("pending") else say("verify.report._document_lines.4"))
        )
        lines.append(
            say(
                "verify.report._document_lines.5",
                id=d["seal"]["id"],
                value=d["seal"]["custodian"] or say("verify.report._document_lines.11"),
                state=state,
                value2=d["sealed_at"] or say("verify.report._document_lines.12"),
            )
        )
    if d.get("witness"):
        w = d["witness"]
        if w["status"] == "witnessed":
            lines.append(
                say("verify.report._document_lines.6", entry=w["entry"], checkpoint_size=w["checkpoint_size"], value_join="、".join(w["cosigners"]))
            )
        else:
            lines.append(say("verify.report._document_lines.7", entry=w["entry"], quorum=w["quorum"]))
    for a in d["approvals"]:
        verdict = VERDICT_NAMES.get(a["verdict"] or "", a["verdict"] or "")
        lines.append(
            say(
                "verify.report._document_lines.8",
                name=a["name"],
                reviewer=a["reviewer"],
                verdict=verdict,
                value=a["opinion"] or say("verify.report._document_lines.13"),
                value2=say("verify.report._document_lines.2") if a["valid"] else say("verify.report._document_lines.4"),
            )
        )
    lines += [say("verify.report._document_lines.9", p=p) for p in d["problems"]]
    return lines


STEP_VERBS = {
    "sent": say("verify.report.module.15"),
    "received": say("verify.report.module.16"),
    "registered": say("verify.report.module.17"),
    "returned": say("verify.report.module.18"),
    "resend-requested": say("verify.report.module.19"),
}


def _delivery_lines(d: dict[str, Any], direction: str) -> list[str]:
    """One delivery sent or received: the content against the seal, every signed step."""
    title, peer = (say("verify.report._delivery_lines.1"), d["to"]) if direction == "sent" else (say("verify.report._delivery_lines.2"), d["from"])
    lines = [
        say(
            "verify.report._delivery_lines.3",
            value="✓" if d["ok"] else "✗",
            title=title,
            id=d["id"],
            number=d["number"],
            value2=say("verify.report._delivery_lines.6") if direction == "sent" else say("verify.report._delivery_lines.7"),
            peer=peer,
            value3=say("verify.report._delivery_lines.8") if d["document_matches_seal"] else say("verify.report._delivery_lines.9"),
        )
    ]
    for step in [d["sent"], *d["handling"]]:
        lines.append(
            say(
                "verify.report._delivery_lines.4",
                step_verbs_get=STEP_VERBS.get(step["action"], step["action"]),
                value=step["signer_name"] or say("verify.report._delivery_lines.10"),
                value2=step["signer"] or "—",
                value3=step["trusted_time"] or say("verify.report._delivery_lines.11"),
                value4=say("verify.report._delivery_lines.12") if step["valid"] else say("verify.report._delivery_lines.13") + step["reason"],
            )
        )
    lines += [say("verify.report._delivery_lines.5", p=p) for p in d["problems"]]
    return lines


def _registry_lines(registry: dict[str, Any]) -> list[str]:
    """The registry's own commits: how many, and each one that does not hold."""
    wrong = [f for f in registry["objects"] if not f["valid"]]
    lines = [
        say(
            "verify.report._registry_lines.1",
            len_objects=len(registry["objects"]),
            value=say("verify.report._registry_lines.3") if not wrong else str(len(wrong)) + say("verify.report._registry_lines.4"),
        )
    ]
    lines += [say("verify.report._registry_lines.2", value=f["id"][:10], value2=f["summary"][:40], reason=f["reason"]) for f in wrong]
    return lines


def _conclusion(report: dict[str, Any]) -> str:
    """The last line: everything holds, or how many items do not."""
    bad = (
        len([f for f in (report.get("registry_commits") or {}).get("objects", []) if not f["valid"]])
        + sum(1 for u in report["units"] for f in u["objects"] if not f["valid"])
        + sum(1 for u in report["units"] for d in u["documents"] if not d["ok"])
        + sum(1 for u in report["units"] for rows in u.get("deliveries", {}).values() for d in rows if not d["ok"])
    )
    return say("verify.report._conclusion.1") if report["ok"] else say("verify.report._conclusion.2", bad=bad)
