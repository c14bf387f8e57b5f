"""The seal's image per 国发〔1999〕25号: size by level, red, star and name, a safe SVG."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from repo_tools.hook.rules.content import check_file
from repo_tools.messages import Refused
from repo_tools.seal.image import PNG_DPI, seal_png, seal_svg

NAME = "六安市人民政府办公室"


@pytest.mark.parametrize("level,mm", [("city", 45.0), ("county", 45.0), ("township", 42.0), ("department", 45.0)])
def test_svg_size_by_level(level: str, mm: float) -> None:
    svg = seal_svg(NAME, level)
    assert f'width="{mm}mm"' in svg and f'viewBox="0 0 {mm} {mm}"' in svg
    assert "<circle" in svg and "<polygon" in svg and "Noto Serif CJK SC" in svg
    assert all(f">{c}</text>" in svg for c in NAME)
    assert check_file("seal.svg", svg.encode()) == []  # passes the hook's SVG rules


def test_svg_name_runs_left_to_right_over_the_top() -> None:
    import re
    angles = [float(a) for a in re.findall(r'rotate\(([-\d.]+) ', seal_svg(NAME, "city"))]
    assert len(angles) == len(NAME) and angles == sorted(angles) and angles[0] == -angles[-1] < 0


def test_png_size_and_colour(tmp_path: Path) -> None:
    out = seal_png(NAME, "city", tmp_path / "seal.png")
    with Image.open(out) as img:
        expected = round(45.0 / 25.4 * PNG_DPI)
        assert img.size == (expected, expected)
        assert round(img.info["dpi"][0]) == PNG_DPI
        data = img.convert("RGBA").tobytes()
    pixels = [data[i:i + 4] for i in range(0, len(data), 4) if data[i + 3] > 200]
    assert len(pixels) > 1000
    red = [p for p in pixels if p[0] > 180 and p[1] < 80 and p[2] < 80]
    assert len(red) / len(pixels) > 0.95
    township = seal_png(NAME, "township", tmp_path / "t.png")
    with Image.open(township) as img:
        assert img.size[0] == round(42.0 / 25.4 * PNG_DPI)


def test_unknown_level_refused(tmp_path: Path) -> None:
    with pytest.raises(Refused):
        seal_svg(NAME, "galaxy")
