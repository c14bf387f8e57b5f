"""search.index_bundles: many small bundles (the overlays') made by one Pagefind process, each
holding only its own pages; a bundle without pages is removed; a missing page refuses the batch
and leaves every old bundle as it was."""
from __future__ import annotations

from pathlib import Path

import pytest
from site_support import bundle_text

from repo_tools.site import search


def page(site: Path, url: str, text: str) -> None:
    target = site / url / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f'<!doctype html><html lang="zh-CN"><head><title>{text}</title></head>'
                      f'<body><main data-pagefind-body><h1>{text}</h1><p>{text}的正文。</p></main></body></html>',
                      encoding="utf-8")


def test_one_process_makes_each_bundle_from_its_own_pages_only(tmp_path):  # type: ignore[no-untyped-def]
    one, two, three = tmp_path / "one", tmp_path / "two", tmp_path / "three"
    page(one, "documents/a/2013/x/", "甲单位值班安排子丑")
    page(one, "documents/a/2013/stray/", "不在清单里的页面寅卯")   # in the folder, not in the list
    page(two, "documents/b/2013/y/", "乙单位人事事项辰巳")
    page(two, "bulletins/b/动态/2013-01-01-z/", "乙单位内部信息午未")
    (three / "restricted/user/_pagefind").mkdir(parents=True)   # an old bundle with no pages left
    search.index_bundles([
        search.BundleJob(one, ["documents/a/2013/x/"], "restricted/unit/_pagefind"),
        search.BundleJob(two, ["documents/b/2013/y/", "bulletins/b/动态/2013-01-01-z/"], "restricted/unit/_pagefind"),
        search.BundleJob(three, [], "restricted/user/_pagefind"),
    ])
    first, second = bundle_text(one, "restricted/unit/_pagefind"), bundle_text(two, "restricted/unit/_pagefind")
    assert "子丑" in first and "辰巳" not in first and "午未" not in first and "寅卯" not in first
    assert "辰巳" in second and "午未" in second and "子丑" not in second
    assert not (three / "restricted/user/_pagefind").exists()
    for site in (one, two):  # the bundle the browser merges, without the UI variants or outside addresses
        bundle = site / "restricted/unit/_pagefind"
        assert (bundle / "pagefind-entry.json").exists() and not (bundle / "pagefind-modular-ui.js").exists()
        assert "https://example.com" not in (bundle / "pagefind.js").read_text(encoding="utf-8")
        assert not list(site.glob(".*"))  # no work folder left beside the pages


def test_a_missing_page_refuses_the_batch_and_keeps_the_old_bundles(tmp_path):  # type: ignore[no-untyped-def]
    one, two = tmp_path / "one", tmp_path / "two"
    page(one, "documents/a/2013/x/", "甲单位旧页面子丑")
    page(two, "documents/b/2013/y/", "乙单位旧页面辰巳")
    search.index_bundles([search.BundleJob(one, ["documents/a/2013/x/"], "restricted/unit/_pagefind"),
                          search.BundleJob(two, ["documents/b/2013/y/"], "restricted/unit/_pagefind")])
    before = {site: (site / "restricted/unit/_pagefind/pagefind-entry.json").stat().st_ino for site in (one, two)}
    page(one, "documents/a/2013/x/", "甲单位新页面申酉")
    with pytest.raises(search.SearchIndexError):
        search.index_bundles([search.BundleJob(one, ["documents/a/2013/x/"], "restricted/unit/_pagefind"),
                              search.BundleJob(two, ["documents/b/2013/gone/"], "restricted/unit/_pagefind")])
    for site in (one, two):
        assert (site / "restricted/unit/_pagefind/pagefind-entry.json").stat().st_ino == before[site]
    assert "子丑" in bundle_text(one, "restricted/unit/_pagefind")
