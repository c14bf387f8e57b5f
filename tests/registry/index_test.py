"""The registry read record by record through its index answers exactly as the whole registry
read at once, at any commit, with a missing, stale, damaged or lying index."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from fixtures import Workspace

from repo_tools import city as city_mod
from repo_tools.git.repo import clean_env, rev_parse
from repo_tools.registry.index import IndexedRegistry
from repo_tools.registry.records import Registry


def db_of(ws: Workspace) -> Path:
    return ws.city.root / "server" / "registry-index.sqlite"


def assert_same(indexed: Registry, whole: Registry) -> None:
    assert indexed.commit == whole.commit
    assert sorted(indexed.people) == sorted(whole.people) and sorted(indexed.units) == sorted(whole.units)
    assert sorted(indexed.seals) == sorted(whole.seals) and sorted(indexed.key_files) == sorted(whole.key_files)
    for pid, person in whole.people.items():
        assert indexed.person(pid) == person
        assert indexed.is_egov_admin(pid) == whole.is_egov_admin(pid)
        assert indexed.is_unit_admin(pid) == whole.is_unit_admin(pid)
        for key in person.keys:
            assert indexed.key_holder(key.fingerprint.lower()) == whole.key_holder(key.fingerprint)
    for uid, unit in whole.units.items():
        assert indexed.unit(uid) == unit
        assert indexed.unit_by_name(unit.name) == whole.unit_by_name(unit.name)
        assert sorted(p.id for p in indexed.members(uid)) == sorted(p.id for p in whole.members(uid))
        assert [p.id for p in indexed.with_role(uid, "clerk")] == [p.id for p in whole.with_role(uid, "clerk")]
        assert indexed.active_seal(uid) == whole.active_seal(uid)
    for seals in whole.seals.values():
        for seal in seals:
            assert indexed.seal(seal.id) == seal
            assert indexed.key_holder(seal.key.fingerprint) == whole.key_holder(seal.key.fingerprint)
    assert indexed.person("nobody") is None and indexed.key_holder("0" * 40) is None
    assert indexed.unit_by_name("不存在的单位") is None and indexed.seal("nobody-1") is None


def open_at(ws: Workspace, rev: str = "refs/heads/main") -> IndexedRegistry:
    got = IndexedRegistry.open(ws.city.registry_repo, db_of(ws), rev)
    assert isinstance(got, IndexedRegistry)
    return got


def test_indexed_registry_answers_as_the_whole_registry(ws: Workspace) -> None:
    db_of(ws).unlink(missing_ok=True)
    indexed = open_at(ws)  # builds the index
    try:
        assert_same(indexed, ws.city.registry())
    finally:
        indexed.close()
    again = open_at(ws)  # reads the kept index
    try:
        assert_same(again, ws.city.registry())
    finally:
        again.close()


def test_index_kept_at_another_commit_is_corrected_by_the_files_that_differ(ws: Workspace) -> None:
    old = rev_parse(ws.city.registry_repo, "refs/heads/main", env=clean_env())
    open_at(ws).close()  # index kept at `old`
    city_mod.add_user(ws.city, "admin", "newclerk", "新收文员", "jyj", ["clerk"])
    new = rev_parse(ws.city.registry_repo, "refs/heads/main", env=clean_env())
    assert old != new
    now = open_at(ws)  # kept at old, asked at new
    try:
        assert now.person("newclerk") is not None
        assert_same(now, ws.city.registry())
    finally:
        now.close()
    assert old is not None
    past = open_at(ws, old)  # kept at new now, asked at old: the new clerk is not there yet
    try:
        assert past.person("newclerk") is None
        assert_same(past, Registry.load(ws.city.registry_repo, old))
    finally:
        past.close()


def test_a_damaged_index_is_rebuilt_and_a_lying_one_never_names_the_wrong_holder(ws: Workspace) -> None:
    db_of(ws).write_bytes(b"not a database")
    damaged = open_at(ws)
    try:
        assert_same(damaged, ws.city.registry())
    finally:
        damaged.close()
    db_of(ws).unlink()
    open_at(ws).close()
    whole = ws.city.registry()
    zhang_key = whole.person("zhang").current_key()  # type: ignore[union-attr]
    assert zhang_key is not None
    with sqlite3.connect(db_of(ws)) as conn:  # the index now says li's record holds zhang's key
        conn.execute("DELETE FROM lookups WHERE value = ?", (zhang_key.fingerprint.upper(),))
        conn.execute("INSERT INTO lookups (path, key, value) VALUES ('people/li.yaml', 'fingerprint', ?)",
                     (zhang_key.fingerprint.upper(),))
    lying = open_at(ws)
    try:
        assert lying.key_holder(zhang_key.fingerprint) is None  # a lookup lost, never li named for zhang's key
    finally:
        lying.close()
