"""The print form: GB/T 9704 elements in the HTML, an A4 PDF whose Chinese text can be
extracted, and nothing fetched from outside."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from fixtures import PROJECT_ROOT
from pypdf import PdfReader

from repo_tools.documents import official_form, render

CONTENT = PROJECT_ROOT / "content"
NOTICE = CONTENT / "documents" / "lagov" / "2013" / "oa-measures"
REQUEST = CONTENT / "documents" / "jyj" / "2013" / "school-oa-request"
A4 = (595.28, 841.89)  # points


def test_pdf_is_a4_with_extractable_chinese(tmp_path: Path) -> None:
    out = render.render_pdf(NOTICE, tmp_path / "notice.pdf", "六安市人民政府办公室")
    reader = PdfReader(out)
    assert len(reader.pages) >= 5  # the notice, then the 办法 on its own pages
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - A4[0]) < 1 and abs(float(box.height) - A4[1]) < 1
    first = reader.pages[0].extract_text()
    assert "六安市人民政府办公室文件" in first
    assert "协同办公系统使用管理办法" in first
    whole = "".join(page.extract_text() for page in reader.pages)
    assert "第四十八条" in whole and "本办法自发布之日起施行" in whole
    assert "2013年3月20日印发" in whole.replace("\n", "")
    assert "— 1 —" in first or "— 1 —" in whole


def test_upward_document_shows_signer_and_number_line(tmp_path: Path) -> None:
    meta = {"type": "请示", "title": "六安市教育局关于某事的请示", "number": "六教〔2013〕1号", "signer": "何敏",
            "recipients": ["六安市人民政府"], "date": "2013-04-08", "urgency": "加急",
            "cc": ["六安市财政局"], "notes": "联系人：吴静"}
    html = official_form.render_official_html(meta, "<p>正文。</p>", "六安市教育局", seal_svg="<svg></svg>")
    assert "od-upward" in html and "签发人：" in html and "何敏" in html
    assert "六教〔2013〕1号" in html and "加急" in html and "六安市教育局文件" in html
    assert "抄送：</span>六安市财政局。" in html and "（联系人：吴静）" in html
    assert "2013年4月8日" in html and "od-seal" in html
    out = render.render_pdf(REQUEST, tmp_path / "request.pdf", "六安市教育局")
    text = PdfReader(out).pages[0].extract_text()
    assert "签发人" in text and "何敏" in text


def test_values_are_escaped_and_letters_have_their_own_heading() -> None:
    meta = {"type": "函", "title": "<script>alert(1)</script>关于某事的函", "recipients": ["<b>某局</b>"],
            "date": "2013-04-22", "attachments": [{"title": "清单", "file": "attachments/a.md"}]}
    html = official_form.render_official_html(meta, "<p>正文</p>", "六安市财政局",
                                              attachment_links={"attachments/a.md": "a.html?x=\"y\""})
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>某局</b>" not in html
    assert '<p class="od-issuer">六安市财政局</p>' in html
    assert 'href="a.html?x=&quot;y&quot;"' in html


def test_css_names_proprietary_faces_first_and_fetches_nothing() -> None:
    import re
    css = official_form.stylesheet()
    stacks = re.findall(r"font-family:([^;]+);", css)
    assert stacks
    for stack in stacks:
        faces = [f.strip().strip('"') for f in stack.split(",")]
        free = [i for i, f in enumerate(faces) if f.startswith(("Noto", "AR PL"))]
        own = [i for i, f in enumerate(faces) if f in ("仿宋_GB2312", "方正小标宋简体", "楷体_GB2312", "黑体", "宋体")]
        assert own and free and max(own) < min(free), stack
    assert "AR PL UKai" in css and "Noto Sans CJK SC" in css
    assert "size: A4" in css and "37mm 26mm 35mm 28mm" in css
    assert "http" not in css and "@import" not in css and "@font-face" not in css


def test_external_resources_are_not_fetched(tmp_path: Path) -> None:
    folder = tmp_path / "doc"
    shutil.copytree(REQUEST, folder)
    index = folder / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\n![x](http://example.invalid/x.png)\n", encoding="utf-8")
    out = render.render_pdf(folder, tmp_path / "x.pdf", "六安市教育局")
    assert PdfReader(out).pages[0].extract_text()


def test_oa_doc_render_cli(tmp_path: Path) -> None:
    oa = str(Path(os.sys.executable).parent / "oa")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "OA_"))}
    proc = subprocess.run([oa, "doc", "render", str(REQUEST), "--pdf", str(tmp_path / "r.pdf")],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
