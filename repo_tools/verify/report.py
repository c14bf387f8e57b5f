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
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from repo_tools import timeutil
from repo_tools.city import City
from repo_tools.documents import frontmatter
from repo_tools.git.push import PushCertificate
from repo_tools.git.repo import ObjectReader, clean_env, git, parse_commit, parse_tag, rev_parse
from repo_tools.identity import keys
from repo_tools.log import eventlog
from repo_tools.messages import Refused, say
from repo_tools.registry.records import ROLE_NAMES, KeyHolder, KeyRecord, Registry
from repo_tools.verify.vocabulary import KIND_NAMES as KIND_NAMES

UNKNOWN = "unknown"
PENDING_TEXT = say("verify.report.module.1")
CACHE_VERSION = "2"  # 2: judged against the registry as it stood at the trusted time
REASON_TEXT = {
    "lost": say("verify.report.module.2"),
    "compromised": say("verify.report.module.3"),
    "left": say("verify.report.module.4"),
    "replaced": say("verify.report.module.5"),
    "damaged": say("verify.report.module.6"),
    "custodian-change": say("verify.report.module.7"),
    "unit-change": say("verify.report.module.8"),
    "destroyed": say("verify.report.module.9"),
    "deregistered": say("verify.report.module.10"),
}


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
        return asdict(self)


def _window_problem(key: KeyRecord, moment: datetime) -> str | None:
    """Why `key` could not sign at `moment`, or None when it could."""
    if key.valid_at(moment):
        return None
    start = timeutil.parse(key.valid_from)
    if start is not None and moment < start:
        return say("verify.report._window_problem.1", timeutil_iso=timeutil.iso(moment), valid_from=key.valid_from)
    compromised = timeutil.parse(key.compromised_since)
    if compromised is not None and moment >= compromised:
        return say("verify.report._window_problem.2", compromised_since=key.compromised_since)
    reason = REASON_TEXT.get(key.reason or "", key.reason or say("verify.report._window_problem.3"))
    return say("verify.report._window_problem.4", revoked_at=key.revoked_at, reason=reason)


def role_of(reg: Registry, holder: KeyHolder) -> str:
    if holder.kind == "seal":
        seal = reg.seal(holder.id)
        custodian = say("verify.report.role_of.1", custodian=seal.custodian) if seal and seal.custodian else ""
        return say("verify.report.role_of.2", id=holder.id, custodian=custodian)
    person = reg.person(holder.id)
    roles = person.roles if person else []
    return "、".join(ROLE_NAMES.get(r, r) for r in roles) or say("verify.report.role_of.3")


def judge(reg: Registry, unit: str, holder: KeyHolder | None, moment: datetime | None, setup: bool = False, inbox: bool = False) -> tuple[bool, str]:
    """Whether a cryptographically good signature by `holder` counts for `unit` at `moment`."""
    if holder is None:
        return False, say("verify.report.judge.1")
    if moment is None:
        return False, say("verify.report.judge.2")
    if holder.kind == "seal":
        if holder.unit != unit:
            other = reg.unit(holder.unit)
            return False, say("verify.report.judge.3", value=other.name if other else holder.unit)
    else:
        person = reg.person(holder.id)
        in_unit = person is not None and person.unit == unit
        if not in_unit and not (setup and reg.is_egov_admin(holder.id)) and not inbox:
            other = reg.unit(holder.unit)
            return False, say("verify.report.judge.4", name=holder.name, value=other.name if other else holder.unit)
    problem = _window_problem(holder.key, moment)
    if problem:
        return False, problem
    return True, say("verify.report.judge.5")


def _store(path: Path, record: dict[str, Any]) -> None:
    """Write one cache record whole (a reader sees it complete or not at all); the temporary name
    carries the process id because a site build judges in several processes at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


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
        self._sealing: dict[Path, dict[str, str]] = {}
        self._readers: dict[Path, ObjectReader] = {}
        self._quorum: Any = None
        self._entries: dict[str, dict[str, Any]] = {}
        self._history: Any = None

    def witnessing(self, unit: str, oid: str) -> Any:
        """Whether the log entry that gives `oid` its trusted time is inside a checkpoint
        cosigned by the city's witness quorum (`repo_tools.log.quorum`)."""
        from repo_tools.log import quorum, store

        if self._quorum is None:
            self._quorum = quorum.QuorumView(self.city.log_file, self.city.registry_repo)
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
        return self._quorum.status(oid, leaf)

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

    def close(self) -> None:
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

    def _cache_file(self, kind: str, unit: str, oid: str, trusted: str) -> Path:
        # The registry in force for `oid` (`registry_then`) follows from the append-only log and
        # the trusted time, so the key needs no more than the current registry and that time.
        key = "|".join([CACHE_VERSION, self.reg.commit or "", kind, unit, oid, trusted])
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.cache_dir / digest[:2] / f"{digest}.json"

    def finding(
        self,
        kind: str,
        unit: str,
        oid: str,
        trusted: str | None,
        summary: str,
        payload: bytes,
        signature: bytes | None,
        setup: bool = False,
        inbox: bool = False,
        ref: str | None = None,
    ) -> Finding:
        witness = self.witnessing(unit, oid) if trusted else None
        pending = witness is not None and not witness.witnessed
        trusted_text = (trusted or UNKNOWN) + ("|pending" if pending else "")
        path = self._cache_file(kind, unit, oid, trusted_text)
        found: Finding | None = None
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self.hits += 1
                data["ref"] = ref
                found = Finding(**data)
            except (json.JSONDecodeError, TypeError):
                found = None
        if found is None:
            self.misses += 1
            found = self._judge(kind, unit, oid, trusted, summary, payload, signature, setup, inbox, ref)
            if pending and found.valid and witness is not None:
                found.valid = False
                found.reason = witness.text()
            _store(path, {**found.to_dict(), "witness": None})
        found.witness = witness.to_dict() if witness is not None else None
        return found

    def _signature(self, payload: bytes, signature: bytes) -> keys.Verification:
        """gpg's verdict over these exact bytes with the server keyring. Kept once the key was
        known (the keyring only gains keys); an unknown key is asked again next time."""
        digest = hashlib.sha256(b"\0".join([CACHE_VERSION.encode(), payload, signature])).hexdigest()
        path = self.cache_dir / "signatures" / digest[:2] / f"{digest}.json"
        try:
            return keys.Verification(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError, TypeError):
            pass
        got = keys.verify_detached(self.city.server_gnupg, payload, signature)
        self.gpg_runs += 1
        if got.key_known:
            _store(path, asdict(got))
        return got

    def _judge(
        self,
        kind: str,
        unit: str,
        oid: str,
        trusted: str | None,
        summary: str,
        payload: bytes,
        signature: bytes | None,
        setup: bool,
        inbox: bool,
        ref: str | None,
    ) -> Finding:
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
        ok, why = judge(then, unit, holder, timeutil.parse(trusted) if trusted else None, setup, inbox)
        return Finding(**base, **who, valid=ok, reason=why)


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
    out = []
    for entry in entries:
        cert_id = entry.get("certificate_id")
        text = entry.get("certificate")
        refs = [u.get("ref", "") for u in entry.get("updates", [])]
        summary = say("verify.report._push_findings.1") + "、".join(refs)
        if not text:
            out.append(
                Finding(
                    "push-certificate",
                    f"log:{entry.get('seq')}",
                    summary,
                    None,
                    None,
                    None,
                    None,
                    entry.get("time", UNKNOWN),
                    False,
                    say("verify.report._push_findings.2"),
                )
            )
            continue
        cert = PushCertificate.parse(cert_id or "", text.encode("utf-8"))
        setup = refs == ["refs/heads/main"] and all(u.get("old") == "0" * 40 for u in entry.get("updates", []))
        inbox = bool(refs) and all(r.startswith("refs/inbox/") for r in refs)
        out.append(
            verifier.finding(
                "push-certificate",
                unit,
                cert_id or f"log:{entry.get('seq')}",
                entry.get("time"),
                summary,
                cert.payload,
                cert.signature,
                setup=setup,
                inbox=inbox,
            )
        )
    return out


def unit_findings(verifier: Verifier, unit: str, target: str | None = None, times: dict[str, str] | None = None) -> list[Finding]:
    """Every commit and annotated tag of the unit (or of `target`), and every push certificate."""
    city = verifier.city
    repo = city.unit_repo(unit)
    times = times if times is not None else eventlog.trusted_times(city.log_file, unit)
    commits, tags = _objects(repo, target)
    delivered = set(git("for-each-ref", "--format=%(objectname)", "refs/inbox/", cwd=repo, env=clean_env()).split())
    found: list[Finding] = []
    from repo_tools.workflow import report as workflow_report  # 会签件 and 会签 (repo_tools/workflow/)
    from repo_tools.workflow.trusted import times_of

    with ObjectReader(repo, env=clean_env()) as reader:
        service = workflow_report.service_commits(repo, reader)
        for oid in commits:
            got = reader.read(oid)
            if got is None:
                continue
            commit = parse_commit(oid, got[2])
            summary = commit.message.strip().splitlines()[0] if commit.message.strip() else ""
            if oid in service:
                found.append(
                    Finding(
                        "commit",
                        oid,
                        summary,
                        None,
                        say("verify.report.unit_findings.1"),
                        None,
                        say("verify.report.unit_findings.2"),
                        times.get(oid, UNKNOWN),
                        True,
                        say("verify.report.unit_findings.3"),
                    )
                )
                continue
            # A delivery is signed by a person of the sending unit; `delivery_report` judges
            # that signer strictly (sending unit, role, key at the transmission time).
            found.append(
                verifier.finding(
                    "commit",
                    unit,
                    oid,
                    times.get(oid),
                    summary,
                    commit.payload,
                    commit.signature,
                    setup=not commit.parents,
                    inbox=oid in delivered and not commit.parents,
                )
            )
        for oid, ref in tags:
            got = reader.read(oid)
            if got is None:
                continue
            tag = parse_tag(oid, got[2])
            first = tag.message.strip().splitlines()[0] if tag.message.strip() else ""
            if ref.startswith("refs/reviews/"):  # a verdict's first line is its code: show it in words
                from repo_tools.review.requests import VERDICT_NAMES

                first = VERDICT_NAMES.get(first, first)
            summary = say("verify.report.unit_findings.4", tag=tag.tag, first=first)
            co_unit = workflow_report.countersign_unit(tag.message) if ref.startswith("refs/reviews/") else None
            if co_unit and co_unit != unit:  # a 会签, signed for the co-issuing unit, pushed there
                when = times.get(oid) or next((t.isoformat() for t in times_of(city.log_file, [oid]).values()), None)
                found.append(verifier.finding("tag", co_unit, oid, when, summary, tag.payload, tag.signature, ref=ref))
                continue
            found.append(
                verifier.finding("tag", unit, oid, times.get(oid), summary, tag.payload, tag.signature, inbox=ref.startswith("refs/inbox/"), ref=ref)
            )
    if target is None:
        entries = [e for e in eventlog.read(city.log_file) if e.get("type") == "push" and e.get("repo") == unit]
        found += _push_findings(verifier, unit, entries)
    return found


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
    if got is None:
        return None
    commit = parse_commit(oid, got[2])
    return commit, _trailers(commit.message)


def document_report(
    city: City, unit_id: str, doc_dir: str, verifier: Verifier | None = None, times: dict[str, str] | None = None, meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Number, seal, seal validity at its trusted time and the approvals with their opinions of one
    document on the unit's main (contract for the site; see BRIEF "Verification").

    `meta`: the front matter of the document on main when the caller has already read it (the site
    has), so a full build parses each document once."""
    verifier = verifier or Verifier(city)
    reg = verifier.reg
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
        number = str(meta.get("number") or "") or None
        report["number"] = number
        found = _sealing_merge(repo, reader, index_path, verifier.sealing_index(repo))
        if found is None:
            problems.append(say("verify.report.document_report.2"))
            return report
        merge, trailers = found
        report["sealed"] = True
        report["merge"] = merge.oid
        sealed_numbers = [v.split(" ", 1)[1] for k, v in trailers if k == "Sealed-Document" and v.split(" ", 1)[0] == index_path and " " in v]
        if number and sealed_numbers and sealed_numbers[0] != number:
            problems.append(say("verify.report.document_report.3", number=number, sealed_numbers_0=sealed_numbers[0]))
        if not number:
            problems.append(say("verify.report.document_report.4"))
        now_tree = reader.oid(f"refs/heads/main:{doc_dir}")
        sealed_tree = reader.oid(f"{merge.oid}:{doc_dir}")
        if now_tree != sealed_tree:
            problems.append(say("verify.report.document_report.5"))
        seal_ids = [v for k, v in trailers if k == "Seal"]
        judged = verifier.finding(
            "commit",
            unit_id,
            merge.oid,
            times.get(merge.oid),
            merge.message.strip().splitlines()[0] if merge.message.strip() else "",
            merge.payload,
            merge.signature,
        )
        report["sealed_at"] = None if judged.trusted_time == UNKNOWN else judged.trusted_time
        report["witness"] = judged.witness
        report["pending"] = _pending_only(judged)
        # Names, custodian and required approvals as they were when the seal was applied (Art. 9).
        reg = verifier.registry_then(merge.oid, report["sealed_at"])
        from repo_tools.lifecycle.history import holder_then

        holder = holder_then(verifier.reg, reg, judged.key)
        named = verifier.reg.unit(unit_id)
        report["unit_name"] = named.name_on(report["sealed_at"]) if named else unit_id
        if holder is not None and holder.kind == "seal":
            seal_then, seal_now = reg.seal(holder.id), verifier.reg.seal(holder.id)
            # The custodian at sealing time (Art. 21); a seal designated only later shows its
            # current custodian, and `custodian_at_sealing` says there was none then.
            custodian = (seal_then.custodian if seal_then else None) or (seal_now.custodian if seal_now else None)
            keeper = reg.person(custodian) or verifier.reg.person(custodian) if custodian else None
            report["seal"] = {
                "id": holder.id,
                "unit": holder.unit,
                "custodian": custodian,
                "custodian_name": keeper.name if keeper else None,
                "custodian_at_sealing": seal_then.custodian if seal_then else None,
                "fingerprint": holder.key.fingerprint,
            }
        seal_valid = judged.valid and holder is not None and holder.kind == "seal"
        if holder is not None and holder.kind != "seal":
            problems.append(say("verify.report.document_report.6", name=holder.name))
        elif report["pending"]:
            problems.append(judged.reason)
        elif not judged.valid:
            problems.append(say("verify.report.document_report.7", reason=judged.reason))
        if seal_ids and holder is not None and holder.kind == "seal" and seal_ids[0] != holder.id:
            problems.append(say("verify.report.document_report.8", seal_ids_0=seal_ids[0], id=holder.id))
            seal_valid = False
        report["seal_valid"] = seal_valid
        mr_head = merge.parents[1] if len(merge.parents) > 1 else None
        valid_approvals = 0
        for key, value in trailers:
            if key != "Approval":
                continue
            ref, _, tag_oid = value.partition(" ")
            reviewer = ref.rstrip("/").rsplit("/", 1)[-1]
            entry = {
                "reviewer": reviewer,
                "name": reg.person(reviewer).name if reg.person(reviewer) else reviewer,
                "verdict": None,
                "opinion": "",
                "trusted_time": None,
                "valid": False,
                "ref": ref,
                "tag": tag_oid,
            }
            got = reader.read(tag_oid.strip()) if tag_oid.strip() else None
            if got is None or got[1] != "tag":
                problems.append(say("verify.report.document_report.9", ref=ref, tag_oid=tag_oid[:10]))
                report["approvals"].append(entry)
                continue
            tag = parse_tag(got[0], got[2])
            first, _, rest = tag.message.partition("\n")
            entry["verdict"] = first.strip()
            entry["opinion"] = rest.strip()
            judged_tag = verifier.finding(
                "tag", unit_id, tag.oid, times.get(tag.oid), say("verify.report.document_report.10", ref=ref), tag.payload, tag.signature, ref=ref
            )
            entry["trusted_time"] = None if judged_tag.trusted_time == UNKNOWN else judged_tag.trusted_time
            entry["pending"] = _pending_only(judged_tag)
            ok = judged_tag.valid
            if entry["pending"]:
                problems.append(say("verify.report.document_report.11", ref=ref, reason=judged_tag.reason))
            elif not ok:
                problems.append(say("verify.report.document_report.12", ref=ref, reason=judged_tag.reason))
            elif judged_tag.signer != reviewer:
                ok = False
                problems.append(say("verify.report.document_report.13", ref=ref, signer=judged_tag.signer, reviewer=reviewer))
            elif entry["verdict"] != "approve":
                ok = False
                problems.append(say("verify.report.document_report.14", ref=ref, verdict=entry["verdict"]))
            elif mr_head and tag.object != mr_head:
                ok = False
                problems.append(say("verify.report.document_report.15", ref=ref, object=tag.object[:10]))
            entry["valid"] = ok
            valid_approvals += ok
            report["approvals"].append(entry)
        from repo_tools.workflow.report import issued_steps  # 会签, 签发, 复核 (repo_tools/workflow/)

        report["steps"], step_problems = issued_steps(verifier, reader, reg, unit_id, trailers, times, mr_head, city.log_file)
        problems += step_problems
        if not any(s["step"] == "sign-off" for s in report["steps"]):
            problems.append(say("verify.report.document_report.16"))
        unit = reg.unit(unit_id)
        required = unit.required_approvals if unit else 1
        waiting = sum(1 for a in report["approvals"] if a.get("pending"))
        if valid_approvals < required and valid_approvals + waiting < required:
            problems.append(say("verify.report.document_report.17", valid_approvals=valid_approvals, required=required))
    report["ok"] = report["sealed"] and report["seal_valid"] and not problems
    return report


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
    sealed_tree = (
        rev_parse(city.unit_repo(from_unit), f"{sealing}:{path}", env=clean_env())
        if sealing and path and city.unit_repo(from_unit).is_dir()
        else None
    )
    report["document_matches_seal"] = bool(delivered and delivered == sealed_tree)
    if not report["document_matches_seal"]:
        problems.append(say("verify.report.delivery_report.3", id=delivery.id, sealing=sealing[:10], path=path))
    report["ok"] = not problems
    return report


def delivery_reports(city: City, unit_id: str, verifier: Verifier | None = None) -> dict[str, list[dict[str, Any]]]:
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
            base = dict(kind="registry-commit", id=oid, summary=summary, trusted_time=trusted or UNKNOWN, ref=None)
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
            who = dict(
                signer=holder.id if holder else None,
                signer_name=holder.name if holder else None,
                key=sig.fingerprint,
                role=role_of(before, holder) if holder else None,
            )
            moment = timeutil.parse(trusted) if trusted else None
            if not sig.valid:
                why = say("verify.report.registry_findings.5") if not sig.key_known else say("verify.report.registry_findings.6", status=sig.status)
                out.append(Finding(**base, **who, valid=False, reason=why))
            elif holder is None or holder.kind != "person" or not (before.is_egov_admin(holder.id) or before.is_unit_admin(holder.id)):
                out.append(Finding(**base, **who, valid=False, reason=say("verify.report.registry_findings.7")))
            elif moment is None:
                out.append(Finding(**base, **who, valid=False, reason=say("verify.report.registry_findings.8")))
            else:
                problem = _window_problem(holder.key, moment)
                out.append(Finding(**base, **who, valid=problem is None, reason=problem or say("verify.report.registry_findings.4")))
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


def verify(city: City, unit_id: str | None = None, target: str | None = None) -> dict[str, Any]:
    """The full report for one unit (or all): findings per object and per document; `ok` only
    when every signature counts and every document holds."""
    verifier = Verifier(city)
    reg = verifier.reg
    units = []
    for unit in _units_for(city, reg, unit_id):
        repo = city.unit_repo(unit)
        times = eventlog.trusted_times(city.log_file, unit)
        doc_paths: list[str] | None = None
        rev_target = target
        if target is not None:
            path = target.rstrip("/").removesuffix("/index.md")
            if rev_parse(repo, f"refs/heads/main:{path}/index.md", env=clean_env()):
                doc_paths, rev_target = [path], None
            elif rev_parse(repo, target, env=clean_env()) is None and ".." not in target:
                raise Refused("not-found", what=say("verify.report.verify.1"), name=target, remedy=say("verify.report.verify.2"))
        if doc_paths is None:
            findings = unit_findings(verifier, unit, rev_target, times)
            doc_paths = documents_on_main(city, unit) if target is None else []
        else:
            findings = []
        documents = [document_report(city, unit, p, verifier, times) for p in doc_paths]
        deliveries = delivery_reports(city, unit, verifier) if target is None else {"received": [], "sent": []}
        ok = all(f.valid for f in findings) and all(d["ok"] for d in documents) and all(d["ok"] for rows in deliveries.values() for d in rows)
        units.append(
            {
                "unit": unit,
                "name": reg.units[unit].name,
                "ok": ok,
                "objects": [f.to_dict() for f in findings],
                "documents": documents,
                "deliveries": deliveries,
            }
        )
    registry: dict[str, Any] | None = None
    if unit_id is None and target is None:
        found = registry_findings(verifier)
        registry = {"ok": all(f.valid for f in found), "objects": [f.to_dict() for f in found]}
    ok = all(u["ok"] for u in units) and (registry is None or registry["ok"])
    return {
        "ok": ok,
        "registry": reg.commit,
        "checked_at": timeutil.iso(timeutil.now()),
        "units": units,
        "registry_commits": registry,
        "cache": {"hits": verifier.hits, "misses": verifier.misses},
    }


def render_text(report: dict[str, Any]) -> str:
    """The report for people (Chinese)."""
    from repo_tools.review.requests import VERDICT_NAMES  # review judges with verify: import here, not at the top

    lines: list[str] = []
    for unit in report["units"]:
        lines.append(f"━━ {unit['name']}（{unit['unit']}）：{'全部有效' if unit['ok'] else '存在问题'} ━━")
        for f in unit["objects"]:
            mark = "✓" if f["valid"] else "✗"
            who = f"{f['signer_name'] or '（未知）'}" + (f"〔{f['role']}〕" if f["role"] else "")
            time = say("verify.report.render_text.1") if f["trusted_time"] == UNKNOWN else f["trusted_time"]
            lines.append(f"{mark} {KIND_NAMES.get(f['kind'], f['kind'])} {f['id'][:10]} {f['summary'][:40]}")
            lines.append(say("verify.report.render_text.2", who=who, value=f["key"] or "—", time=time))
            if not f["valid"]:
                lines.append(say("verify.report.render_text.3", reason=f["reason"]))
        for d in unit["documents"]:
            mark = "✓" if d["ok"] else "✗"
            lines.append(say("verify.report.render_text.4", mark=mark, path=d["path"], value=d["number"] or say("verify.report.render_text.26")))
            if d["seal"]:
                state = (
                    say("verify.report.render_text.5")
                    if d["seal_valid"]
                    else (say("verify.report.render_text.6") if d.get("pending") else say("verify.report.render_text.7"))
                )
                lines.append(
                    say(
                        "verify.report.render_text.8",
                        id=d["seal"]["id"],
                        value=d["seal"]["custodian"] or say("verify.report.render_text.27"),
                        state=state,
                        value2=d["sealed_at"] or say("verify.report.render_text.1"),
                    )
                )
            if d.get("witness"):
                w = d["witness"]
                if w["status"] == "witnessed":
                    lines.append(
                        say(
                            "verify.report.render_text.9",
                            entry=w["entry"],
                            checkpoint_size=w["checkpoint_size"],
                            value_join="、".join(w["cosigners"]),
                        )
                    )
                else:
                    lines.append(say("verify.report.render_text.10", entry=w["entry"], quorum=w["quorum"]))
            for a in d["approvals"]:
                verdict = VERDICT_NAMES.get(a["verdict"] or "", a["verdict"] or "")
                lines.append(
                    say(
                        "verify.report.render_text.11",
                        name=a["name"],
                        reviewer=a["reviewer"],
                        verdict=verdict,
                        value=a["opinion"] or say("verify.report.render_text.28"),
                        value2=say("verify.report.render_text.5") if a["valid"] else say("verify.report.render_text.7"),
                    )
                )
            for p in d["problems"]:
                lines.append(say("verify.report.render_text.12", p=p))
        for direction, title in (("sent", say("verify.report.render_text.13")), ("received", say("verify.report.render_text.14"))):
            for d in unit.get("deliveries", {}).get(direction, []):
                mark = "✓" if d["ok"] else "✗"
                peer = d["to"] if direction == "sent" else d["from"]
                lines.append(
                    say(
                        "verify.report.render_text.15",
                        mark=mark,
                        title=title,
                        id=d["id"],
                        number=d["number"],
                        value=say("verify.report.render_text.29") if direction == "sent" else say("verify.report.render_text.30"),
                        peer=peer,
                        value2=say("verify.report.render_text.31") if d["document_matches_seal"] else say("verify.report.render_text.32"),
                    )
                )
                for step in [d["sent"], *d["handling"]]:
                    verb = {
                        "sent": say("verify.report.render_text.16"),
                        "received": say("verify.report.render_text.17"),
                        "registered": say("verify.report.render_text.18"),
                        "returned": say("verify.report.render_text.19"),
                        "resend-requested": say("verify.report.render_text.20"),
                    }.get(step["action"], step["action"])
                    lines.append(
                        say(
                            "verify.report.render_text.21",
                            verb=verb,
                            value=step["signer_name"] or say("verify.report.render_text.33"),
                            value2=step["signer"] or "—",
                            value3=step["trusted_time"] or say("verify.report.render_text.1"),
                            value4=say("verify.report.render_text.34") if step["valid"] else say("verify.report.render_text.35") + step["reason"],
                        )
                    )
                for p in d["problems"]:
                    lines.append(say("verify.report.render_text.12", p=p))
    registry = report.get("registry_commits")
    if registry is not None:
        wrong = [f for f in registry["objects"] if not f["valid"]]
        lines.append(
            say(
                "verify.report.render_text.22",
                len_objects=len(registry["objects"]),
                value=say("verify.report.render_text.36") if not wrong else str(len(wrong)) + say("verify.report.render_text.37"),
            )
        )
        for f in wrong:
            lines.append(say("verify.report.render_text.23", id=f["id"][:10], summary=f["summary"][:40], reason=f["reason"]))
    bad = (
        len([f for f in (registry or {}).get("objects", []) if not f["valid"]])
        + sum(1 for u in report["units"] for f in u["objects"] if not f["valid"])
        + sum(1 for u in report["units"] for d in u["documents"] if not d["ok"])
        + sum(1 for u in report["units"] for rows in u.get("deliveries", {}).values() for d in rows if not d["ok"])
    )
    lines.append(say("verify.report.render_text.24") if report["ok"] else say("verify.report.render_text.25", bad=bad))
    return "\n".join(lines)
