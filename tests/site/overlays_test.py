"""Issue 17 item 1: the registers and the restricted catalogue rows live only in the overlays of
the readers allowed to see them; the base carries only what `all` may see. Every file of the
base and of every other overlay is searched (pages, search fragments, entries, sitemap)."""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from site_support import REGULATION, bundle_text, doc

from repo_tools.archive import access as archive_access
from repo_tools.archive import packages as archive
from repo_tools.site import build_site
from repo_tools.site.overlays import overlay_root
from repo_tools.transmit import deliveries as transmit

UNIT_TITLE = "办公室内部值班安排子丑寅"        # restricted to unit:lagov
PERSON_TITLE = "吴静同志个人事项卯辰巳"       # a lagov document restricted to user:wu (of jyj)
RETURN_REASON = "退回理由格式不符午未申"       # in jyj's 收文 and lagov's 发文 registers
ACCESS_REASON = "调阅事由起草参考酉戌亥"       # in lagov's 调阅登记簿


def readable(root: Path) -> str:
    """Every file under `root` (names and bytes; gzipped search files unpacked) as one text."""
    root = Path(os.path.realpath(root))
    chunks = []
    for path in root.rglob("*"):
        chunks.append(str(path.relative_to(root)))
        if path.is_file():
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            chunks.append(data.decode("utf-8", "replace").replace("\u200b", ""))
    return "\n".join(chunks)


def _with_records(ws):  # type: ignore[no-untyped-def]
    """Three lagov documents (one for the unit, one for wu), archived, one sent to jyj and
    returned, one of the archive's rows consulted: the archive's rows."""
    ws.land("lagov", "zhang", {
        "documents/2013/oa-measures/index.md": REGULATION,
        "documents/2013/oa-measures/attachments/measures.txt": "第一条 为规范协同办公系统的使用管理。\n",
        "documents/2013/duty/index.md": doc(UNIT_TITLE, extra="audience: [unit:lagov]\n"),
        "documents/2013/to-wu/index.md": doc(PERSON_TITLE, extra="audience: [user:wu]\n"),
    })
    package = archive.archive(ws.city, "lagov", 2013, "sun")
    assert package is not None and len(package.rows) == 3
    delivery = transmit.send(ws.city, "zhao", "documents/2013/oa-measures", to=["jyj"]).deliveries[0]
    transmit.open_delivery(ws.city, "zheng", delivery.id)
    transmit.answer(ws.city, "zheng", delivery.id, "returned", RETURN_REASON)
    unit_row = next(r for r in package.rows if UNIT_TITLE in str(r.get("题名")))
    archive_access.access(ws.city, "zhang", str(unit_row["档号"]), ACCESS_REASON)
    return package.rows


@pytest.fixture
def records(ws):  # type: ignore[no-untyped-def]
    """The city with those records, made once per test run and copied for each test."""
    ws.rows = ws.prepare("overlay-records", _with_records)
    return ws


def test_registers_and_restricted_rows_only_in_their_readers_overlays(records, tmp_path):  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    report = build_site(records.city, site)
    assert sorted(report.overlays) == ["unit-jyj", "unit-lagov", "user-wu"], sorted(report.overlays)
    base = readable(site)
    assert "关于印发六安市协同办公系统使用管理办法（试行）的通知" in base
    for secret in (UNIT_TITLE, PERSON_TITLE, RETURN_REASON, ACCESS_REASON):
        assert secret not in base, secret
    assert not (Path(os.path.realpath(site)) / "registers").exists()
    public = next(r for r in records.rows if r.get("audience", "all") == "all")
    restricted = [r for r in records.rows if r.get("audience", "all") != "all"]
    assert public["档号"] in base and not any(r["档号"] in base for r in restricted)

    root = overlay_root(site)
    lagov, jyj, wu = (Path(os.path.realpath(root / n)) for n in ("unit-lagov", "unit-jyj", "user-wu"))
    lagov_text, jyj_text, wu_text = readable(lagov), readable(jyj), readable(wu)
    # lagov's readers: its restricted document (page, catalogue copy, search), its 发文 and 调阅 registers.
    registers = (lagov / "registers/index.html").read_text(encoding="utf-8")
    assert RETURN_REASON in registers.split("发文登记簿</h2>", 1)[1]
    assert ACCESS_REASON in registers.split("档案调阅登记簿</h2>", 1)[1]
    catalogue = (lagov / "archive/lagov/2013/index.html").read_text(encoding="utf-8")
    assert UNIT_TITLE in catalogue and public["档号"] in catalogue and PERSON_TITLE not in catalogue
    assert UNIT_TITLE in bundle_text(lagov, "restricted/unit/_pagefind")
    entries = json.loads((lagov / "restricted/unit/entries.json").read_text(encoding="utf-8"))
    assert entries["registers"]["url"] == "/registers/"
    assert PERSON_TITLE not in lagov_text
    # jyj's readers: its 收文 register with the return, nothing of lagov's own.
    received = (jyj / "registers/index.html").read_text(encoding="utf-8").split("收文登记簿</h2>", 1)[1]
    assert RETURN_REASON in received.split("发文登记簿</h2>", 1)[0]
    for secret in (UNIT_TITLE, PERSON_TITLE, ACCESS_REASON):
        assert secret not in jyj_text, secret
    assert not (jyj / "archive").exists() and not (jyj / "restricted/unit/_pagefind").exists()
    # wu's own overlay: the document addressed to wu, in its page, its search bundle and its copy
    # of lagov's catalogue (which also holds the rows for everyone, not lagov's own).
    assert PERSON_TITLE in (wu / "archive/lagov/2013/index.html").read_text(encoding="utf-8")
    assert PERSON_TITLE in bundle_text(wu, "restricted/user/_pagefind")
    for secret in (UNIT_TITLE, RETURN_REASON, ACCESS_REASON):
        assert secret not in wu_text, secret
    assert not (root / "unit-czj").exists()  # nothing of czj's own: no overlay at all


def test_overlays_follow_the_records_when_they_change(records, tmp_path):  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    build_site(records.city, site)
    again = build_site(records.city, site)
    assert again.overlays == {"unit-jyj": None, "unit-lagov": None, "user-wu": None}
    # A new consultation: lagov's overlay (its 调阅登记簿) is rebuilt, the others are not touched;
    # the base renders at most its yearly chart (Art. 38 counts consultations), no register.
    public = next(r for r in records.rows if r.get("audience", "all") == "all")
    archive_access.access(records.city, "zhang", str(public["档号"]), "第二次调阅核对条款")
    third = build_site(records.city, site)
    assert third.overlays["unit-lagov"] is not None and third.overlays["unit-lagov"].rendered == ["registers/index.md"]
    assert third.overlays["unit-jyj"] is None and third.overlays["user-wu"] is None
    assert not any(page.startswith(("registers/", "archive/lagov/")) for page in third.rendered), third.rendered
    assert "第二次调阅核对条款" in readable(overlay_root(site) / "unit-lagov")
    assert "第二次调阅核对条款" not in readable(site)


def files_state(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under `root` (links not followed) -> (inode, modification time)."""
    return {str(p.relative_to(root)): (p.lstat().st_ino, p.lstat().st_mtime_ns) for p in root.rglob("*")}


def test_overlays_are_built_together_and_a_rebuild_that_changed_nothing_touches_nothing(ws, tmp_path):  # type: ignore[no-untyped-def]
    """One document for two units is in both their overlays (page and search bundle), in no other
    and not in the base; the overlays are rendered in one pass and indexed by one Pagefind
    process, yet each holds only its own pages; a rebuild with nothing new writes no file."""
    shared, own = "两单位联合值班安排甲乙丙", "教育局内部事项丁戊己"
    ws.land("lagov", "zhang", {
        "documents/2013/joint/index.md": doc(shared, extra="audience: [unit:lagov, unit:jyj]\n"),
        "documents/2013/jyj-own/index.md": doc(own, extra="audience: [unit:jyj]\n"),
    })
    site = tmp_path / "site"
    report = build_site(ws.city, site)
    assert {"unit-lagov", "unit-jyj"} <= set(report.overlays) and "unit-czj" not in report.overlays
    root = overlay_root(site)
    lagov, jyj = (Path(os.path.realpath(root / n)) for n in ("unit-lagov", "unit-jyj"))
    for overlay in (lagov, jyj):
        assert shared in bundle_text(overlay, "restricted/unit/_pagefind")
        assert (overlay / "documents/lagov/2013/joint/index.html").exists()
        assert not (overlay / "assets").exists() and not (overlay / "404.html").exists()  # the base's
    assert own in bundle_text(jyj, "restricted/unit/_pagefind") and own not in readable(lagov)
    base = readable(site)
    assert shared not in base and own not in base
    for name in report.overlays:
        if name not in ("unit-lagov", "unit-jyj"):
            text = readable(root / name)
            assert shared not in text and own not in text, name
    before = files_state(root)
    again = build_site(ws.city, site)
    assert again.overlays == dict.fromkeys(report.overlays)
    assert files_state(root) == before  # not one file written, not even the overlay index
    # Without the overlay index (lost, or from an older build) every overlay is looked at again
    # and brought up to date from its own state; nothing restricted moves.
    (root / ".overlays.index").unlink()
    third = build_site(ws.city, site)
    assert set(third.overlays) == set(report.overlays)
    assert shared in bundle_text(Path(os.path.realpath(root / "unit-jyj")), "restricted/unit/_pagefind")
    assert build_site(ws.city, site).overlays == dict.fromkeys(report.overlays)
