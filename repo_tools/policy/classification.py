"""Classified material stays on paper (Art. 2, 40): any 密级 marking (秘密, 机密, 绝密, e.g.
`机密★1年`) in front matter, text or a file name is refused, pointing to the paper channel.

The words alone are not markings: the regulation itself speaks of 泄露国家秘密 and 涉密公文,
so only the forms a marking takes are matched.
"""
from __future__ import annotations

import re
from typing import Iterator

import yaml

from .base import Refusal, refusal

LEVELS = "绝密|机密|秘密"
# 机密★1年, 秘密★长期, 绝密 ★ 10年
STAR_MARK = re.compile(rf"({LEVELS})\s*[★☆*＊]")
# 密级：机密, 密级: 秘密
FIELD_MARK = re.compile(rf"密\s*级\s*[:：]\s*({LEVELS})")
# a line that is nothing but the marking, as printed top left of a classified document
LINE_MARK = re.compile(rf"^\s*[【\[（(]?\s*({LEVELS})\s*[】\]）)]?\s*$", re.M)
NAME_MARK = re.compile(rf"(绝密|机密)|({LEVELS})\s*[★☆*＊]|[【\[（(]\s*({LEVELS})\s*[】\]）)]|^(秘密)[-_ ．.]")
FRONT_MATTER_KEYS = ("classification", "密级", "secrecy", "security_level")


def check_name(path: str) -> Iterator[Refusal]:
    for part in path.split("/"):
        match = NAME_MARK.search(part)
        if match:
            yield refusal("classified", path, path=path, detail=f"文件名含密级标志“{match.group(0)}”")
            return


def check_text(path: str, text: str) -> Iterator[Refusal]:
    for pattern in (STAR_MARK, FIELD_MARK, LINE_MARK):
        match = pattern.search(text)
        if match:
            yield refusal("classified", path, path=path, detail=f"含密级标志“{match.group(0).strip()}”")
            return
    if text.startswith("---"):
        block = text.split("\n---", 1)[0][3:]
        try:
            meta = yaml.safe_load(block)
        except (yaml.YAMLError, ValueError):  # ValueError: a date like 2013-02-30
            return
        if isinstance(meta, dict):
            for key in FRONT_MATTER_KEYS:
                if meta.get(key):
                    yield refusal("classified", path, path=path,
                                  detail=f"前置元数据标有 {key}: {meta[key]}")
                    return


def check_classification(path: str, data: bytes) -> Iterator[Refusal]:
    yield from check_name(path)
    if b"\x00" in data[:8192]:
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    yield from check_text(path, text)
