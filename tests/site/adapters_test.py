"""The verification panel's seams (adapters.py): a document's final report is kept in the
verification cache and reused by the next build, and a reused report shows what a fresh one does."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from site_support import BULLETIN, REGULATION, doc

from repo_tools.site import adapters, build_site

PAGE = "documents/lagov/2013/oa-measures/index.html"


def publish(ws):  # type: ignore[no-untyped-def]
    ws.land("lagov", "zhang", {
        "documents/2013/oa-measures/index.md": REGULATION,
        "documents/2013/oa-measures/attachments/measures.txt": "第一条 为规范协同办公系统的使用管理。\n",
        "bulletins/政务动态/2013-03-26-oa-trial-run/index.md": BULLETIN,
    })
    ws.witness()


@pytest.fixture
def published(ws):  # type: ignore[no-untyped-def]
    ws.prepare("site-adapters", publish)
    return ws


def page(site: Path, rel: str = PAGE) -> bytes:
    return (Path(os.path.realpath(site)) / rel).read_bytes()


def counting(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The documents whose report is made (not taken from the cache), in order. The rendering
    workers' tasks run in this process, so their calls are counted too."""
    from repo_tools.site import rendering
    done: list[object] = []

    def inline(task):  # type: ignore[no-untyped-def]
        done.append(task())
        return -1, len(done) - 1
    monkeypatch.setattr(rendering, "fork_worker", inline)
    monkeypatch.setattr(rendering, "join_worker", lambda pid, i: done[i])
    made: list[str] = []
    original = adapters.document_report

    def count(city, unit_id, doc_dir, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(f"{unit_id}/{doc_dir}")
        return original(city, unit_id, doc_dir, *args, **kwargs)
    monkeypatch.setattr(adapters, "document_report", count)
    return made


def test_a_kept_report_is_reused_and_shows_what_a_fresh_one_does(published, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    city = published.city
    cache = city.root / "server" / "verify-cache"
    shutil.rmtree(cache, ignore_errors=True)
    made = counting(monkeypatch)
    build_site(city, tmp_path / "cold", full=True)
    assert made == ["lagov/documents/2013/oa-measures"]  # judged once, then kept
    assert list((cache / "documents" / "lagov").glob("*.json"))
    assert not list((cache / "signatures").glob("*/*.json"))  # no file per object: one store each
    made.clear()
    build_site(city, tmp_path / "warm", full=True)
    assert made == []  # a full build with the cache: nothing judged again
    assert page(tmp_path / "warm") == page(tmp_path / "cold")
    # A newer witnessed checkpoint: the kept report shows it, as a fresh one would.
    published.land("lagov", "zhang", {"documents/2013/another/index.md": doc("另一事项")})
    published.witness()
    build_site(city, tmp_path / "later", full=True)
    assert made == ["lagov/documents/2013/another"]
    kept = page(tmp_path / "later")
    shutil.rmtree(cache)
    build_site(city, tmp_path / "fresh", full=True)
    assert page(tmp_path / "fresh") == kept and kept != page(tmp_path / "cold")


def test_a_report_still_waiting_for_the_witnesses_is_not_kept(published, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    city = published.city
    site = tmp_path / "site"
    published.land("lagov", "zhang", {"documents/2013/another/index.md": doc("另一事项")})
    made = counting(monkeypatch)
    build_site(city, site, full=True)
    assert "lagov/documents/2013/another" in made
    verification = adapters.Verification(city)
    tree = published.city.unit_repo("lagov")
    from repo_tools.git.repo import clean_env, rev_parse
    another = rev_parse(tree, "refs/heads/main:documents/2013/another", env=clean_env())
    assert another is not None
    assert verification.final_mark("lagov", "documents/2013/another", another) is None  # 待见证
    made.clear()
    build_site(city, site, full=True)
    assert "lagov/documents/2013/another" in made  # judged again until the witnesses cosign
    published.witness()
    build_site(city, site, full=True)
    assert adapters.Verification(city).final_mark("lagov", "documents/2013/another", another) == "witnessed"
