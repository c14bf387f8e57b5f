"""git/repo.py: the object reader's pipelined preload answers as its reads one by one do."""
from __future__ import annotations

from repo_tools.git.repo import ObjectReader, clean_env, git


def test_preloaded_objects_read_as_one_by_one(ws):  # type: ignore[no-untyped-def]
    repo = ws.city.registry_repo
    commits = git("rev-list", "refs/heads/main", cwd=repo, env=clean_env()).split()
    revs = [*commits, "refs/heads/main:", "refs/heads/main", "0" * 40, "no-such-ref:nothing"]
    with ObjectReader(repo, env=clean_env()) as one, ObjectReader(repo, env=clean_env()) as many:
        expected = [one.read(r) for r in revs]
        many.preload(revs * 2)  # twice: each is kept once
        assert [many.read(r) for r in revs] == expected
        assert expected[-1] is None and expected[-2] is None and expected[0] is not None
        assert many.read(commits[0]) == expected[0]  # read again: from git, not the preload
