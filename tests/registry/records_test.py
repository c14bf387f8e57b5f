"""Registry records as pydantic models: a malformed record is refused naming the file and the
field, on push (nothing lands) and on read; a well-formed one is accepted."""
from __future__ import annotations

import pytest
import yaml
from fixtures import Workspace

from repo_tools.git.repo import PushRefused, Scratch, clean_env, git
from repo_tools.registry.records import Person, RecordError, Registry, dump, load_record


def test_well_formed_records_load_as_models() -> None:
    person = load_record("people/li.yaml", yaml.safe_dump({
        "id": "li", "name": "李华", "unit": "lagov", "roles": ["reviewer"],
        "keys": [{"fingerprint": "AB" * 20, "valid_from": "2013-01-01T00:00:00+08:00"}]}).encode())
    assert isinstance(person, Person) and person.keys[0].fingerprint == "AB" * 20
    assert load_record("people/li.yaml", dump(person)) == person  # what the registry writes, it reads
    # an unquoted YAML date keeps its ISO text
    unit = load_record("units/x.yaml", b"id: x\nname: X\ncodes: [X]\ncreated_at: 2013-01-01\n")
    assert unit.created_at == "2013-01-01"  # type: ignore[union-attr]


@pytest.mark.parametrize(("path", "text", "field"), [
    ("people/li.yaml", "id: li\nname: 李华\nunit: lagov\nroles: reviewer\n", "roles"),
    ("people/li.yaml", "id: li\nname: 李华\nunit: lagov\nroles: [reviewer]\nrole: admin\n", "role"),
    ("people/li.yaml", "name: 李华\nunit: lagov\nroles: []\n", "id"),
    ("seals/lagov.yaml", "seals:\n- id: lagov-1\n  unit: lagov\n  key: {fingerprint: 12, valid_from: x}\n",
     "key.fingerprint"),
    ("units/x.yaml", "id: x\nname: X\ncodes: X\n", "codes"),
])
def test_malformed_record_names_file_and_field(path: str, text: str, field: str) -> None:
    with pytest.raises(RecordError) as caught:
        load_record(path, text.encode())
    assert caught.value.path.startswith(path) and caught.value.field == field
    assert path in str(caught.value) and f"字段 {field}" in str(caught.value) and "不合规范" in str(caught.value)


def _push_person(ws: Workspace, text: str) -> None:
    city = ws.city
    with Scratch(city.registry_repo, city.signer("admin")) as scratch:
        oid = scratch.commit({"people/li.yaml": text.encode()}, "改人员记录")
        scratch.push([f"{oid}:refs/heads/main"])


def test_registry_hook_refuses_a_malformed_person_and_keeps_everything(ws: Workspace) -> None:
    before = ws.snapshot()
    good = yaml.safe_load(git("show", "refs/heads/main:people/li.yaml", cwd=ws.city.registry_repo, env=clean_env()))
    bad = {**good, "roles": "reviewer"}  # a string where the model wants a list
    with pytest.raises(PushRefused) as refused:
        _push_person(ws, yaml.safe_dump(bad, allow_unicode=True))
    assert "registry-invalid" in refused.value.message and "people/li.yaml" in refused.value.message
    assert "字段 roles" in refused.value.message, refused.value.message
    assert ws.snapshot() == before, "a refused registry push changed refs, registry or log"


def test_registry_hook_accepts_a_well_formed_change(ws: Workspace) -> None:
    good = yaml.safe_load(git("show", "refs/heads/main:people/li.yaml", cwd=ws.city.registry_repo, env=clean_env()))
    good["email"] = "li.hua@lagov.oa.local"
    _push_person(ws, yaml.safe_dump(good, allow_unicode=True, sort_keys=False))
    assert ws.city.registry().people["li"].email == "li.hua@lagov.oa.local"


def test_reading_a_malformed_record_refuses_and_names_it(ws: Workspace) -> None:
    """A record that reached the repository some other way (no hook) is refused when read."""
    repo = ws.city.registry_repo
    main = git("rev-parse", "refs/heads/main", cwd=repo, env=clean_env()).strip()
    blob = git("hash-object", "-w", "--stdin", cwd=repo, env=clean_env(),
               input=b"id: li\nname: x\nunit: lagov\nroles: [reviewer]\nstatus: nobody\n").strip()
    env = {**clean_env(), "GIT_INDEX_FILE": str(ws.base / "reg-index")}
    git("read-tree", main, cwd=repo, env=env)
    git("update-index", "--cacheinfo", f"100644,{blob},people/li.yaml", cwd=repo, env=env)
    tree = git("write-tree", cwd=repo, env=env).strip()
    commit = git("commit-tree", tree, "-p", main, "-m", "bypass", cwd=repo,
                 env={**env, "GIT_AUTHOR_NAME": "x", "GIT_AUTHOR_EMAIL": "x@x", "GIT_COMMITTER_NAME": "x",
                      "GIT_COMMITTER_EMAIL": "x@x"}).strip()
    with pytest.raises(RecordError) as caught:
        Registry.load(repo, commit)
    assert caught.value.path == "people/li.yaml" and caught.value.field == "status"
    assert Registry.load(repo).people["li"].status == "active"  # main itself is untouched
