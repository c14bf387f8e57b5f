"""The number index: 发文字号 on `main` answered from the index the hooks keep, exactly as
reading every document would, at the kept commit, at a later one and with the index lost."""
from __future__ import annotations

from fixtures import Workspace

from repo_tools.git.repo import clean_env, rev_parse
from repo_tools.seal import numbering

NOTICE = """---
type: 通知
title: 六安市人民政府办公室关于做好{what}工作的通知
recipients: [各县区人民政府]
date: 2026-11-20
---

现就{what}工作通知如下。
"""


def owners_everywhere(index: numbering.NumberIndex, repo: object, at: str) -> dict[str, list[str]]:
    everything = numbering.numbers_on(repo, at)  # type: ignore[arg-type]
    return {str(n): index.owners(n, at=at) for n in set(everything.values())}


def expected(repo: object, at: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path, number in numbering.numbers_on(repo, at).items():  # type: ignore[arg-type]
        found.setdefault(str(number), []).append(path)
    return {k: sorted(v) for k, v in found.items()}


def test_index_answers_as_every_document_on_main_and_follows_main(ws: Workspace) -> None:
    repo = ws.city.unit_repo("lagov")
    first = ws.land("lagov", "zhang", {"documents/2026/first/index.md": NOTICE.format(what="年终")})
    kept = numbering.NumberIndex(repo)
    kept.advance(first)  # as the post-receive hook does
    assert owners_everywhere(kept, repo, first) == expected(repo, first)
    assert expected(repo, first)  # the sample city and the new notice carry numbers
    kept.close()
    second = ws.land("lagov", "zhang", {"documents/2026/second/index.md": NOTICE.format(what="安全")})
    index = numbering.NumberIndex(repo)
    assert owners_everywhere(index, repo, second) == expected(repo, second)
    new_number = numbering.numbers_on(repo, second)["documents/2026/second/index.md"]
    assert index.owners(new_number, at=second) == ["documents/2026/second/index.md"]
    assert index.owners(new_number, at=first) == []  # the same index asked about the older main
    assert index.owners(numbering.DocumentNumber(new_number.code, 2026, 9999), at=second) == []
    index.close()


def test_a_lost_or_damaged_index_is_built_again_from_main(ws: Workspace) -> None:
    repo = ws.city.unit_repo("lagov")
    main = rev_parse(repo, "refs/heads/main", env=clean_env())
    assert main is not None
    (repo / "oa-index").mkdir(exist_ok=True)
    (repo / "oa-index" / "numbers.sqlite").unlink(missing_ok=True)
    index = numbering.NumberIndex(repo)
    assert owners_everywhere(index, repo, main) == expected(repo, main)
    index.advance(main)
    assert owners_everywhere(index, repo, main) == expected(repo, main)
    index.close()


def test_a_damaged_index_file_is_replaced(ws: Workspace) -> None:
    repo = ws.city.unit_repo("lagov")
    main = rev_parse(repo, "refs/heads/main", env=clean_env())
    assert main is not None
    (repo / "oa-index").mkdir(exist_ok=True)
    (repo / "oa-index" / "numbers.sqlite").write_bytes(b"not a database")
    index = numbering.NumberIndex(repo)
    index.advance(main)
    assert owners_everywhere(index, repo, main) == expected(repo, main)
    index.close()
    assert (repo / "oa-index" / "numbers.sqlite").read_bytes()[:15] == b"SQLite format 3"
