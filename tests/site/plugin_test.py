"""The site as MkDocs means it: `mkdocs build -f mkdocs.yml` and `mkdocs serve -f mkdocs.yml` on a
city (given by OA_CITY, the audience by OA_AUDIENCE) run the same plugin as `oa site build`."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from site_support import BULLETIN, REGULATION

from repo_tools.site import build_site
from repo_tools.site.overlays import overlay_root
from repo_tools.site.rendering import MKDOCS_YML

TITLE = "关于印发六安市协同办公系统使用管理办法（试行）的通知"
RESTRICTED = ("---\ntype: 通知\ntitle: 关于教育局内部安排子丑寅的通知\nrecipients: [局机关各科室]\n"
              "date: 2013-04-01\naudience: [unit:jyj]\n---\n\n仅限教育局。\n")
DOC_PAGE = "documents/lagov/2013/oa-measures/index.html"


def _land(ws):  # type: ignore[no-untyped-def]
    ws.land("lagov", "zhang", {
        "documents/2013/oa-measures/index.md": REGULATION,
        "documents/2013/oa-measures/attachments/measures.txt": "第一条 为规范协同办公系统的使用管理。\n",
        "bulletins/政务动态/2013-03-26-oa-trial-run/index.md": BULLETIN,
    })
    ws.land("jyj", "wu", {"documents/2013/internal-plan/index.md": RESTRICTED})


@pytest.fixture
def landed(ws):  # type: ignore[no-untyped-def]
    """The sample city with lagov's regulation and bulletin and jyj's restricted notice, landed
    once per test run and copied for each test."""
    ws.prepare("plugin-landed", _land)
    return ws


def mkdocs(*args: str, city: Path | None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("OA_CITY", "OA_AUDIENCE")}
    if city is not None:
        environ["OA_CITY"] = str(city)
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "mkdocs", *args, "-f", str(MKDOCS_YML)], env=environ,
                          capture_output=True, text=True, timeout=600, cwd="/tmp")


def files_of(site: Path) -> set[str]:
    root = Path(os.path.realpath(site))
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_mkdocs_build_makes_the_site_oa_site_build_makes(landed, tmp_path):  # type: ignore[no-untyped-def]
    build_site(landed.city, tmp_path / "oa")
    done = mkdocs("build", "-d", str(tmp_path / "mk"), city=landed.city.root)
    assert done.returncode == 0, done.stderr
    assert "网站已发布" in done.stderr
    oa, mk = files_of(tmp_path / "oa"), files_of(tmp_path / "mk")
    pages = {p for p in oa if p.endswith(".html")}
    assert DOC_PAGE in pages and "index.html" in pages and "search/index.html" in pages
    assert {p for p in mk if p.endswith(".html")} == pages
    assert mk == oa  # search bundles, assets and attachments too
    for page in (DOC_PAGE, "index.html", "units/lagov/index.html"):
        assert (tmp_path / "mk" / page).read_bytes() == (tmp_path / "oa" / page).read_bytes(), page
    assert TITLE in (tmp_path / "mk" / DOC_PAGE).read_text(encoding="utf-8")
    # The overlays too, beside the site, exactly as `oa site build` makes them.
    assert files_of(overlay_root(tmp_path / "mk") / "unit-jyj") == files_of(overlay_root(tmp_path / "oa") / "unit-jyj")
    assert "子丑寅" not in "".join((Path(os.path.realpath(tmp_path / "mk")) / p).read_text("utf-8", "replace")
                                 for p in mk if p.endswith(".html"))
    # `--dirty` is MkDocs' incremental build: nothing changed, nothing rendered; the site stays whole.
    again = mkdocs("build", "--dirty", "-d", str(tmp_path / "mk"), city=landed.city.root)
    assert again.returncode == 0, again.stderr
    assert "本次生成 0 个页面" in again.stderr and files_of(tmp_path / "mk") == oa


def test_mkdocs_build_for_one_audience_and_the_citys_own_site(landed, tmp_path):  # type: ignore[no-untyped-def]
    done = mkdocs("build", city=landed.city.root, OA_AUDIENCE="unit:jyj")
    assert done.returncode == 0, done.stderr
    site = landed.city.site_dir  # without -d: where `oa site build` publishes
    assert (site / "documents/jyj/2013/internal-plan/index.html").exists()
    assert (site / "registers/index.html").exists()
    assert not overlay_root(site).exists()  # a unit's build has no overlays


def test_mkdocs_build_without_a_city_or_with_a_bad_audience_is_refused(landed, tmp_path):  # type: ignore[no-untyped-def]
    done = mkdocs("build", "-d", str(tmp_path / "none"), city=None)
    assert done.returncode == 1 and "没有指定要生成网站的城市目录" in done.stderr and "OA_CITY" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "none").exists()
    done = mkdocs("build", "-d", str(tmp_path / "bad"), city=landed.city.root, OA_AUDIENCE="unit:no-such")
    assert done.returncode == 1 and "no-such" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "bad").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_mkdocs_serve_answers_with_the_citys_pages(landed, tmp_path):  # type: ignore[no-untyped-def]
    port = free_port()
    environ = {**os.environ, "OA_CITY": str(landed.city.root)}
    environ.pop("OA_AUDIENCE", None)
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-f", str(MKDOCS_YML), "-a", f"127.0.0.1:{port}"],
                            env=environ, cwd="/tmp", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 300
        page = None
        while page is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/{DOC_PAGE[:-len('index.html')]}", timeout=10) as r:
                    page = r.read().decode("utf-8")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "mkdocs serve did not answer"
                time.sleep(0.5)
        assert TITLE in page and "六政办秘〔2013〕" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            home = r.read().decode("utf-8")
        assert TITLE in home and "子丑寅" not in home  # the latest documents, for all staff
    finally:
        proc.terminate()
        proc.wait(timeout=30)
