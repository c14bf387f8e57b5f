"""The site's seams to the official form (issue 3), the seal image and the verification report
(issue 5). One `Verification` per build shares the registry, the server keyring judgements and
the trusted times, so a full build reads the log once, not once per document."""
from __future__ import annotations

import os
from typing import Any

from repo_tools.log import eventlog
from repo_tools.documents.official_form import render_official_html
from repo_tools.seal.image import seal_svg
from repo_tools.verify.report import Verifier, document_report

STEP_TRAILERS = ("Approval", "Sign-Off", "Countersign", "Check")  # signed tags a seal merge names
HAS_OFFICIAL_FORM = True  # part of the page key: kept so old caches from before integration rebuild


class Verification:
    """Verification reports for one build, computed lazily and sharing their inputs."""

    def __init__(self, city: Any, registry: Any = None) -> None:
        self.city = city
        self.registry = registry  # the build's registry (loading it again costs ~700 YAML records)
        self._verifier: Verifier | None = None
        self._pid = os.getpid()
        self._times: dict[str, dict[str, str]] = {}

    def report(self, unit_id: str, doc_dir: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
        if self._verifier is None or self._pid != os.getpid():  # a forked worker makes its own
            self._verifier, self._pid = Verifier(self.city, self.registry), os.getpid()
        if unit_id not in self._times:
            self._times[unit_id] = eventlog.trusted_times(self.city.log_file, unit_id)
        return document_report(self.city, unit_id, doc_dir, self._verifier, self._times[unit_id], meta)

    def _here(self) -> Verifier:
        if self._verifier is None or self._pid != os.getpid():  # a forked worker makes its own
            self._verifier, self._pid = Verifier(self.city, self.registry), os.getpid()
        return self._verifier

    def prefetch(self, documents: list[tuple[str, str]]) -> int:
        """Have gpg check, in one run, every signature the pages of these (unit, folder)
        documents will show and gpg has not judged yet: the seal merge and the approvals, 签发,
        会签 and 复核 it names. Each report then finds gpg's verdict in the cache; it still judges
        every signature itself (registry, trusted time, witnesses). Returns how many it asked about."""
        from repo_tools.git.repo import parse_commit, parse_tag
        from repo_tools.verify.report import _trailers
        verifier = self._here()
        pairs: list[tuple[bytes, bytes | None]] = []
        for unit_id, doc_dir in documents:
            repo = self.city.unit_repo(unit_id)
            merge = verifier.sealing_index(repo).get(f"{doc_dir.rstrip('/')}/index.md")
            if merge is None:
                continue
            with verifier.reader(repo) as reader:
                got = reader.read(merge)
                if got is None or got[1] != "commit":
                    continue
                commit = parse_commit(merge, got[2])
                if commit.signature:
                    pairs.append((commit.payload, commit.signature))
                for key, value in _trailers(commit.message):
                    if key not in STEP_TRAILERS:
                        continue
                    oid = value.strip().rpartition(" ")[2]
                    tag = reader.read(oid) if oid else None
                    if tag is not None and tag[1] == "tag":
                        parsed = parse_tag(oid, tag[2])
                        if parsed.signature:
                            pairs.append((parsed.payload, parsed.signature))
        verifier.prefetch(pairs)
        return len(pairs)

    def witness_mark(self, unit_id: str, doc_dir: str) -> str:
        """Part of a document page's key: whether its sealing push is witnessed yet, so a page
        that said 待见证 is rebuilt once the witness quorum has cosigned (and only then)."""
        if self._verifier is None or self._pid != os.getpid():
            self._verifier, self._pid = Verifier(self.city, self.registry), os.getpid()
        repo = self.city.unit_repo(unit_id)
        merge = self._verifier.sealing_index(repo).get(f"{doc_dir.rstrip('/')}/index.md")
        if merge is None:
            return "unsealed"
        witnessing = self._verifier.witnessing(unit_id, merge)
        return "witnessed" if witnessing.witnessed else f"pending-{witnessing.checkpoint_size}"


def official_html(meta: dict[str, Any], body_html: str, unit_name: str, seal: str | None,
                  attachment_links: dict[str, str], attachment_pages: dict[str, str] | None = None,
                  co_issuers: list[tuple[str, str | None]] | None = None) -> str:
    """The document in the GB/T 9704 layout (an HTML fragment), text attachments on their pages;
    `co_issuers` for joint documents."""
    return render_official_html(meta, body_html, unit_name, seal_svg=seal, attachment_links=attachment_links,
                                attachment_pages=attachment_pages, co_issuers=co_issuers)


__all__ = ["Verification", "official_html", "seal_svg"]
