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

HAS_OFFICIAL_FORM = True  # part of the page key: kept so old caches from before integration rebuild


class Verification:
    """Verification reports for one build, computed lazily and sharing their inputs."""

    def __init__(self, city: Any) -> None:
        self.city = city
        self._verifier: Verifier | None = None
        self._pid = os.getpid()
        self._times: dict[str, dict[str, str]] = {}

    def report(self, unit_id: str, doc_dir: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
        if self._verifier is None or self._pid != os.getpid():  # a forked worker makes its own
            self._verifier, self._pid = Verifier(self.city), os.getpid()
        if unit_id not in self._times:
            self._times[unit_id] = eventlog.trusted_times(self.city.log_file, unit_id)
        return document_report(self.city, unit_id, doc_dir, self._verifier, self._times[unit_id], meta)

    def witness_mark(self, unit_id: str, doc_dir: str) -> str:
        """Part of a document page's key: whether its sealing push is witnessed yet, so a page
        that said 待见证 is rebuilt once the witness quorum has cosigned (and only then)."""
        if self._verifier is None or self._pid != os.getpid():
            self._verifier, self._pid = Verifier(self.city), os.getpid()
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
