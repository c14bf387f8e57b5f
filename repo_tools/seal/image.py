"""The seal's image drawn from the unit's name per 国发〔1999〕25号 (STANDARDS.md "Seals"):
a red circle, a five-pointed star in the centre, the name running left to right along the
upper rim in 宋体. The image only shows the seal; the legal seal is the seal key's signature.

SVG and PNG place every glyph the same way (one rotated character per position), so the two
agree without relying on a renderer's textPath support.
"""
from __future__ import annotations

import math
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from repo_tools.messages import Refused, say
from repo_tools.seal.vocabulary import FONT_STACK

RED = (230, 0, 18)
RED_HEX = "#e60012"
# Debian's fonts-noto-cjk, when fontconfig is not there to tell.
KNOWN_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
]
# Diameters in mm by level (国发〔1999〕25号); internal departments "at most 4.5 cm".
DIAMETERS_MM = {"state": 60.0, "province": 50.0, "city": 45.0, "county": 45.0,
                "township": 42.0, "department": 45.0}
PNG_DPI = 300


@dataclass(frozen=True)
class SealGeometry:
    """Every measure of a seal in millimetres, derived from its diameter."""
    diameter: float

    @property
    def radius(self) -> float:
        return self.diameter / 2

    @property
    def rim(self) -> float:
        # local practice 0.1-0.12 cm for a 4.5 cm seal; scale with the diameter
        return round(1.2 * self.diameter / 45.0, 3)

    @property
    def star_radius(self) -> float:
        # commonly 1.4 cm across for a 4.5 cm seal
        return 7.0 * self.diameter / 45.0

    @property
    def font_size(self) -> float:
        return 6.0 * self.diameter / 45.0

    @property
    def text_radius(self) -> float:
        """Radius of the glyphs' centres: inside the rim with a small gap."""
        return self.radius - self.rim - 0.8 * self.diameter / 45.0 - self.font_size / 2


def diameter_mm(level: str) -> float:
    if level not in DIAMETERS_MM:
        raise Refused("usage", detail=say("seal.image.diameter_mm.1", level=level),
                      remedy=say("seal.image.diameter_mm.2", value_join='、'.join(DIAMETERS_MM)))
    return DIAMETERS_MM[level]


def glyph_angles(count: int) -> list[float]:
    """Angles (degrees clockwise from the top) of each character, left to right, symmetric."""
    if count <= 0:
        return []
    if count == 1:
        return [0.0]
    span = min(250.0, max(90.0, 23.0 * count))
    step = span / (count - 1)
    return [-span / 2 + i * step for i in range(count)]


def star_points(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    """The ten vertices of an upright five-pointed star."""
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def seal_svg(unit_name: str, level: str) -> str:
    """A standalone SVG (sized in mm) of the unit's seal: no scripts, no external references."""
    geo = SealGeometry(diameter_mm(level))
    c = geo.radius
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{geo.diameter}mm" height="{geo.diameter}mm" '
        f'viewBox="0 0 {geo.diameter} {geo.diameter}" role="img" aria-label="{escape(say("seal.image.seal_svg.1", unit_name=unit_name))}">',
        f'<title>{escape(unit_name)}</title>',
        f'<circle cx="{c}" cy="{c}" r="{c - geo.rim / 2:.3f}" fill="none" stroke="{RED_HEX}" '
        f'stroke-width="{geo.rim}"/>',
        '<polygon fill="{}" points="{}"/>'.format(
            RED_HEX, " ".join(f"{x:.3f},{y:.3f}" for x, y in star_points(c, c, geo.star_radius))),
        f'<g fill="{RED_HEX}" font-family="{FONT_STACK}" font-weight="bold" '
        f'font-size="{geo.font_size:.3f}" text-anchor="middle" dominant-baseline="central">',
    ]
    for char, angle in zip(unit_name, glyph_angles(len(unit_name)), strict=True):
        parts.append(f'<text x="{c}" y="{c - geo.text_radius:.3f}" '
                     f'transform="rotate({angle:.3f} {c} {c})">{escape(char)}</text>')
    parts.append("</g></svg>")
    return "\n".join(parts) + "\n"


def cjk_font() -> tuple[str, int]:
    """(file, face index) of the installed Noto Serif CJK SC (宋体 style); refuse when missing."""
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", "Noto Serif CJK SC:style=Bold"],
                             capture_output=True, text=True, check=False).stdout.split("\n")
        if len(out) >= 2 and "SerifCJK" in out[0].replace(" ", "") and Path(out[0]).is_file():
            return out[0], int(out[1] or 0)
    except FileNotFoundError:
        pass
    for path in KNOWN_FONTS:
        if Path(path).is_file():
            return path, _sc_index(path)
    raise Refused("seal-font-missing")


def _sc_index(path: str) -> int:
    from PIL import ImageFont
    for index in range(16):
        try:
            font = ImageFont.truetype(path, 10, index=index)
        except OSError:
            break
        if (font.getname()[0] or "").endswith("SC"):
            return index
    return 0


def seal_png(unit_name: str, level: str, out_path: str | Path, dpi: int = PNG_DPI) -> Path:
    """Draw the seal as a PNG at `dpi` (real size: diameter in mm at that resolution)."""
    from PIL import Image, ImageDraw, ImageFont
    geo = SealGeometry(diameter_mm(level))
    scale = dpi / 25.4  # px per mm
    size = round(geo.diameter * scale)
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    rim = max(1, round(geo.rim * scale))
    draw.ellipse([rim // 2, rim // 2, size - 1 - rim // 2, size - 1 - rim // 2], outline=RED, width=rim)
    c = size / 2
    draw.polygon(star_points(c, c, geo.star_radius * scale), fill=RED)
    font_file, index = cjk_font()
    font = ImageFont.truetype(font_file, round(geo.font_size * scale), index=index)
    box = round(geo.font_size * scale * 1.6)
    for char, angle in zip(unit_name, glyph_angles(len(unit_name)), strict=True):
        glyph = Image.new("RGBA", (box, box), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((box / 2, box / 2), char, font=font, fill=RED, anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
        theta = math.radians(angle)
        gx = c + geo.text_radius * scale * math.sin(theta)
        gy = c - geo.text_radius * scale * math.cos(theta)
        img.alpha_composite(glyph, (round(gx - box / 2), round(gy - box / 2)))
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out, "PNG", dpi=(dpi, dpi))
    return out
