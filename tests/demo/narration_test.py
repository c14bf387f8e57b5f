"""The demo's narration and the refusals it prints read right: chapters numbered in the order
they run, no doubled words, revocation reasons in words."""
from __future__ import annotations

from pathlib import Path

from fixtures import Workspace
from rich.console import Console

from repo_tools.city import City
from repo_tools.demo.state import DemoState, chinese_numeral
from repo_tools.identity import certificates

DRAFT = "---\ntitle: 一条信息\ncolumn: 政务动态\ndate: 2026-11-20\n---\n\n正文。\n"


def test_chapters_are_numbered_in_the_order_they_run(tmp_path: Path) -> None:
    console = Console(record=True, width=200)
    state = DemoState(root=tmp_path, city=City(tmp_path / "city"), console=console)
    for title in ("一、建立城市", "二、信息", "二、公文", "三、审核与盖章", "密钥与印章", "公文传输", "归档",
                  "七、内部网站", "见证日志", "门户", "十一项"):
        state.chapter(title)
    text = console.export_text()
    heads = [line.strip(" ─") for line in text.splitlines() if line.strip()]
    assert heads == ["一、建立城市", "二、信息", "三、公文", "四、审核与盖章", "五、密钥与印章", "六、公文传输",
                     "七、归档", "八、内部网站", "九、见证日志", "十、门户", "十一、十一项"]
    assert [chinese_numeral(n) for n in (1, 10, 12, 20, 23)] == ["一", "十", "十二", "二十", "二十三"]


def test_refusal_of_a_revoked_key_reads_right(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    certificates.revoke(ws.city, "admin", "zhang", "left", approved_by="zhou")
    ws.commit(work, {"bulletins/政务动态/2026-11-20-a/index.md": DRAFT})
    before = ws.snapshot()
    proc = ws.push(work)
    assert proc.returncode != 0
    assert "[commit-key-invalid｜" in proc.stderr
    assert "提交 提交" not in proc.stderr and "（left）" not in proc.stderr
    assert "作废（离职）" in proc.stderr
    assert ws.snapshot() == before
