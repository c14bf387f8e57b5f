"""档号 (archival reference, DA/T 22-2015): `全宗号-门类代码·年度-保管期限-机构代码-件号`,
e.g. `Z109-WS·2013-Y-BGS-0001` (the 机构 part is optional: `Z109-WS·2013-Y-0001`).

Item numbers (件号) run from 0001 within year → retention → 机构, so two groups of the same
year may both hold a 0001; the reference as a whole is unique.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

CATEGORY = "WS"  # 文书

REFERENCE = re.compile(
    r"^(?P<fonds>[A-Za-z0-9]{1,4})-(?P<category>[A-Z]{2})·(?P<year>\d{4})-(?P<retention>Y|D30|D10)"
    r"(?:-(?P<org>[A-Za-z0-9]{1,8}))?-(?P<item>\d{4})$")


@dataclass(frozen=True, order=True)
class ArchiveReference:
    """One 档号, broken into its parts."""
    fonds: str
    year: int
    retention: str
    org: str
    item: int
    category: str = CATEGORY

    def __str__(self) -> str:
        org = f"-{self.org}" if self.org else ""
        return f"{self.fonds}-{self.category}·{self.year}-{self.retention}{org}-{self.item:04d}"

    @property
    def group(self) -> tuple[str, int, str, str]:
        """The numbering group: item numbers restart for each (fonds, year, retention, 机构)."""
        return (self.fonds, self.year, self.retention, self.org)


def parse(text: str) -> ArchiveReference | None:
    """The parts of a well-formed 档号, or None."""
    match = REFERENCE.match(text.strip()) if text else None
    if not match:
        return None
    return ArchiveReference(fonds=match["fonds"], year=int(match["year"]), retention=match["retention"],
                            org=match["org"] or "", item=int(match["item"]), category=match["category"])


def valid_fonds(fonds: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9]{1,4}", fonds or ""))


def allocate(fonds: str, year: int, org: str, retentions: list[str],
             existing: list[ArchiveReference]) -> list[ArchiveReference]:
    """References for new items (given by retention code, in catalogue order), continuing
    each group's numbering after the references already used."""
    last: dict[tuple[str, int, str, str], int] = {}
    for ref in existing:
        last[ref.group] = max(last.get(ref.group, 0), ref.item)
    out: list[ArchiveReference] = []
    for retention in retentions:
        group = (fonds, year, retention, org)
        last[group] = last.get(group, 0) + 1
        out.append(ArchiveReference(fonds, year, retention, org, last[group]))
    return out


def gaps(references: list[ArchiveReference]) -> list[str]:
    """Missing item numbers per group (完整性: no gaps in item numbers)."""
    groups: dict[tuple[str, int, str, str], list[int]] = {}
    for ref in references:
        groups.setdefault(ref.group, []).append(ref.item)
    missing: list[str] = []
    for group, items in sorted(groups.items()):
        present = set(items)
        for n in range(1, max(items) + 1):
            if n not in present:
                missing.append(str(ArchiveReference(group[0], group[1], group[2], group[3], n)))
    return missing
