"""Hardening of the site (issue 14): nothing from a repository runs under the site's origin, and
whatever the hooks accept (or an older hook accepted) the build completes, writes nothing
outside its output, and reports the one item it had to skip by name."""
from __future__ import annotations

import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from fixtures import Workspace

from repo_tools.git.repo import clean_env, git
from repo_tools.site import build_site
from repo_tools.site.headers import CSP, published_name, response_headers
from repo_tools.site.serve import make_server

FOLDER = "bulletins/政务动态/2026-01-05-hostile"
LONG = "附" * 83 + ".html"      # 254 bytes: accepted by the hook, too long once published as .txt
TITLE = "市政府召开会议</script><script>alert(1)</script>{{ 7*7 }}"
BULLETIN = (f'---\ntitle: "{TITLE}"\ncolumn: 政务动态\ndate: 2026-01-05\n---\n\n'
            "会议研究了有关事项。<script>alert(2)</script>\n")
PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
CLEAN_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4" fill="red"/></svg>'


def png() -> bytes:
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (9, 9, 9)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def hostile(ws: Workspace) -> Workspace:
    """A bulletin the hooks accept, full of names and types a careless build would mishandle."""
    ws.land("lagov", "wang", {
        f"{FOLDER}/index.md": BULLETIN,
        f"{FOLDER}/attachments/report.html": PAGE,
        f"{FOLDER}/attachments/index.html": PAGE,
        f"{FOLDER}/index.html": PAGE,
        f"{FOLDER}/attachments/{LONG}": PAGE,
        f"{FOLDER}/attachments/script.js": b"alert(1)\n",
        f"{FOLDER}/logo.svg": CLEAN_SVG,
        f"{FOLDER}/photo.png": png(),
        f"{FOLDER}/attachments/notes.txt": "会议纪要：同意。\n".encode("gbk"),
    })
    return ws


def inside_only(out: Path) -> list[Path]:
    files = []
    root = out.resolve()
    for path in root.rglob("*"):
        assert not path.is_symlink(), path
        assert root in path.resolve().parents, path
        files.append(path)
    return files


def test_active_attachments_are_published_inert_and_pages_are_the_sites(hostile: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(hostile.city, out)
    inside_only(out)
    folder = out / "bulletins" / "lagov" / "政务动态" / "2026-01-05-hostile"
    page = (folder / "index.html").read_text()
    assert "Content-Security-Policy" in page and "'wasm-unsafe-eval'" in page
    assert "alert(document.cookie)" not in page and "<script>alert(1)" not in page
    assert "&lt;/script&gt;" in page or "&lt;script&gt;" in page  # the title shown, escaped
    assert not (folder / "attachments" / "report.html").exists()
    assert (folder / "attachments" / "report.html.txt").read_bytes() == PAGE
    assert (folder / "attachments" / "index.html.txt").read_bytes() == PAGE
    assert (folder / "attachments" / "script.js.txt").exists()
    assert (folder / "index.html.txt").read_bytes() == PAGE      # beside the page, never over it
    long = [p for p in (folder / "attachments").iterdir() if p.name.startswith("附附")]
    assert len(long) == 1 and len(long[0].name.encode()) <= 255 and long[0].read_bytes() == PAGE
    active = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".js", ".xml")
              and "bulletins/lagov" in str(p) and p.name != "index.html"]
    assert active == [], active


def fetch(base: str, path: str) -> tuple[int, Any, bytes]:
    """(status, headers (case-insensitive), body) of one GET."""
    from urllib.parse import quote
    try:
        with urllib.request.urlopen(base + quote(path)) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, b""


def test_serve_sends_csp_nosniff_downloads_and_charsets(hostile: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(hostile.city, out)
    server = make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    folder = "bulletins/lagov/政务动态/2026-01-05-hostile/"
    try:
        status, headers, body = fetch(base, folder)
        assert status == 200 and headers["Content-Security-Policy"] == CSP
        assert headers["X-Content-Type-Options"] == "nosniff" and "frame-ancestors 'none'" in CSP
        assert "Content-Disposition" not in headers
        status, headers, body = fetch(base, folder + "logo.svg")
        assert status == 200 and headers["Content-Disposition"].startswith("attachment")
        assert "sandbox" in headers["Content-Security-Policy"]
        status, headers, body = fetch(base, folder + "attachments/report.html.txt")
        assert headers["Content-Type"].startswith("text/plain") and headers["X-Content-Type-Options"] == "nosniff"
        status, headers, body = fetch(base, folder + "attachments/notes.txt")
        assert headers["Content-Type"] == "text/plain; charset=gb18030"
        assert body.decode("gb18030") == "会议纪要：同意。\n"
        status, headers, body = fetch(base, folder + "photo.png")
        assert headers["Content-Type"] == "image/png" and "Content-Disposition" not in headers
        status, headers, _ = fetch(base, folder + "attachments/")
        assert status == 404  # no directory listings
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("name,download", [
    ("documents/u/2026/x/attachments/a.html", True), ("documents/u/2026/x/a.xhtml", True),
    ("documents/u/2026/x/a.svg", True), ("bulletins/u/c/d/a.xml", True), ("bulletins/u/c/d/a.js", True),
    ("bulletins/u/c/d/a.unknown", True), ("documents/u/2026/x/a.pdf", False), ("bulletins/u/c/d/a.png", False),
    ("bulletins/u/c/d/a.txt", False), ("documents/u/2026/x/", False), ("assets/search.js", False),
])
def test_response_headers_for_every_server(name: str, download: bool) -> None:
    headers = response_headers("/" + name, b"text")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert ("Content-Disposition" in headers) == download
    if not download and not name.endswith(".pdf"):
        assert "Content-Security-Policy" in headers


def test_published_names_are_inert() -> None:
    assert published_name("attachments/a.HTML") == "attachments/a.HTML.txt"
    assert published_name("index.html") == "index.html.txt"
    assert published_name("attachments/plan.pdf") == "attachments/plan.pdf"
    assert published_name("photo.png") == "photo.png"


# Legacy content: what an older hook let through (written straight into the bare repository).

def _write_main(repo: Path, files: dict[bytes, bytes], raw_trees: dict[str, list[tuple[str, bytes, str]]] | None = None) -> None:
    env = clean_env()

    def obj(data: bytes, kind: str = "blob") -> str:
        return subprocess.run(["git", "hash-object", "-t", kind, "--literally", "-w", "--stdin"], cwd=repo,
                              input=data, capture_output=True, check=True, env=env).stdout.decode().strip()

    def tree(node: dict) -> str:
        raw = b""
        for name in sorted(node):
            value = node[name]
            if isinstance(value, dict):
                raw += b"40000 " + name + b"\0" + bytes.fromhex(tree(value))
            else:
                mode, oid = value
                raw += mode + b" " + name + b"\0" + bytes.fromhex(oid)
        return obj(raw, "tree")

    head = git("rev-parse", "refs/heads/main", cwd=repo, env=env).strip()
    root: dict = {}
    for line in git("ls-tree", "-r", "-z", head, cwd=repo, env=env).split("\0"):
        if line:
            meta, _, path = line.partition("\t")
            mode, _, oid = meta.split()
            node = root
            parts = path.encode().split(b"/")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = (mode.encode(), oid)
    for path, data in files.items():
        mode, _, path = path.rpartition(b"|") if b"|" in path else (b"100644", b"", path)
        node = root
        parts = path.split(b"/")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = (mode, obj(data))
    commit = git("commit-tree", tree(root), "-p", head, "-m", "旧系统导入", cwd=repo, env=env).strip()
    git("update-ref", "refs/heads/main", commit, cwd=repo, env=env)


def legacy_doc(title: str, extra: str) -> bytes:
    return (f"---\ntype: 通知\ntitle: {title}\nrecipients: [各部门]\n{extra}---\n\n正文。\n").encode()


def test_legacy_items_never_break_or_escape_the_build(ws: Workspace, tmp_path: Path,
                                                      capfd: pytest.CaptureFixture[str]) -> None:
    repo = ws.city.unit_repo("lagov")
    alias = "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
    _write_main(repo, {
        b"documents/2026/bad-date/index.md": legacy_doc("日期不存在的通知", "date: 2013-02-30\n"),
        b"documents/2026/quoted-date/index.md": legacy_doc("日期写成文字的通知", 'date: "2013-02-30"\n'),
        b"documents/2026/year-one/index.md": legacy_doc("公元一年的通知", "date: 0001-01-01\n"),
        b"documents/2026/laughs/index.md": legacy_doc("别名展开的通知", alias),
        b"documents/2026/huge/index.md": legacy_doc("巨大数字的通知", "date: 2026-01-05\nnotes: " + "9" * 6000 + "\n"),
        b"documents/2026/dict-title/index.md": b"---\ntype: [1, 2]\ntitle: {a: b}\ndate: 2026-01-05\n---\n\n x\n",
        b"documents/2026/escape/index.md": legacy_doc("路径逃逸的通知", "date: 2026-01-05\n"),
        b"documents/2026/escape/../../../../../evil.txt": b"outside\n",
        b"documents/2026/escape/attachments/..\\..\\evil2.txt": b"outside\n",
        b"120000|documents/2026/escape/attachments/link": b"/etc/passwd",
        b"documents/2026/" + "长".encode() * 90 + b"/index.md": legacy_doc("文件夹名过长的通知", "date: 2026-01-05\n"),
        b"documents/2026/ok/index.md": legacy_doc("一切正常的通知", "date: 2026-01-05\n"),
    })
    out = tmp_path / "nested" / "site"
    build_site(ws.city, out)
    err = capfd.readouterr().err
    files = inside_only(out)
    assert not (tmp_path / "evil.txt").exists() and not list(tmp_path.rglob("evil*.txt"))
    assert "警告" in err and "长长长" in err  # the skipped item is named
    pages = {str(p.relative_to(out.resolve())) for p in files}
    assert "documents/lagov/2026/ok/index.html" in pages
    for slug in ("bad-date", "quoted-date", "year-one", "laughs", "huge", "dict-title", "escape"):
        assert f"documents/lagov/2026/{slug}/index.html" in pages, slug
    link = out / "documents/lagov/2026/escape/attachments/link"
    assert not link.is_symlink()
