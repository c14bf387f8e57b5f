"""The print form as GB/T 9704 lays it out: the 署名, 成文日期 and seal never stand alone on a
page, titles wrap only between words, and the body is set in a 仿宋 face (FandolFang)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fixtures import PROJECT_ROOT
from PIL import Image
from pypdf import PdfReader

from repo_tools.documents import official_form, render
from repo_tools.seal.image import seal_svg

CONTENT = PROJECT_ROOT / "content"
NOTICE = CONTENT / "documents" / "lagov" / "2013" / "oa-measures"
UNIT = "六安市人民政府办公室"


def _sealed_notice(tmp_path: Path) -> Path:
    """The regulation notice as sealed (with its number): the case where the signature fell alone."""
    folder = tmp_path / "oa-measures"
    shutil.copytree(NOTICE, folder)
    index = folder / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("type: 通知\n", "type: 通知\nnumber: 六政办秘〔2013〕27号\n"),
                     encoding="utf-8")
    out = render.render_pdf(folder, tmp_path / "notice.pdf", UNIT, seal_svg(UNIT, "city"))
    return out


def _page_of(reader: PdfReader, needle: str, skip: str | None = None) -> int:
    for n, page in enumerate(reader.pages):
        text = page.extract_text().replace("\n", "")
        if needle in text and not (skip and needle + skip in text):
            return n
    raise AssertionError(f"{needle} not found")


def test_signature_and_seal_stay_with_the_last_lines_of_the_body(tmp_path: Path) -> None:
    reader = PdfReader(_sealed_notice(tmp_path))
    last_body = _page_of(reader, "认真贯彻执行。")
    signature = _page_of(reader, "2013年3月20日", skip="印发")
    assert signature == last_body
    text = reader.pages[signature].extract_text().replace("\n", "")
    assert UNIT + "2013年3月20日" in text and "附件：" in text
    # the seal is drawn on that page, pressing on the signature: red ink there
    if shutil.which("pdftoppm") is None:
        pytest.skip("没有安装 pdftoppm（scripts/setup-system.sh 会安装 poppler-utils）")
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "30", "-f", str(signature + 1), "-l", str(signature + 1), "-png",
                    str(tmp_path / "notice.pdf"), str(prefix)], check=True)
    [png] = list(tmp_path.glob("page*.png"))
    with Image.open(png) as image:
        rgb = image.convert("RGB")
        width, height = rgb.size
        red = [(x, y) for x in range(width) for y in range(height)
               if (lambda p: p[0] > 180 and p[1] < 90 and p[2] < 90)(rgb.getpixel((x, y)))]
        dark = [(x, y) for x in range(width) for y in range(height) if max(rgb.getpixel((x, y))) < 170]
    assert len(red) > 100, "no seal on the signature page"
    top_of_seal = min(y for _, y in red)
    assert any(y < top_of_seal for _, y in dark), "no body text above the seal"


def test_titles_break_between_words_only(tmp_path: Path) -> None:
    reader = PdfReader(_sealed_notice(tmp_path))
    first = reader.pages[0].extract_text()
    assert "协同办公系统" in first  # before: 协同办 / 公
    lines = [line for line in first.splitlines() if "关于印发" in line or "管理办法" in line]
    title = "六安市人民政府办公室关于印发六安市协同办公系统使用管理办法(试行)的通知"
    allowed = set()
    at = 0
    for segment in official_form.title_segments(title):
        at += len(segment)
        allowed.add(at)
    joined = "".join(lines[:2])
    assert joined == title, lines
    assert len(lines[0]) in allowed
    assert official_form.title_segments("关于电子公文交换平台建设的通知") == \
        ["关于", "电子", "公文", "交换", "平台", "建设", "的通知"]
    html = official_form.title_html("关于<b>的通知")
    assert "<b>" not in html and "&lt;b&gt;" in html


@pytest.mark.skipif(b"FandolFang" not in subprocess.run(["fc-list"], capture_output=True).stdout,
                    reason="没有安装 FandolFang（scripts/setup-system.sh 会安装）")
def test_body_is_set_in_fangsong(tmp_path: Path) -> None:
    reader = PdfReader(_sealed_notice(tmp_path))
    fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages[:2]
             for font in page["/Resources"]["/Font"].values()}
    assert any("FandolFang" in f for f in fonts), fonts
    css = official_form.stylesheet()
    stack = css.split('font-family: "仿宋_GB2312"', 1)[1].split(";", 1)[0]
    assert stack.index('"STFangsong"') < stack.index('"FandolFang"') < stack.index('"Noto Serif CJK SC"')
