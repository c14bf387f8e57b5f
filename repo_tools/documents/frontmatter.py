"""Front matter: the YAML block between `---` lines at the top of a document or bulletin.

Reading returns (metadata, body). Writing changes only the named keys, so that the sealing
merge can fill `number` and `sealed_on` while every other byte of the file stays as signed.
"""
from __future__ import annotations

import re
from typing import Any

import yaml

from repo_tools.messages import say

# libyaml's parser when PyYAML was built with it (the same safe constructors, several times faster:
# a full site build parses every document's front matter).
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FENCE = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)---[ \t]*(?:\r?\n|\Z)", re.S)


# Anchors and aliases let a few lines expand to gigabytes ("billion laughs") in whoever walks
# the result (the site's JSON, the hook's schema): front matter has no use for them.
ALIAS_HINT = re.compile(r"[&*][^\s,\[\]{}]")
MAX_BLOCK = 64 * 1024


def _has_alias(block: str) -> bool:
    try:
        return any(isinstance(token, (yaml.AliasToken, yaml.AnchorToken)) for token in yaml.scan(block))
    except yaml.YAMLError:
        return False  # the loader reports the error


class FrontMatterError(ValueError):
    """The file has no readable front matter."""


def split(text: str, loader: Any = None) -> tuple[dict[str, Any], str]:
    """(metadata, body) of a Markdown file with YAML front matter.

    The one loader of front matter: the hook's rules, `oa doc check` and the site all read a
    file through here (`loader`: a SafeLoader subclass, e.g. one keeping impossible dates as text)."""
    match = FENCE.match(text)
    if not match:
        raise FrontMatterError(say("documents.frontmatter.split.1"))
    block = match.group(1)
    if len(block) > MAX_BLOCK:
        raise FrontMatterError(say("documents.frontmatter.split.2",
                                   len_block=len(block), max_block=MAX_BLOCK))
    if ALIAS_HINT.search(block) and _has_alias(block):
        raise FrontMatterError(say("documents.frontmatter.split.3"))
    try:
        meta = yaml.load(block, Loader=loader or LOADER) or {}  # noqa: S506 - a safe loader
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as exc:
        # ValueError: an impossible date (2013-02-30) or an integer of thousands of digits
        raise FrontMatterError(say("documents.frontmatter.split.4", str_exc=str(exc)[:200])) from exc
    if not isinstance(meta, dict):
        raise FrontMatterError(say("documents.frontmatter.split.5"))
    return meta, text[match.end():]


def json_safe(value: Any) -> Any:
    """Front-matter values made JSON-safe (dates as ISO strings), for metadata and stable hashes."""
    from datetime import date, datetime
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value


def join(meta: dict[str, Any], body: str) -> str:
    block = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return f"---\n{block}---\n{body if body.startswith(chr(10)) else chr(10) + body}"


def set_fields(text: str, fields: dict[str, Any]) -> str:
    """Set top-level scalar keys in the front matter, touching no other line."""
    match = FENCE.match(text)
    if not match:
        raise FrontMatterError(say("documents.frontmatter.set_fields.1"))
    lines = match.group(1).split("\n")
    for key, value in fields.items():
        rendered = f"{key}: {_scalar(value)}"
        pattern = re.compile(rf"^{re.escape(key)}\s*:")
        for i, line in enumerate(lines):
            if pattern.match(line):
                lines[i] = rendered
                break
        else:
            lines.append(rendered)
    block = "\n".join(lines)
    return f"---\n{block}\n---\n" + text[match.end():]


def _scalar(value: Any) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True).strip()
    return dumped[:-4].strip() if dumped.endswith("\n...") else dumped.removesuffix("...").strip()
