"""Classified material stays on paper (Art. 2, 40): any 密级 marking (秘密, 机密, 绝密, e.g.
`机密★1年`, `【秘密】`) in front matter, text or a file name is refused, pointing to the paper
channel.

The words alone are not markings: the regulation itself speaks of 泄露国家秘密 and 涉密公文,
so only the forms a marking takes are matched. They are matched on the text as a reader sees it
(`screening.text`): in any encoding a 公文 uses, after NFKC (full-width forms folded), without
zero-width and other format characters, with HTML character references resolved, and with
fillers (spaces, dots, dashes, emphasis marks) between the characters of a marking ignored, so
`秘 密★`, `机\u200b密★` and `&#26426;&#23494;★` are the markings they look like.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.messages import say
from repo_tools.screening.text import decode, forms

if TYPE_CHECKING:
    from repo_tools.git.push import Push

# What may sit between the two characters of a marking without changing what a reader sees.
_F = r"[\s·・•‧∙\-‐‑‒–—_~`'\"*.,，、。|/\\]*"
# The three levels, simplified and traditional (機密, 絕密, 祕密).
LEVEL = rf"(?:[绝絕]{_F}密|[机機]{_F}密|[秘祕]{_F}密)"
LEVELS = LEVEL  # kept for callers that built patterns on the old name
STAR = r"[★☆✩✪✫✬✭✮✯✰⭐⭑⭒✱✲✳✴✵✶✷✸✹✺✻✼✽❋❉❊]"
# An ASCII `*` (and ＊, which NFKC makes `*`) is Markdown emphasis too: it is a star only
# before the period of classification (机密*1年, 秘密*长期) or alone after the level.
ASCII_STAR = r"\*\s*(?:\d|长期|[一二三四五六七八九十]+个?[年月]|$)"
OPEN = r"[【\[〔（(「『《〈<{［｛〖〘]"
CLOSE = r"[】\]〕）)」』》〉>}］｝〗〙]"
# 机密★1年, 秘密★长期, 绝密 ★ 10年, ★秘密
STAR_MARK = re.compile(rf"{LEVEL}\s*(?:{STAR}|{ASCII_STAR})|{STAR}\s*{LEVEL}", re.M)
# 密级：机密, 密级: 秘密, 密 级 ： 绝密
FIELD_MARK = re.compile(rf"密{_F}级\s*[:：=]\s*{LEVEL}")
# 【秘密】, [机密], 〔绝密〕, （秘密）: a marking in brackets, in a title as in the text
BRACKET_MARK = re.compile(rf"{OPEN}\s*{LEVEL}\s*(?:级|{STAR}[^\n{CLOSE[1:-1]}]{{0,8}})?\s*{CLOSE}")
# a line that is nothing but the marking (with its level word), as printed top left
LINE_MARK = re.compile(rf"^[\s#>*_\-]*{LEVEL}\s*级?[\s*_]*$", re.M)
# 秘密级, 机密级, 绝密级: the level named as a level
GRADE_MARK = re.compile(rf"{LEVEL}级")
# In a file name, 绝密 and 机密 are markings on their own; 秘密 when it leads the name.
NAME_MARK = re.compile(rf"(?:[绝絕]{_F}密|[机機]{_F}密)|{LEVEL}\s*{STAR}|{STAR}\s*{LEVEL}"
                       rf"|{OPEN}\s*{LEVEL}|{LEVEL}级|^\W*[秘祕]{_F}密(?:[\W_]|$)")
# 秘密级 stays out of the text rules: prose lists the levels (绝密级、机密级、秘密级国家秘密).
TEXT_MARKS = (STAR_MARK, FIELD_MARK, BRACKET_MARK, LINE_MARK)
FRONT_MATTER_KEYS = ("classification", "密级", "secrecy", "security_level")


def check_name(path: str, where: str | None = None) -> Iterator[Refusal]:
    where = where or path
    for part in path.split("/"):
        found = name_marking(part)
        if found:
            yield refusal("classified", where, path=where, detail=say("hook.rules_classification.check_name.1", found=found))
            return


@functools.lru_cache(maxsize=65536)  # every tree of a push lists mostly the same names
def name_marking(part: str) -> str | None:
    """The marking in one path component, or None."""
    for form in forms(part):
        match = NAME_MARK.search(form)
        if match:
            return match.group(0)
    return None


def marking_in(text: str) -> str | None:
    """The first marking in `text` as a reader would see it, or None."""
    for form in forms(text):
        for pattern in TEXT_MARKS:
            match = pattern.search(form)
            if match:
                return match.group(0).strip()
    return None


def check_text(path: str, text: str) -> Iterator[Refusal]:
    found = marking_in(text)
    if found:
        yield refusal("classified", path, path=path, detail=say("hook.rules_classification.check_text.1", found=found))
        return
    if text.lstrip("\ufeff").startswith("---"):
        yield from _check_front_matter(path, text.lstrip("\ufeff"))


def _check_front_matter(path: str, text: str) -> Iterator[Refusal]:
    """The values YAML yields (escapes such as "\\u673a" resolved) are what the site shows."""
    from repo_tools.documents import frontmatter
    try:
        meta, _ = frontmatter.split(text)
    except frontmatter.FrontMatterError:
        return
    for key in FRONT_MATTER_KEYS:
        if meta.get(key):
            yield refusal("classified", path, path=path, detail=say("hook.rules_classification._check_front_matter.1",
                                                                    key=key, meta=meta[key]))
            return
    for value in _strings(meta):
        found = marking_in(value)
        if found:
            yield refusal("classified", path, path=path, detail=say("hook.rules_classification._check_front_matter.2",
                                                                    found=found))
            return
        if re.fullmatch(rf"\W*{LEVEL}\W*级?\W*", value):
            yield refusal("classified", path, path=path, detail=say("hook.rules_classification._check_front_matter.3",
                                                                    value_strip=value.strip()))
            return


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    if depth > 20:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item, depth + 1)


def check_classification(path: str, data: bytes) -> Iterator[Refusal]:
    yield from check_name(path)
    text = decode(data)
    if text is None:
        return
    yield from check_text(path, text)


def messages_unmarked(push: Push) -> Iterator[Refusal]:
    """Commit and tag messages and ref names are content too (review opinions are published):
    no marking in any of them."""
    for update in push.updates:
        if not update.is_delete:
            yield from check_name(update.ref.removeprefix("refs/"), where=update.ref)
    for commit in push.new_commits:
        found = marking_in(commit.message)
        if found:
            where = say("hook.rules_classification.messages_unmarked.1", oid=commit.oid[:10])
            yield refusal("classified", where, path=where, detail=say("hook.rules_classification.messages_unmarked.2", found=found))
    tags = {tag.oid: (ref, tag) for ref, tag in push.new_objects.tags}
    tags.update({tag.oid: (update.ref, tag) for update, tag in push.new_tags})
    for ref, tag in tags.values():
        found = marking_in(tag.message)
        if found:
            where = say("hook.rules_classification.messages_unmarked.3", ref=ref)
            yield refusal("classified", where, path=where, detail=say("hook.rules_classification.messages_unmarked.2", found=found))
