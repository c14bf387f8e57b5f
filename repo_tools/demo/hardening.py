"""Demo step (issue 14): what a hostile client tries is refused at its root. One push brings a
marking hidden behind a zero-width space in a blob only a tag points at, a .docx carrying a VBA
macro under the name of a PDF, and an SVG whose script hides behind a namespace prefix; the
server names each of them, and nothing of the push remains."""
from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

from repo_tools.demo.state import DemoState
from repo_tools.messages import refusal_summary, say


def _macro_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f'<w:document><w:body>{say("demo.hardening._macro_document.1")}</w:body></w:document>')
        archive.writestr("word/vbaProject.bin", b"\0" * 64)
    return out.getvalue()


def hostile_push(state: DemoState, work: Path | None) -> None:
    if work is None:
        return
    state.git(work, "checkout", "-q", "-B", "draft/hostile", "origin/main")
    folder = work / "documents" / "2013" / "hostile"
    folder.mkdir(parents=True)
    (folder / say("demo.hardening.hostile_push.1")).write_bytes(_macro_document())
    (folder / "logo.svg").write_text('<svg:svg xmlns:svg="http://www.w3.org/2000/svg">'
                                     "<svg:script>alert(1)</svg:script></svg:svg>", encoding="utf-8")
    state.git(work, "add", "-A")
    state.git(work, "commit", "-q", "--no-verify", "-m", say("demo.hardening.hostile_push.2"))
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=work, capture_output=True,
                          input=say("demo.hardening.hostile_push.3").encode(), check=True).stdout.decode().strip()
    state.git(work, "update-ref", "refs/tags/hidden", blob)
    proc = state.git(work, "push", "origin", "HEAD:refs/heads/draft/hostile", "refs/tags/hidden", check=False)
    lines = refusal_summary(proc.stderr, remedies=False).splitlines()
    if proc.returncode == 0 or len(lines) < 3:
        raise RuntimeError(say("demo.hardening.hostile_push.4"))
    state.refused(say("demo.hardening.hostile_push.5"),
                  "\n".join(lines))
    state.git(work, "checkout", "-q", "main")
    state.git(work, "branch", "-q", "-D", "draft/hostile")
    state.git(work, "update-ref", "-d", "refs/tags/hidden")
    state.fact(say("demo.hardening.hostile_push.6"))
