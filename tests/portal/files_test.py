"""Which file a reader gets for a request target (portal/files.py), without a server: the target
read the way nginx reads it, decoded once, then resolved only inside the reader's own roots.
Every trick of a class is tried against the same roots as its plain, allowed counterpart."""
from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from repo_tools.portal import files


@pytest.fixture
def roots(tmp_path: Path) -> dict[str, Path]:
    """A base and two unit overlays and one personal overlay, laid out as the build does."""
    site = tmp_path / "site"
    overlays = tmp_path / "site-overlays"
    for folder, rel, body in ((site, "documents/lagov/2013/public/index.html", "公开"),
                              (site, "assets/site.css", "css"),
                              (site, "404.html", "页面不存在"),
                              (site, "bulletins/lagov/政务动态/2013-05-02-files/纪要#1.txt", "井号"),
                              (overlays / "unit-jyj", "documents/jyj/2013/secret/index.html", "教育局内部"),
                              (overlays / "unit-czj", "registers/index.html", "财政局登记簿"),
                              (overlays / "user-feng", "documents/lagov/2013/feng/index.html", "冯刚本人")):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    (site / ".state").write_text("state")
    return {"site": site, "jyj": overlays / "unit-jyj", "czj": overlays / "unit-czj", "feng": overlays / "user-feng"}


def read(roots: list[Path], target: bytes | str) -> str | None:
    path = files.target_path(target)
    found = files.resolve(roots, path) if path is not None else None
    return found.real.read_text(encoding="utf-8") if found is not None else None


def czj_reader(roots: dict[str, Path]) -> list[Path]:
    return [roots["site"].parent / "site-overlays" / "user-chen", roots["czj"], roots["site"]]


ACCEPTED = [  # (target as sent, what the reader gets)
    (b"/documents/lagov/2013/public/", "公开"),
    (b"/documents/lagov/2013/public/index.html", "公开"),
    (b"/documents/lagov/2013/public/index.html?x=1&y=../../jyj", "公开"),
    (b"/documents/lagov/2013/public/index.html#../../../jyj/2013/secret/", "公开"),
    (b"/%64ocuments/lagov/2013/public/%69ndex.html", "公开"),
    (b"/documents%2Flagov%2F2013%2Fpublic%2Findex.html", "公开"),   # %2F is a slash, judged as one
    (b"http://127.0.0.1:8080/documents/lagov/2013/public/", "公开"),  # absolute-form: its path
    (b"HTTPS://elsewhere/documents/lagov/2013/public/", "公开"),
    ("/bulletins/lagov/政务动态/2013-05-02-files/纪要%231.txt".encode(), "井号"),  # an encoded # is a name
    (b"/bulletins/lagov/%E6%94%BF%E5%8A%A1%E5%8A%A8%E6%80%81/2013-05-02-files/%E7%BA%AA%E8%A6%81%231.txt", "井号"),
    (b"/registers/", "财政局登记簿"),
    (b"/assets/site.css", "css"),
]

REFUSED = [
    b"/documents/jyj/2013/secret/",                               # another unit's overlay, typed directly
    b"/documents/lagov/2013/feng/",                               # another person's overlay
    b"/../site-overlays/unit-jyj/documents/jyj/2013/secret/",
    b"/%2e%2e/site-overlays/unit-jyj/documents/jyj/2013/secret/",
    b"/%2E%2E/site-overlays/unit-jyj/documents/jyj/2013/secret/",
    b"/documents/lagov/2013/public/..%2F..%2F..%2Fjyj/2013/secret/",
    b"/documents/lagov/2013/public/%2e%2e%2f%2e%2e%2f%2e%2e%2fjyj/2013/secret/",
    b"/documents/lagov/2013/public/.%2e/.%2e/.%2e/jyj/2013/secret/",
    b"/%252e%252e/site-overlays/unit-jyj/documents/jyj/2013/secret/",  # double-encoded: a literal name, absent
    b"/documents/lagov/2013/public/..\\..\\..\\jyj/2013/secret/",
    b"/documents/lagov/2013/public/%5c..%5c..%5cjyj/2013/secret/",
    b"//documents/lagov/2013/public/",
    b"/documents//lagov/2013/public/",
    b"/documents/lagov/2013/public//index.html",
    b"/documents/./lagov/2013/public/",
    b"/documents/lagov/2013/public/index.html.",
    b"/documents/lagov/2013/public/index.html%20",
    b"/documents/lagov/2013/public./",
    b"/DOCUMENTS/lagov/2013/public/",
    b"/documents/lagov/2013/PUBLIC/index.html",
    b"/documents/lagov/2013/public/index.html;jsessionid=1",
    b"/documents/lagov/2013/public;x/index.html",
    b"/documents/lagov/2013/public/index.html%00.txt",
    b"/documents/lagov/2013/public/index.html%0a",
    b"/documents/lagov/2013/public/%C0%AE%C0%AE/",               # overlong UTF-8 for ".."
    b"/documents/lagov/2013/public/%ff/",                         # not UTF-8
    b"/.state",
    b"/%2estate",
    b"/site-overlays/unit-jyj/documents/jyj/2013/secret/",
    b"/unit-jyj/documents/jyj/2013/secret/",
    b"/documents/lagov/2013/public",                              # a folder is no file
    b"/documents/",
    b"*",
    b"",
    b"http://host",
    b"/" + b"a/" * 600 + b"index.html",
    "/bulletins/lagov/政务动态/2013-05-02-files/纪要#1.txt".encode(),  # a raw # ends the path, as in nginx
]


@pytest.mark.parametrize("target,body", ACCEPTED)
def test_plain_paths_of_the_readers_roots_are_served(roots, target, body):  # type: ignore[no-untyped-def]
    assert read(czj_reader(roots), target) == body


@pytest.mark.parametrize("target", REFUSED)
def test_every_other_target_is_not_found(roots, target):  # type: ignore[no-untyped-def]
    assert read(czj_reader(roots), target) is None


def test_a_header_string_is_read_as_the_raw_bytes_it_carried(roots):  # type: ignore[no-untyped-def]
    """nginx passes `$request_uri` raw; servers hand header bytes over as latin-1 text."""
    raw = "/bulletins/lagov/政务动态/2013-05-02-files/纪要%231.txt".encode()
    assert read(czj_reader(roots), raw.decode("latin-1")) == "井号"
    assert read(czj_reader(roots), "/documents/lagov/2013/public/%ff/") is None


def test_the_readers_own_overlays_and_only_theirs(roots):  # type: ignore[no-untyped-def]
    jyj = [roots["site"].parent / "site-overlays" / "user-wu", roots["jyj"], roots["site"]]
    assert read(jyj, b"/documents/jyj/2013/secret/") == "教育局内部"
    assert read(jyj, b"/registers/") is None
    feng = [roots["feng"], roots["czj"], roots["site"]]
    assert read(feng, b"/documents/lagov/2013/feng/") == "冯刚本人"
    assert read(feng, b"/registers/") == "财政局登记簿"
    assert read(feng, b"/documents/jyj/2013/secret/") is None


def test_symbolic_links_inside_a_root_do_not_lead_out(roots):  # type: ignore[no-untyped-def]
    site = roots["site"]
    (site / "leak.html").symlink_to(roots["jyj"] / "documents/jyj/2013/secret/index.html")
    (site / "passwd.txt").symlink_to("/etc/passwd")
    (site / "other").symlink_to(roots["jyj"], target_is_directory=True)
    (site / "inside.html").symlink_to(site / "documents/lagov/2013/public/index.html")
    reader = czj_reader(roots)
    for target in (b"/leak.html", b"/passwd.txt", b"/other/documents/jyj/2013/secret/"):
        assert read(reader, target) is None, target
    assert read(reader, b"/inside.html") == "公开"  # a link that stays inside its root is a file of it


def test_unicode_variants_are_other_names(roots):  # type: ignore[no-untyped-def]
    """No normalisation happens anywhere: a decomposed or full-width spelling is another path."""
    reader = czj_reader(roots)
    assert read(reader, "/bulletins/lagov/政务动态/2013-05-02-files/纪要%231.txt".encode()) == "井号"
    fullwidth = "/ｄｏｃｕｍｅｎｔｓ/lagov/2013/public/".encode()
    assert read(reader, fullwidth) is None
    accented = roots["site"] / "café"
    accented.mkdir()
    (accented / "index.html").write_text("NFC")
    assert read(reader, "/café/".encode()) == "NFC"
    assert read(reader, unicodedata.normalize("NFD", "/café/").encode()) is None
    assert read(reader, "/CAFÉ/".encode()) is None


def test_a_directory_url_without_its_slash_is_redirected_only_inside_the_roots(roots):  # type: ignore[no-untyped-def]
    reader = czj_reader(roots)
    assert files.directory_redirect(reader, "/documents/lagov/2013/public") == "/documents/lagov/2013/public/"
    assert files.directory_redirect(reader, "/documents/jyj/2013/secret") is None
    assert os.path.isdir(roots["jyj"] / "documents/jyj/2013/secret")
