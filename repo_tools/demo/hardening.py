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


def _macro_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document><w:body>方案</w:body></w:document>")
        archive.writestr("word/vbaProject.bin", b"\0" * 64)
    return out.getvalue()


def hostile_push(state: DemoState, work: Path | None) -> None:
    if work is None:
        return
    state.git(work, "checkout", "-q", "-B", "draft/hostile", "origin/main")
    folder = work / "documents" / "2013" / "hostile"
    folder.mkdir(parents=True)
    (folder / "方案.pdf").write_bytes(_macro_document())
    (folder / "logo.svg").write_text('<svg:svg xmlns:svg="http://www.w3.org/2000/svg">'
                                     "<svg:script>alert(1)</svg:script></svg:svg>", encoding="utf-8")
    state.git(work, "add", "-A")
    state.git(work, "commit", "-q", "--no-verify", "-m", "夹带的材料")
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=work, capture_output=True,
                          input="机\u200b密★1年\n".encode(), check=True).stdout.decode().strip()
    state.git(work, "update-ref", "refs/tags/hidden", blob)
    proc = state.git(work, "push", "origin", "HEAD:refs/heads/draft/hostile", "refs/tags/hidden", check=False)
    lines = [line.removeprefix("remote: ").strip() for line in proc.stderr.splitlines() if "✗" in line]
    if proc.returncode == 0 or len(lines) < 3:
        raise RuntimeError("夹带宏、脚本和密级标志的推送本应被拒绝")
    state.refused("一次推送夹带：标签指向的密级文字（零宽字符隔开）、伪装成 PDF 的含宏文档、带命名空间前缀的 SVG 脚本",
                  "\n".join(lines))
    state.git(work, "checkout", "-q", "main")
    state.git(work, "branch", "-q", "-D", "draft/hostile")
    state.git(work, "update-ref", "-d", "refs/tags/hidden")
    state.fact("服务器检查推送带来的每个对象（含标签指向的对象）、压缩包内部、图片内容和规范化后的文字；"
               "夹带的宏、脚本和密级标志都被逐项指出并拒绝")
