"""The yearly statistics as an SVG bar chart (plain SVG: no script, no external reference), for
the site's statistics page: items by unit, by retention and by type."""
from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from repo_tools.archive.stats import stats
from repo_tools.city import City
from repo_tools.messages import say

WIDTH = 720
LABEL = 230
BAR_MAX = 380
ROW = 26
COLOURS = {"unit": "#b22222", "retention": "#8b4513", "type": "#2f4f4f"}
FONT = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',sans-serif"


def render(data: dict[str, Any]) -> str:
    """An SVG document for a `stats()` result."""
    names = data.get("retention_names", {})
    panels = [
        (say("archive.stats_svg.render.1"), "unit", [(u["name"], u["items"]) for u in data["units"]]),
        (say("archive.stats_svg.render.2"), "retention", [(f"{names.get(c, c)}（{c}）", n) for c, n in data["by_retention"].items()]),
        (say("archive.stats_svg.render.3"), "type", list(data["by_type"].items())),
    ]
    top = 64
    body: list[str] = []
    y = top
    biggest = max([n for _, _, rows in panels for _, n in rows] + [1])
    for title, kind, rows in panels:
        body.append(f'<text x="16" y="{y + 16}" class="h">{escape(title)}</text>')
        y += 26
        if not rows:
            body.append(f'<text x="{LABEL}" y="{y + 16}" class="n">{say("archive.stats_svg.render.4")}</text>')
            y += ROW
        for label, n in rows:
            width = max(2, round(BAR_MAX * n / biggest))
            body.append(f'<text x="{LABEL - 8}" y="{y + 17}" class="l" text-anchor="end">{escape(str(label))}</text>')
            count = say("archive.stats_svg.render.6", n=n)
            body.append(f'<rect x="{LABEL}" y="{y + 4}" width="{width}" height="{ROW - 8}" fill="{COLOURS[kind]}">'
                        f'<title>{say("archive.stats_svg.render.5", label=escape(str(label)), count=count)}</title></rect>')
            body.append(f'<text x="{LABEL + width + 6}" y="{y + 17}" class="n">{count}</text>')
            y += ROW
        y += 12
    height = y + 36
    summary = (say("archive.stats_svg.render.7",
                   items=data['items'], files=data['files'], size_bytes=_size(data['bytes']), accesses=data['accesses']))
    title = say("archive.stats_svg.render.8", year=data['year'])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">'
            f'<title>{escape(title)}</title>'
            f'<style>text{{font-family:{FONT};font-size:14px;fill:#222}}.t{{font-size:20px;font-weight:bold}}'
            f'.h{{font-weight:bold}}.n{{fill:#444}}.s{{fill:#555;font-size:13px}}</style>'
            f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>'
            f'<text x="16" y="30" class="t">{escape(title)}</text>'
            f'<text x="16" y="52" class="s">{escape(summary)}</text>'
            + "".join(body)
            + f'<text x="16" y="{height - 14}" class="s">{say("archive.stats_svg.render.9")}</text>'
            + "</svg>")


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return say("archive.stats_svg._size.1", n=n) if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def stats_svg(city: City, year: int) -> str:
    """The statistics chart of `year` for the whole city."""
    return render(stats(city, year))
