"""Hardening (issue 14) through real pushes: every object a push brings is screened, every tree
entry is checked, containers are opened, images are recognized by content, markings are found
after normalization, and a flood of commits is checked in one batch.

Objects are built with git's plumbing (`hash-object --literally` for trees git would refuse to
write), so each trick reaches the server exactly as a hostile client would send it. Each refusing
case has an accepting control of the same shape, and every refusal leaves refs, registry and log
unchanged.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fixtures import Workspace, run

from repo_tools.git.repo import clean_env, git

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PLAIN = "会议纪要正文。\n".encode()


class Raw:
    """Objects written directly into a clone's object store, as a hostile client could."""

    def __init__(self, ws: Workspace, unit: str = "lagov", user: str = "zhang") -> None:
        self.ws = ws
        self.work = ws.clone(unit, user)

    def obj(self, data: bytes, kind: str = "blob") -> str:
        proc = subprocess.run(["git", "hash-object", "-t", kind, "--literally", "-w", "--stdin"],
                              cwd=self.work, input=data, capture_output=True, check=True)
        return proc.stdout.decode().strip()

    def tree(self, *entries: tuple[bytes | str, bytes | str, str]) -> str:
        raw = b""
        for mode, name, oid in entries:
            mode_b = mode.encode() if isinstance(mode, str) else mode
            name_b = name.encode() if isinstance(name, str) else name
            raw += mode_b + b" " + name_b + b"\0" + bytes.fromhex(oid)
        return self.obj(raw, "tree")

    def file_tree(self, path: str, data: bytes, mode: str = "100644") -> str:
        """A tree holding one file at `path` (made of well-formed directories)."""
        parts = path.split("/")
        oid = self.obj(data)
        entry_mode = mode
        for name in reversed(parts):
            oid = self.tree((entry_mode, name, oid))
            entry_mode = "40000"
        return oid

    def commit(self, tree: str, message: str = "提交", parent: str | None = "HEAD") -> str:
        args = ["git", "commit-tree", "-S", tree, "-m", message]
        if parent:
            args += ["-p", run(["git", "rev-parse", parent], self.work).stdout.strip()]
        return run(args, self.work).stdout.strip()

    def tag(self, name: str, target: str, signed: bool = True) -> None:
        if signed:
            run(["git", "tag", "-s", "-m", f"标签 {name}", name, target], self.work)
        else:  # a lightweight tag (the clone signs every `git tag`, so write the ref itself)
            oid = run(["git", "rev-parse", target], self.work).stdout.strip()
            run(["git", "update-ref", f"refs/tags/{name}", oid], self.work)

    def push(self, *refspecs: str) -> subprocess.CompletedProcess[str]:
        return run(["git", "push", "--porcelain", "origin", *refspecs], self.work, check=False)


def fsck_off(ws: Workspace, unit: str = "lagov") -> None:
    """Switch git's own object checks off, so the hook's checks are what is tested."""
    git("config", "receive.fsckObjects", "false", cwd=ws.city.unit_repo(unit), env=clean_env())
    git("config", "transfer.fsckObjects", "false", cwd=ws.city.unit_repo(unit), env=clean_env())


def refused(ws: Workspace, before: dict, proc: subprocess.CompletedProcess[str], rule: str | None) -> None:
    assert proc.returncode != 0, proc.stdout + proc.stderr
    if rule is not None:
        assert f"[{rule}｜" in proc.stderr, proc.stderr
        assert "处理办法" in proc.stderr
    assert ws.snapshot() == before, "a refused push changed refs, registry or log"


def accepted(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stdout + proc.stderr


# 1. Objects other than commits ---------------------------------------------------------------

HOSTILE_BLOBS = [
    (EICAR, "malware"),
    ("---\ntitle: 方案\n---\n\n机密★1年\n".encode(), "classified"),
    (Path("/bin/true").read_bytes(), "executable"),
]


@pytest.mark.parametrize("data,rule", HOSTILE_BLOBS, ids=["eicar", "marking", "elf"])
@pytest.mark.parametrize("how", ["annotated", "lightweight", "tag-of-tag"])
def test_blob_only_a_tag_reaches_is_screened(ws: Workspace, data: bytes, rule: str, how: str) -> None:
    raw = Raw(ws)
    blob = raw.obj(data)
    if how == "tag-of-tag":
        raw.tag("inner", blob)
        raw.tag("outer", "inner")
        spec = "refs/tags/outer:refs/tags/outer"
    else:
        raw.tag("t", blob, signed=how == "annotated")
        spec = "refs/tags/t:refs/tags/t"
    before = ws.snapshot()
    proc = raw.push(spec)
    refused(ws, before, proc, rule)
    assert "refs/tags/" in proc.stderr  # the tag names the blob's place


@pytest.mark.parametrize("how", ["annotated", "lightweight", "tag-of-tag"])
def test_plain_blob_or_tree_under_a_tag_is_accepted(ws: Workspace, how: str) -> None:
    raw = Raw(ws)
    target = raw.obj(PLAIN) if how != "lightweight" else raw.file_tree("纪要/正文.txt", PLAIN)
    if how == "tag-of-tag":
        raw.tag("inner", target)
        raw.tag("outer", "inner")
        accepted(raw.push("refs/tags/outer:refs/tags/outer"))
    else:
        raw.tag("t", target, signed=how == "annotated")
        accepted(raw.push("refs/tags/t:refs/tags/t"))


@pytest.mark.parametrize("how", ["annotated", "lightweight"])
def test_tree_only_a_tag_reaches_is_screened(ws: Workspace, how: str) -> None:
    raw = Raw(ws)
    tree = raw.tree(("40000", "附件", raw.tree(("100644", "样本.txt", raw.obj(EICAR)))))
    raw.tag("t", tree, signed=how == "annotated")
    before = ws.snapshot()
    proc = raw.push("refs/tags/t:refs/tags/t")
    refused(ws, before, proc, "malware")
    assert "附件/样本.txt" in proc.stderr


def test_unsigned_inner_tag_of_a_signed_tag_is_refused(ws: Workspace) -> None:
    raw = Raw(ws)
    commit = run(["git", "rev-parse", "HEAD"], raw.work).stdout.strip()
    run(["git", "-c", "tag.gpgSign=false", "tag", "-a", "-m", "内层", "inner", commit], raw.work)
    raw.tag("outer", "inner")
    before = ws.snapshot()
    refused(ws, before, raw.push("refs/tags/outer:refs/tags/outer"), "tag-unsigned")


def test_blob_reached_by_a_commit_and_a_tag_is_refused_once(ws: Workspace) -> None:
    raw = Raw(ws)
    blob = raw.obj(EICAR)
    commit = raw.commit(raw.tree(("100644", "a.txt", blob)))
    raw.tag("t", blob)
    before = ws.snapshot()
    proc = raw.push(f"{commit}:refs/heads/draft/x", "refs/tags/t:refs/tags/t")
    refused(ws, before, proc, "malware")


# 2. Trees and paths -----------------------------------------------------------------------------

HOSTILE_NAMES = [
    b".git", b".GIT", b".Git", b".git ", b".git.", b".git. . ", b"git~1", b"GIT~2",
    ".g\u200cit".encode(), ".gi\ufefft".encode(), "\uff0e\uff47\uff49\uff54".encode(),  # ．ｇｉｔ
    ".\u200bgit".encode(), b".gitmodules", b".GITMODULES", b"gitmod~1", b".gitattributes",
    b"..", b".", ". .", b"a/b", b"..\\evil", b"x\ny", b"\xff\xfe", b"nul.txt", b"CON", b"a:b",
    b"report.txt ", b"x" * 256,
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=lambda n: repr(n)[:30])
def test_hostile_tree_entry_names_refused_by_the_hook(ws: Workspace, name: bytes) -> None:
    fsck_off(ws)  # the hook alone must refuse it
    raw = Raw(ws)
    inner = raw.tree(("100644", "config", raw.obj(b"[core]\n")))
    tree = raw.tree(("40000", name, inner))
    before = ws.snapshot()
    refused(ws, before, raw.push(f"{raw.commit(tree)}:refs/heads/draft/x"), "tree-entry")


@pytest.mark.parametrize("name", [b".git", b".GIT", b"..", b"a/b", ".g\u200cit".encode(), b"git~1",
                                  b".gitmodules"], ids=repr)
def test_hostile_names_refused_with_git_object_checks_on(ws: Workspace, name: bytes) -> None:
    raw = Raw(ws)  # receive.fsckObjects is on in every repository the city creates
    tree = raw.tree(("40000", name, raw.tree(("100644", "config", raw.obj(b"[core]\n")))))
    before = ws.snapshot()
    refused(ws, before, raw.push(f"{raw.commit(tree)}:refs/heads/draft/x"), None)


@pytest.mark.parametrize("name", ["git.md", "gitee说明", "备注.md", "会议纪要（第一次）",
                                  "a.b.c", "x" * 255, "２０２６年", "git~说明"])
def test_ordinary_names_of_the_same_shape_accepted(ws: Workspace, name: str) -> None:
    fsck_off(ws)
    raw = Raw(ws)
    tree = raw.tree(("40000", name, raw.tree(("100644", "正文.txt", raw.obj(PLAIN)))))
    accepted(raw.push(f"{raw.commit(tree)}:refs/heads/draft/x"))


@pytest.mark.parametrize("mode,what", [("120000", "符号链接"), ("160000", "子模块"), ("100664", "模式"),
                                       ("100600", "模式"), ("644", "模式")])
def test_symlinks_submodules_and_odd_modes_refused(ws: Workspace, mode: str, what: str) -> None:
    fsck_off(ws)
    raw = Raw(ws)
    target = raw.obj(b"/etc/passwd") if mode != "160000" else "1" * 40
    tree = raw.tree(("100644", "a.txt", raw.obj(PLAIN)), (mode, "b", target))
    before = ws.snapshot()
    proc = raw.push(f"{raw.commit(tree)}:refs/heads/draft/x")
    refused(ws, before, proc, "tree-entry")
    assert what in proc.stderr


@pytest.mark.parametrize("mode", ["100644", "100755"])
def test_regular_and_executable_bit_files_accepted(ws: Workspace, mode: str) -> None:
    raw = Raw(ws)
    tree = raw.tree(("100644", "a.txt", raw.obj(PLAIN)), (mode, "b.txt", raw.obj(b"text\n")))
    accepted(raw.push(f"{raw.commit(tree)}:refs/heads/draft/x"))


def test_symlink_under_a_tag_refused(ws: Workspace) -> None:
    fsck_off(ws)
    raw = Raw(ws)
    raw.tag("t", raw.tree(("120000", "link", raw.obj(b"../../etc/passwd"))), signed=False)
    before = ws.snapshot()
    refused(ws, before, raw.push("refs/tags/t:refs/tags/t"), "tree-entry")


def test_duplicate_entries_refused(ws: Workspace) -> None:
    fsck_off(ws)
    raw = Raw(ws)
    tree = raw.tree(("100644", "a.txt", raw.obj(PLAIN)), ("100644", "a.txt", raw.obj(EICAR[:5])))
    before = ws.snapshot()
    refused(ws, before, raw.push(f"{raw.commit(tree)}:refs/heads/draft/x"), "tree-entry")


@pytest.mark.parametrize("depth,ok", [(60, True), (70, False)])
def test_path_depth_bounded(ws: Workspace, depth: int, ok: bool) -> None:
    raw = Raw(ws)
    tree = raw.file_tree("/".join(["d"] * (depth - 1) + ["f.txt"]), PLAIN)
    proc = raw.push(f"{raw.commit(tree)}:refs/heads/draft/x")
    if ok:
        accepted(proc)
    else:
        assert proc.returncode != 0 and "[tree-too-deep｜" in proc.stderr, proc.stderr


def test_path_length_bounded_even_when_a_subtree_is_shared(ws: Workspace) -> None:
    """A subtree used at a short and a long path is read once, but judged at its longest."""
    raw = Raw(ws)
    leaf = raw.file_tree("f.txt", PLAIN)
    shared = raw.tree(("40000", "s" * 200, leaf))
    deep = shared
    for i in range(20):  # 20 levels of 200-byte names: over 4,096 bytes
        deep = raw.tree(("40000", f"{i:02d}" + "d" * 198, deep))
    tree = raw.tree(("40000", "a", shared), ("40000", "b", deep))
    before = ws.snapshot()
    refused(ws, before, raw.push(f"{raw.commit(tree)}:refs/heads/draft/x"), "tree-too-deep")


def test_city_repositories_have_fsck_on_and_reinstall_restores_it(ws: Workspace) -> None:
    from repo_tools.city import reinstall_hooks
    repo = ws.city.unit_repo("jyj")
    assert git("config", "receive.fsckObjects", cwd=repo, env=clean_env()).strip() == "true"
    git("config", "receive.fsckObjects", "false", cwd=repo, env=clean_env())
    assert repo in reinstall_hooks(ws.city)
    assert git("config", "receive.fsckObjects", cwd=repo, env=clean_env()).strip() == "true"
    assert git("config", "oa.unit", cwd=repo, env=clean_env()).strip() == "jyj"


# Content screened through one push per class: each hostile variant must be named in the
# refusal (so none hides behind another), and the controls of the same shape all pass.

def push_files(ws: Workspace, files: dict[str, bytes]) -> tuple[dict, subprocess.CompletedProcess[str]]:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, files)
    before = ws.snapshot()
    return before, ws.push(work)


def refused_each(ws: Workspace, files: dict[str, bytes], rules: dict[str, str]) -> None:
    before, proc = push_files(ws, files)
    refused(ws, before, proc, None)
    for path, rule in rules.items():
        lines = [line for line in proc.stderr.splitlines() if path in line and f"[{rule}｜" in line]
        assert lines, f"{path} not refused by {rule}:\n{proc.stderr}"


# 5. Classification markings ----------------------------------------------------------------------

MARKED_TEXTS = {
    "spaced.md": "# 通知\n\n秘 密★1年\n",
    "zero-width.md": "机\u200b密★长期\n",
    "fullwidth.md": "密级：ＡＢ\n\n【机密】关于有关事项的通知\n",
    "entity.md": "正文 &#26426;&#23494;★1年\n",
    "traditional.md": "機密★1年\n",
    "star-first.md": "★秘密\n",
    "square.md": "[机密] 工作方案\n",
    "hexagonal.md": "〔绝密〕\n",
    "ideographic-space.md": "绝\u3000密★5年\n",
}
MARKED_BYTES = {
    "utf16.txt": "会议通知\n秘密★1年\n".encode("utf-16"),
    "utf16le-nobom.txt": "会议通知\n机密★1年\n".encode("utf-16-le"),
    "gbk.txt": "会议通知\n机密★1年\n".encode("gbk"),
    "gb18030.txt": "会议通知\n密级：秘密\n".encode("gb18030"),
    "utf8bom.txt": "\ufeff机密★1年\n".encode(),
}


def test_markings_found_after_normalization_and_in_every_encoding(ws: Workspace) -> None:
    base = "documents/2026/x/attachments/"
    files = {base + k: v.encode() for k, v in MARKED_TEXTS.items()}
    files |= {base + k: v for k, v in MARKED_BYTES.items()}
    refused_each(ws, files, {base + k: "classified" for k in [*MARKED_TEXTS, *MARKED_BYTES]})


@pytest.mark.parametrize("title", ["【秘密】关于某事的通知", "[机密]关于某事的通知", "〔绝密〕关于某事的通知",
                                   "关于某事的通知（机密★1年）", "\\u673a\\u5bc6\u2605关于某事的通知"])
def test_bracketed_marking_in_a_title_refused(ws: Workspace, title: str) -> None:
    doc = (f'---\ntype: 通知\ntitle: "{title}"\nrecipients: [各县区人民政府]\ndate: 2026-01-05\n---\n\n正文。\n')
    refused_each(ws, {"documents/2026/x/index.md": doc.encode()}, {"documents/2026/x/index.md": "classified"})


@pytest.mark.parametrize("name", ["【秘密】方案.txt", "机 密方案.txt", "机\u200b密方案.txt", "秘密★1年-方案.txt",
                                  "［机密］方案.txt", "機密方案.txt"])
def test_marking_in_a_file_or_folder_name_refused(ws: Workspace, name: str) -> None:
    refused_each(ws, {f"documents/2026/x/attachments/{name}": b"plain\n",
                      f"documents/2026/y/{name.removesuffix('.txt')}/a.txt": b"plain\n"},
                 {name: "classified", name.removesuffix(".txt"): "classified"})


def test_prose_about_secrecy_of_the_same_shapes_accepted(ws: Workspace) -> None:
    base = "documents/2026/x/attachments/"
    prose = {
        "prose.md": "不得泄露国家秘密，涉密公文按纸质形式运行。\n",
        "levels.md": "国家秘密分为绝密级、机密级、秘密级。\n",
        "bullet.md": "* 秘密载体管理要点\n* 商业机密保护\n",
        "bold.md": "保守**国家秘密**是每个公民的义务。\n",
        "field.md": "密级：非密\n",
    }
    files = {base + k: v.encode() for k, v in prose.items()}
    files[base + "gbk.txt"] = "不得泄露国家秘密。\n".encode("gbk")
    files[base + "utf16.txt"] = "涉密公文按纸质形式运行。\n".encode("utf-16")
    files[base + "秘密花园读后感.txt"] = b"plain\n"
    files[base + "保密须知.txt"] = b"plain\n"
    _, proc = push_files(ws, files)
    accepted(proc)


# 4. Images by content ----------------------------------------------------------------------------

SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


def image(fmt: str, size: tuple[int, int] = (32, 32), noise: bool = False) -> bytes:
    import io
    import os

    from PIL import Image
    img = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noise \
        else Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    img.save(out, fmt, **({"sizes": [size]} if fmt == "ICO" else {}))
    return out.getvalue()


def ico_around(png: bytes) -> bytes:
    """An icon file holding one PNG (ICO entries may be PNGs of any size)."""
    header = b"\x00\x00\x01\x00\x01\x00"
    entry = bytes([0, 0, 0, 0]) + (1).to_bytes(2, "little") + (32).to_bytes(2, "little") \
        + len(png).to_bytes(4, "little") + (22).to_bytes(4, "little")
    return header + entry + png


ACTIVE_SVGS = {
    "ns-prefix.svg": '<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:script>alert(1)</svg:script></svg:svg>',
    "bom-prolog.txt": f'\ufeff<?xml version="1.0"?>\n<!-- 注释 -->\n<!DOCTYPE svg>\n<svg {SVG_NS}><rect onLoad="x()"/></svg>',
    "utf16.svg": None,  # filled below: UTF-16 encoded, with an external <use>
    "gbk.bin": None,    # GBK declared, a script inside
    "css-unquoted.svg": f'<svg {SVG_NS}><style>rect{{fill:url(http://evil.example/a)}}</style></svg>',
    "css-escaped.svg": f'<svg {SVG_NS}><rect style="background:u\\rl(//evil.example/a)"/></svg>',
    "css-import.svg": f'<svg {SVG_NS}><style>@im\\70 ort "//evil.example/a.css";</style></svg>',
    "xxe.svg": f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg {SVG_NS}>&x;</svg>',
    "foreign.svg": f'<svg {SVG_NS}><foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject></svg>',
    "animate.svg": f'<svg {SVG_NS}><a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a></svg>',
}


def test_active_svg_refused_whatever_its_prefix_encoding_or_name(ws: Workspace) -> None:
    base = "bulletins/x/2026-01-05-a/"
    files = {base + k: v.encode() for k, v in ACTIVE_SVGS.items() if v}
    files[base + "utf16.svg"] = (f'<svg {SVG_NS} xmlns:x="http://www.w3.org/1999/xlink"><use x:href="http://evil.example/a#b"/></svg>').encode("utf-16")
    files[base + "gbk.bin"] = (f'<?xml version="1.0" encoding="GBK"?><svg {SVG_NS}><text>中文</text>'
                               '<script>x</script></svg>').encode("gbk")
    refused_each(ws, files, {base + k: "svg-active" for k in ACTIVE_SVGS})


def test_clean_svg_of_the_same_shapes_accepted(ws: Workspace) -> None:
    base = "bulletins/x/2026-01-05-a/"
    files = {
        base + "ns-prefix.svg": b'<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:rect width="4"/></svg:svg>',
        base + "bom-prolog.svg": (f'\ufeff<?xml version="1.0"?>\n<!-- 注释 -->\n<svg {SVG_NS}><rect/></svg>').encode(),
        base + "utf16.svg": (f'<svg {SVG_NS}><defs><linearGradient id="g"/></defs><rect fill="url(#g)"/>'
                             '<use href="#g"/></svg>').encode("utf-16"),
        base + "gbk.svg": (f'<?xml version="1.0" encoding="GBK"?><svg {SVG_NS}><text>中文</text></svg>').encode("gbk"),
        base + "css.svg": (f'<svg {SVG_NS}><style>rect{{fill:url("#g")}}</style><rect style="fill:url(#g)"/></svg>').encode(),
    }
    _, proc = push_files(ws, files)
    accepted(proc)


@pytest.mark.parametrize("fmt", ["ICO", "WEBP", "BMP", "TIFF", "GIF", "AVIF", "JPEG2000"])
def test_every_browser_image_format_is_bounded_whatever_its_name(ws: Workspace, fmt: str) -> None:
    small = image(fmt)
    big = image(fmt, (1000, 1000), noise=True) if fmt != "ICO" else ico_around(image("PNG", (600, 600), noise=True))
    assert len(big) > 512_000, (fmt, len(big))
    base = "bulletins/x/2026-01-05-a/"
    refused_each(ws, {base + "big.txt": big, base + "broken.dat": small[:len(small) // 2]},
                 {base + "big.txt": "image-too-large", base + "broken.dat": "image-broken"})


def test_small_images_of_every_format_accepted(ws: Workspace) -> None:
    base = "bulletins/x/2026-01-05-a/"
    files = {f"{base}p.{fmt.lower()}": image(fmt) for fmt in ["ICO", "WEBP", "BMP", "TIFF", "GIF", "AVIF", "PNG", "JPEG"]}
    _, proc = push_files(ws, files)
    accepted(proc)


def test_heif_and_jpeg_xl_recognized_and_bounded(ws: Workspace) -> None:
    heif = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 600_000
    jxl = b"\xff\x0a" + b"\x00" * 600_000
    base = "bulletins/x/2026-01-05-a/"
    refused_each(ws, {base + "a.dat": heif, base + "b.dat": jxl},
                 {base + "a.dat": "image-too-large", base + "b.dat": "image-too-large"})


def test_page_disguised_as_an_image_refused(ws: Workspace) -> None:
    base = "bulletins/x/2026-01-05-a/"
    files = {base + "a.png": b"<html><body><script>alert(1)</script></body></html>",
             base + "b.jpg": b"<!DOCTYPE html><p>x</p>",
             base + "c.gif": (f"<svg {SVG_NS}><script>x</script></svg>").encode(),
             base + "d.ico": b"just some text\n"}
    refused_each(ws, files, {base + "a.png": "active-content", base + "b.jpg": "active-content",
                             base + "c.gif": "svg-active", base + "d.ico": "image-broken"})


# 3. Containers -----------------------------------------------------------------------------------

def zipped(members: dict[str, bytes | str], method: int = 8) -> bytes:
    import io
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx(text: str, extra: dict[str, bytes | str] | None = None, content_type: str = "application/xml") -> bytes:
    return zipped({
        "[Content_Types].xml": f'<Types><Default Extension="xml" ContentType="{content_type}"/></Types>',
        "word/document.xml": ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                              f'<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>'),
        **(extra or {}),
    })


def encrypted_zip() -> bytes:
    data = bytearray(zipped({"a.txt": "x"}, method=0))
    data[6] |= 1                              # local header: "encrypted"
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 1                    # central directory: "encrypted"
    return bytes(data)


def test_containers_are_inspected_inside(ws: Workspace) -> None:
    import gzip
    base = "documents/2026/x/attachments/"
    files = {
        "vba.docx": docx("正文", {"word/vbaProject.bin": b"\0" * 64}),
        "macro-type.pptx": docx("正文", content_type="application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"),
        "basic.odt": zipped({"mimetype": "application/vnd.oasis.opendocument.text", "Basic/Standard/M.xml": "<x/>"}),
        "named-pdf.pdf": docx("正文", {"word/vbaProject.bin": b"\0" * 64}),  # by content, not by name
        "eicar-nested.zip": zipped({"a.zip": zipped({"b/readme.txt": EICAR})}),
        "exe.zip": zipped({"setup.exe": b"MZ" + b"\0" * 200}),
        "elf.zip": zipped({"tools/run": Path("/bin/true").read_bytes()}),
        "marked.docx": docx("机密★1年"),
        "split-marking.docx": zipped({"word/document.xml": "<w:p><w:r><w:t>机</w:t></w:r><w:r><w:t>密★1年</w:t></w:r></w:p>"}),
        "marked-member.zip": zipped({"【秘密】方案.txt": "x"}),
        "eicar.gz": gzip.compress(EICAR),
        "bomb.zip": zipped({"zeros.bin": b"\0" * (30 * 1024 * 1024)}),
        "deep.zip": zipped({"1.zip": zipped({"2.zip": zipped({"3.zip": zipped({"4.zip": zipped({"x.txt": "x"})})})})}),
        "locked.zip": encrypted_zip(),
        "seven.dat": b"7z\xbc\xaf\x27\x1c" + b"\0" * 64,
    }
    rules = {"vba.docx": "macro-office", "macro-type.pptx": "macro-office", "basic.odt": "macro-office",
             "named-pdf.pdf": "macro-office", "eicar-nested.zip": "malware", "exe.zip": "executable",
             "elf.zip": "executable", "marked.docx": "classified", "split-marking.docx": "classified",
             "marked-member.zip": "classified", "eicar.gz": "malware", "bomb.zip": "archive-bomb",
             "deep.zip": "archive-bomb", "locked.zip": "archive-encrypted", "seven.dat": "archive-unsupported"}
    refused_each(ws, {base + k: v for k, v in files.items()}, {base + k: v for k, v in rules.items()})


def test_clean_containers_of_the_same_shapes_accepted(ws: Workspace) -> None:
    import gzip
    base = "documents/2026/x/attachments/"
    files = {
        "plain.docx": docx("关于做好有关工作的通知。不得泄露国家秘密。"),
        "plain.pptx": docx("汇报", content_type="application/vnd.openxmlformats-officedocument."
                                               "presentationml.presentation.main+xml"),
        "plain.odt": zipped({"mimetype": "application/vnd.oasis.opendocument.text",
                             "content.xml": "<office:text>正文</office:text>"}),
        "nested.zip": zipped({"a.zip": zipped({"b/readme.txt": "说明"}), "c.docx": docx("正文")}),
        "text.gz": gzip.compress("正文\n".encode()),
        "ratio-ok.zip": zipped({"table.csv": "a,b\n1,2\n" * 1000}),
    }
    _, proc = push_files(ws, {base + k: v for k, v in files.items()})
    accepted(proc)


# 8. Flooding --------------------------------------------------------------------------------------

def chain(raw: Raw, count: int, forge_at: int | None = None, unsigned_at: int | None = None) -> tuple[str, str | None]:
    """`count` commits each adding a file; the one at `forge_at` carries a signature copied from
    another commit (cryptographically bad), the one at `unsigned_at` none. Returns (tip, odd one)."""
    parent = run(["git", "rev-parse", "HEAD"], raw.work).stdout.strip()
    odd = None
    base_tree = run(["git", "rev-parse", "HEAD^{tree}"], raw.work).stdout.strip()
    for i in range(count):
        tree = raw.tree(*[(m, n, o) for m, n, o in _entries(raw, base_tree)],
                        ("40000", "bulk", raw.tree(("100644", f"{i}.txt", raw.obj(f"材料 {i}\n".encode())))))
        if i == unsigned_at:
            parent = run(["git", "-c", "commit.gpgSign=false", "commit-tree", tree, "-p", parent, "-m", f"材料 {i}"],
                         raw.work).stdout.strip()
            odd = parent
            continue
        signed = raw.commit(tree, f"材料 {i}", parent=parent)
        if i == forge_at:
            body = run(["git", "cat-file", "commit", signed], raw.work).stdout
            signed = raw.obj(body.replace(f"材料 {i}", f"篡改 {i}").encode(), "commit")
            odd = signed
        parent = signed
    return parent, odd


def _entries(raw: Raw, tree: str) -> list[tuple[str, str, str]]:
    out = []
    for line in run(["git", "ls-tree", tree], raw.work).stdout.splitlines():
        meta, _, name = line.partition("\t")
        mode, _, oid = meta.split()
        out.append((mode.lstrip("0"), name, oid))  # ls-tree pads tree modes; git stores "40000"
    return [e for e in out if e[1] != "bulk"]


def test_many_signed_commits_checked_in_one_batch_and_accepted(ws: Workspace) -> None:
    raw = Raw(ws)
    tip, _ = chain(raw, 40)
    accepted(raw.push(f"{tip}:refs/heads/draft/flood"))
    repo = ws.city.unit_repo("lagov")
    assert git("rev-parse", "refs/heads/draft/flood", cwd=repo, env=clean_env()).strip() == tip


@pytest.mark.parametrize("where", [0, 17, 39])
def test_one_forged_signature_among_many_is_found(ws: Workspace, where: int) -> None:
    raw = Raw(ws)
    tip, forged = chain(raw, 40, forge_at=where)
    before = ws.snapshot()
    proc = raw.push(f"{tip}:refs/heads/draft/flood")
    refused(ws, before, proc, "commit-bad-signature")
    assert forged is not None and forged[:10] in proc.stderr
    assert proc.stderr.count("[commit-bad-signature｜") == 1  # the good ones around it stay good


def test_unsigned_commit_among_many_is_found(ws: Workspace) -> None:
    raw = Raw(ws)
    tip, odd = chain(raw, 30, unsigned_at=12)
    before = ws.snapshot()
    proc = raw.push(f"{tip}:refs/heads/draft/flood")
    refused(ws, before, proc, "commit-unsigned")
    assert odd is not None and odd[:10] in proc.stderr and "[commit-bad-signature｜" not in proc.stderr


def test_batch_verification_agrees_with_one_by_one(ws: Workspace) -> None:
    """The batch path says exactly what python-gnupg says, for good, bad, doubled and foreign signatures."""
    from repo_tools.git.repo import parse_commit
    from repo_tools.identity.keys import verify_detached
    from repo_tools.openpgp.batch import verify_many
    raw = Raw(ws)
    tip, _ = chain(raw, 3)
    commits = [parse_commit(oid, run(["git", "cat-file", "commit", oid], raw.work).stdout.encode())
               for oid in run(["git", "rev-list", "-3", tip], raw.work).stdout.split()]
    a, b, c = commits
    items = [(a.payload, a.signature), (b.payload, a.signature), (c.payload, c.signature),
             (a.payload, a.signature + b.signature),
             (a.payload, b"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n"),
             (b.payload, b.signature)]
    home = ws.city.server_gnupg
    assert [(v.valid, v.fingerprint) for v in verify_many(home, items)] == \
        [(v.valid, v.fingerprint) for v in (verify_detached(home, p, s) for p, s in items)]


def test_active_pdf_refused_and_plain_pdf_accepted(ws: Workspace) -> None:
    import zlib
    base = "documents/2026/x/attachments/"
    hidden = (b"%PDF-1.5\n5 0 obj<</Type/ObjStm/Filter/FlateDecode>>stream\n"
              + zlib.compress(b"<</S/Launch/F(cmd.exe)>>") + b"\nendstream\nendobj\n%%EOF")
    files = {base + "js.pdf": b"%PDF-1.4\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n%%EOF",
             base + "hidden.pdf": hidden,
             base + "zipped.zip": zipped({"a.pdf": b"%PDF-1.4\n<</EmbeddedFiles 2 0 R>>\n%%EOF"})}
    refused_each(ws, files, {base + "js.pdf": "active-content", base + "hidden.pdf": "active-content",
                             base + "zipped.zip▸a.pdf": "active-content"})
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {base + "plain.pdf": b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF",
                     base + "notes.zip": zipped({"a.pdf": b"%PDF-1.4\n<</Type/Catalog>>\n%%EOF"})})
    accepted(ws.push(work, "HEAD:refs/heads/draft/ok"))


@pytest.mark.parametrize("how", ["commit", "tag", "ref"])
def test_marking_in_a_message_or_ref_name_refused(ws: Workspace, how: str) -> None:
    raw = Raw(ws)
    tree = raw.file_tree("a.txt", PLAIN)
    if how == "commit":
        message = "拟稿：机\u200b密★1年 方案"
        spec = f"{raw.commit(tree, message)}:refs/heads/draft/x"
    elif how == "tag":
        run(["git", "tag", "-s", "-m", "【秘密】意见", "t", raw.commit(tree)], raw.work)
        spec = "refs/tags/t:refs/tags/t"
    else:
        spec = f"{raw.commit(tree)}:refs/heads/draft/机密方案"
    before = ws.snapshot()
    refused(ws, before, raw.push(spec), "classified")


def test_prose_in_messages_and_ref_names_accepted(ws: Workspace) -> None:
    raw = Raw(ws)
    tree = raw.file_tree("a.txt", PLAIN)
    first = raw.commit(tree, "拟稿：涉密公文按纸质形式运行")
    run(["git", "tag", "-s", "-m", "同意。注意不得泄露国家秘密。", "t", first], raw.work)
    accepted(raw.push(f"{raw.commit(tree, '修改：保守国家秘密')}:refs/heads/draft/保密须知", "refs/tags/t:refs/tags/t"))
