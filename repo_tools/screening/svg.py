"""What makes an SVG active (Art. 40): anything that runs script or loads something from
elsewhere. Judged on the parsed document (defusedxml: no entity declarations, so no XXE and
no billion laughs), by local names, so every namespace prefix (`<svg:script>`, `<h:iframe>`)
counts; CSS is read after its escapes and comments are undone (`u\\rl(`, `\\75 rl(`).

Only local references (`#id`, `url(#id)`) are allowed: an SVG on the site must not reach out.
"""
from __future__ import annotations

import re

from repo_tools.messages import say
from repo_tools.screening.text import decode

ACTIVE_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener",
                   "audio", "video", "frame", "frameset", "applet", "base", "link", "meta", "form",
                   "input", "button", "textarea", "portal", "include", "animation"}
ANIMATION_ELEMENTS = {"set", "animate", "animatemotion", "animatetransform", "animatecolor"}
REFERENCE_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "codebase", "background",
                        "poster", "srcset", "ping", "lowsrc", "dynsrc"}
DANGEROUS_SCHEMES = re.compile(r"(?:java|vb|live)script:|data:(?!image/(?:png|jpeg|gif|webp)[;,])", re.I)
CSS_ESCAPE_HEX = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\r\n\f]?")
CSS_ESCAPE_CHAR = re.compile(r"\\(.)", re.S)
CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.S)
CSS_URL = re.compile(r"url\s*\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
CSS_ACTIVE = re.compile(r"@import|expression\s*\(|behaviou?r\s*:|-moz-binding|javascript:|image-set\s*\(|"
                        r"src\s*\(", re.I)
CSS_URL_OPEN = re.compile(r"url\s*\(", re.I)
XML_DECL_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*(['\"])[^'\"]*\2", re.S)


def css_plain(css: str) -> str:
    """CSS with comments removed and escapes decoded, as the browser's tokenizer reads it."""
    css = CSS_COMMENT.sub("", css)

    def hex_char(match: re.Match[str]) -> str:
        code = int(match.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"

    css = CSS_ESCAPE_HEX.sub(hex_char, css)
    css = CSS_ESCAPE_CHAR.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), css)
    return "".join(ch for ch in css if ch >= " " or ch in "\t\n")


def css_problems(css: str) -> set[str]:
    """External references and script in a piece of CSS (a style attribute or element)."""
    found: set[str] = set()
    plain = css_plain(css)
    if CSS_ACTIVE.search(plain):
        found.add(say("screening.svg.css_problems.1"))
    opened = len(CSS_URL_OPEN.findall(plain))
    locals_ = 0
    for match in CSS_URL.finditer(plain):
        target = match.group(2).strip()
        if target.startswith("#") and not DANGEROUS_SCHEMES.search(target):
            locals_ += 1
        else:
            found.add(say("screening.svg.css_problems.2", target=target[:40]))
    if opened > locals_ and not found:
        found.add(say("screening.svg.css_problems.3"))
    return found


def _local(name: str) -> str:
    return str(name).rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _text_of(data: bytes) -> str | None:
    text = decode(data)
    if text is None:
        try:
            text = data.decode("latin-1")
        except UnicodeDecodeError:
            return None
    # The bytes are decoded already: drop the declared encoding so the parser does not re-decode.
    return XML_DECL_ENCODING.sub(r"\1", text, count=1)


def svg_problems(data: bytes) -> tuple[set[str], str | None]:
    """(what makes the SVG active, why it cannot be read); both empty/None for a clean SVG."""
    from defusedxml import ElementTree as SafeET
    from defusedxml.common import DefusedXmlException
    text = _text_of(data)
    if text is None:
        return set(), say("screening.svg.svg_problems.1")
    found: set[str] = set()
    head = text[:65536].lower()
    if "<?xml-stylesheet" in head.replace(" ", ""):
        found.add(say("screening.svg.svg_problems.2"))
    try:
        root = SafeET.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        return {say("screening.svg.svg_problems.3")}, None
    except Exception as exc:  # noqa: BLE001 - any parser failure: not a readable SVG
        return found, f"SVG：{str(exc)[:120]}"
    if _local(root.tag) != "svg":
        found.add(say("screening.svg.svg_problems.4", local_tag=_local(root.tag)))
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = _local(element.tag)
        if tag in ACTIVE_ELEMENTS:
            found.add(say("screening.svg.svg_problems.5", tag=tag))
        if tag == "style" or tag.endswith("style"):
            found |= css_problems("".join(element.itertext()))
        if tag in ANIMATION_ELEMENTS:
            target = _local(element.attrib.get("attributeName", ""))
            if target in REFERENCE_ATTRIBUTES or target.startswith("on") or target == "style":
                found.add(say("screening.svg.svg_problems.6", target=target))
        for name, value in element.attrib.items():
            local = _local(name)
            squeezed = "".join(ch for ch in value if ch > " ").lower()
            if local.startswith("on"):
                found.add(say("screening.svg.svg_problems.7", local=local))
            elif local in REFERENCE_ATTRIBUTES:
                if not value.strip().startswith("#") or DANGEROUS_SCHEMES.search(squeezed):
                    found.add(say("screening.svg.svg_problems.8", value_strip=value.strip()[:60]))
            if "script:" in squeezed:  # javascript:, vbscript:, livescript: in any attribute
                found.add(say("screening.svg.svg_problems.9"))
            if local == "style" or "url(" in squeezed or "\\" in value or "@import" in squeezed:
                found |= css_problems(value)
    return found, None
