"""The site's seams to the official form (issue 3), the seal image and the verification report
(issue 5). One `Verification` per build shares the registry, the server keyring judgements and
the trusted times, so a full build reads the log once, not once per document."""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from repo_tools.log import eventlog
from repo_tools.documents.official_form import render_official_html
from repo_tools.seal.image import seal_svg
from repo_tools.verify.cache import JsonStore, digest
from repo_tools.verify.report import Verifier, document_report

STEP_TRAILERS = ("Approval", "Sign-Off", "Countersign", "Check")  # signed tags a seal merge names
HAS_OFFICIAL_FORM = True  # part of the page key: kept so old caches from before integration rebuild


class Verification:
    """Verification reports for one build, computed lazily and sharing their inputs.

    A document's report is kept in the verification cache (`server/verify-cache/documents/`, one
    store per unit and registry commit, beside the judgements it is made of) once nothing in it
    can change any more: every signature valid, witnessed and at a known trusted time, no 委托
    (a grant is read from a ref). Its key is the report code, the document's folder tree on main
    and its sealing merge, so a warm full build reads no object and judges nothing again; what
    does change with the log (the newest witnessed checkpoint) is filled in from this build's."""

    def __init__(self, city: Any, registry: Any = None) -> None:
        self.city = city
        self.registry = registry  # the build's registry (loading it again costs ~700 YAML records)
        self._verifier: Verifier | None = None
        self._pid = os.getpid()
        self._times: dict[str, dict[str, str]] = {}
        self._memos: dict[str, JsonStore] = {}
        self._code: str | None = None

    def _here(self) -> Verifier:
        if self._verifier is None or self._pid != os.getpid():  # a forked worker makes its own
            inherited = self._verifier
            self._verifier, self._pid = Verifier(self.city, self.registry), os.getpid()
            self._verifier.object_files = False  # flushed by the build (`flush`) in every process
            self._inherited = inherited  # never finalized here: its stores are the parent's
            if inherited is not None:  # what was read before the fork stays good; what it
                self._verifier._sealing = dict(inherited._sealing)  # was to write is the parent's
                for store in self._memos.values():
                    store._new = {}
        return self._verifier

    def report(self, unit_id: str, doc_dir: str, meta: dict[str, Any] | None = None,
               tree: str | None = None) -> dict[str, Any]:
        """The document's verification report; `tree` (its folder's tree id on main) lets a
        final report be kept and reused."""
        verifier = self._here()
        key = self._memo_key(unit_id, doc_dir, tree)
        if key is not None:
            kept = self._memo(unit_id).get(key)
            if isinstance(kept, dict):
                return _current_witness(kept, verifier.quorum())
        if unit_id not in self._times:
            self._times[unit_id] = eventlog.trusted_times(self.city.log_file, unit_id)
        made = document_report(self.city, unit_id, doc_dir, verifier, self._times[unit_id], meta)
        if key is not None and _final(made):
            self._memo(unit_id).put(key, made)
        return made

    def final_mark(self, unit_id: str, doc_dir: str, tree: str) -> str | None:
        """"witnessed" when the document's final report is kept (its mark cannot change), else None."""
        self._here()
        key = self._memo_key(unit_id, doc_dir, tree)
        return "witnessed" if key is not None and self._memo(unit_id).get(key) is not None else None

    def flush(self) -> None:
        """Write the judgements, gpg verdicts and reports this process made to their stores."""
        if self._verifier is not None and self._pid == os.getpid():
            self._verifier.flush()
            for store in self._memos.values():
                store.flush()

    def _memo(self, unit_id: str) -> JsonStore:
        if unit_id not in self._memos:
            commit = self._here().reg.commit or "none"
            path = self.city.root / "server" / "verify-cache" / "documents" / unit_id / f"{commit}.json"
            self._memos[unit_id] = JsonStore(path)
        return self._memos[unit_id]

    def _memo_key(self, unit_id: str, doc_dir: str, tree: str | None) -> str | None:
        if tree is None:
            return None
        merge = self.sealing(unit_id).get(f"{doc_dir.rstrip('/')}/index.md")
        if merge is None:
            return None
        if self._code is None:
            from repo_tools.verify.cache import _code_digest
            self._code = _code_digest()
        return digest(REPORT_VERSION, self._code, doc_dir, tree, merge)

    def sealing(self, unit_id: str) -> dict[str, str]:
        """The unit's sealing merges by document (`verify.report.sealing_index`), kept in the
        verification cache by the unit's `main`: a build walks the history of the units whose
        main moved only."""
        verifier = self._here()
        repo = self.city.unit_repo(unit_id)
        if repo in verifier._sealing:
            return verifier._sealing[repo]
        from repo_tools.site.collect import main_head
        head = main_head(repo) if repo.is_dir() else None
        path = self.city.root / "server" / "verify-cache" / "sealing" / f"{unit_id}.json"
        store = JsonStore(path)
        kept = store.get("index") if head is not None and store.get("head") == head else None
        if isinstance(kept, dict):
            verifier._sealing[repo] = kept
            return kept
        index = verifier.sealing_index(repo)
        if head is not None:
            store.put("head", head)
            store.put("index", index)
            store.flush()
        return index

    def prefetch(self, documents: list[tuple[str, str, str | None]]) -> int:
        """Have gpg check, in one run, every signature the pages of these (unit, folder, tree)
        documents will show and gpg has not judged yet: the seal merge and the approvals, 签发,
        会签 and 复核 it names. The objects the reports read are read here in two pipelined
        exchanges per unit (merges, then the tags they name) and kept for them. Each report then
        finds gpg's verdict in the cache; it still judges every signature itself (registry,
        trusted time, witnesses). Documents whose final report is kept are skipped. Returns how
        many signatures it asked about."""
        from repo_tools.git.repo import parse_commit, parse_tag
        from repo_tools.verify.report import _trailers
        verifier = self._here()
        pairs: list[tuple[bytes, bytes | None]] = []
        arrived: list[str] = []  # every object judged: its arrival in the log, looked up at once
        by_unit: dict[str, list[tuple[str, str]]] = {}
        for unit_id, doc_dir, tree in documents:
            if tree is not None and self.final_mark(unit_id, doc_dir, tree) is not None:
                continue
            folder = doc_dir.rstrip("/")
            merge = self.sealing(unit_id).get(f"{folder}/index.md")
            if merge is not None:
                by_unit.setdefault(unit_id, []).append((folder, merge))
        for unit_id, wanted in by_unit.items():
            repo = self.city.unit_repo(unit_id)
            with verifier.reader(repo) as reader:
                reader.preload([m for _, m in wanted] + [f"{m}:{f}" for f, m in wanted]
                               + [f"refs/heads/main:{f}" for f, _ in wanted])
                tags: list[str] = []
                commits = []
                for _, merge in wanted:
                    got = reader.read(merge)
                    if got is None or got[1] != "commit":
                        continue
                    commit = parse_commit(merge, got[2])
                    commits.append(commit)
                    if commit.signature:
                        pairs.append((commit.payload, commit.signature))
                    for key, value in _trailers(commit.message):
                        if key in STEP_TRAILERS:
                            oid = value.strip().rpartition(" ")[2]
                            if oid:
                                tags.append(oid)
                reader.preload(tags)
                for oid in tags:
                    tag = reader.read(oid)
                    if tag is not None and tag[1] == "tag":
                        parsed = parse_tag(oid, tag[2])
                        if parsed.signature:
                            pairs.append((parsed.payload, parsed.signature))
                # The reports read the merges and tags again: keep them for those reads.
                reader.preload([c.oid for c in commits] + tags)
                arrived += [c.oid for c in commits] + tags
        verifier.registry_then(None, None)  # the registry's history, built once
        arrivals: Any = getattr(verifier._history, "object_seq", None)
        if hasattr(arrivals, "prefill"):
            arrivals.prefill(arrived)
        verifier.prefetch(pairs)
        return len(pairs)

    def witness_mark(self, unit_id: str, doc_dir: str) -> str:
        """Part of a document page's key: whether its sealing push is witnessed yet, so a page
        that said 待见证 is rebuilt once the witness quorum has cosigned (and only then)."""
        verifier = self._here()
        merge = self.sealing(unit_id).get(f"{doc_dir.rstrip('/')}/index.md")
        if merge is None:
            return "unsealed"
        witnessing = verifier.witnessing(unit_id, merge)
        return "witnessed" if witnessing.witnessed else f"pending-{witnessing.checkpoint_size}"


REPORT_VERSION = "1"  # bump when what a kept report holds changes
_WITNESS_FIELDS = {"status", "entry", "checkpoint_size", "cosigners", "quorum"}


def _witness_dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if _WITNESS_FIELDS <= value.keys():
            yield value
        else:
            for v in value.values():
                yield from _witness_dicts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _witness_dicts(v)


def _final(report: dict[str, Any]) -> bool:
    """Can nothing in this report change while its key holds? Every signature valid, witnessed,
    at a known trusted time; no step under a 委托 (read from a ref, which may move)."""
    if not report.get("ok") or report.get("pending") or not report.get("sealed_at"):
        return False
    witnesses = list(_witness_dicts(report))
    if not witnesses or any(w.get("status") != "witnessed" for w in witnesses):
        return False
    if any(a.get("pending") or not a.get("trusted_time") for a in report.get("approvals") or []):
        return False
    return not any(s.get("delegation") or not s.get("trusted_time") for s in report.get("steps") or [])


def _current_witness(report: dict[str, Any], view: Any) -> dict[str, Any]:
    """A kept report with its witnessing as of this build: the newest cosigned checkpoint holds
    every entry the kept one held (the log only grows; the stored tree is checked against it)."""
    fresh = json.loads(json.dumps(report))
    best = view.best
    if best is None:
        return fresh
    for witness in _witness_dicts(fresh):
        witness["checkpoint_size"] = best.checkpoint.size
        witness["cosigners"] = list(best.cosigners)
        witness["quorum"] = view.policy.quorum
    return fresh


def official_html(meta: dict[str, Any], body_html: str, unit_name: str, seal: str | None,
                  attachment_links: dict[str, str], attachment_pages: dict[str, str] | None = None,
                  co_issuers: list[tuple[str, str | None]] | None = None) -> str:
    """The document in the GB/T 9704 layout (an HTML fragment), text attachments on their pages;
    `co_issuers` for joint documents."""
    return render_official_html(meta, body_html, unit_name, seal_svg=seal, attachment_links=attachment_links,
                                attachment_pages=attachment_pages, co_issuers=co_issuers)


__all__ = ["Verification", "official_html", "seal_svg"]
