"""Delivery and handling records as pydantic models, validated where they are read: a malformed
record is refused naming the file and the field; a well-formed one reads as before."""
from __future__ import annotations

import pytest
import yaml
from fixtures import Workspace

from repo_tools.git.repo import clean_env, git
from repo_tools.registry.records import RecordError
from repo_tools.transmit import deliveries as transmit
from repo_tools.transmit.records import parse_delivery, parse_handling

RECORD = {"from": "lagov", "from_name": "六安市人民政府办公室", "to": "jyj", "to_name": "六安市教育局",
          "number": "六政办〔2013〕1号", "title": "通知", "urgency": None, "type": "通知",
          "path": "documents/2013/x", "sealing_commit": "a" * 40, "document_tree": "b" * 40,
          "sender": "qian", "sender_name": "钱丽", "resend_of": None}


def test_a_well_formed_delivery_record_keeps_its_keys() -> None:
    data = yaml.safe_dump(RECORD, allow_unicode=True, sort_keys=False).encode()
    assert parse_delivery(data, "delivery.yaml").as_dict() == RECORD
    step = parse_handling(b"action: registered\ndelivery: abc\nby: zheng\nregister: {year: 2013, number: 3, label: x}\n",
                          "handling/2-registered.yaml")
    assert step.by == "zheng" and step.entry is not None and step.entry.number == 3


@pytest.mark.parametrize(("change", "field"), [
    ({"urgency": "很急"}, "urgency"), ({"from": ""}, "from"), ({"recipient": "jyj"}, "recipient"),
    ({"number": None}, "number"),
])
def test_malformed_delivery_record_names_the_field(change: dict, field: str) -> None:
    data = yaml.safe_dump({**RECORD, **change}, allow_unicode=True).encode()
    with pytest.raises(RecordError) as caught:
        parse_delivery(data, "refs/inbox/lagov/x:delivery.yaml")
    assert caught.value.field == field and "refs/inbox/lagov/x:delivery.yaml" in str(caught.value)
    with pytest.raises(RecordError) as caught:
        parse_handling(b"action: opened\nby: zheng\n", "handling/1-opened.yaml")
    assert caught.value.field == "action"


def test_reading_an_inbox_with_a_malformed_record_refuses_and_changes_nothing(ws: Workspace) -> None:
    """A delivery that reached the inbox some other way (no hook) is refused when read."""
    repo = ws.city.unit_repo("jyj")
    env = clean_env()
    record = git("hash-object", "-w", "--stdin", cwd=repo, env=env,
                 input=yaml.safe_dump({**RECORD, "urgency": "很急"}, allow_unicode=True).encode()).strip()
    doc = git("hash-object", "-w", "--stdin", cwd=repo, env=env, input=b"---\ntitle: x\n---\n").strip()
    document = git("mktree", cwd=repo, env=env, input=f"100644 blob {doc}\tindex.md\n".encode()).strip()
    tree = git("mktree", cwd=repo, env=env,
               input=f"100644 blob {record}\tdelivery.yaml\n040000 tree {document}\tdocument\n".encode()).strip()
    commit = git("commit-tree", tree, "-m", "传输", cwd=repo,
                 env={**env, "GIT_AUTHOR_NAME": "x", "GIT_AUTHOR_EMAIL": "x@x", "GIT_COMMITTER_NAME": "x",
                      "GIT_COMMITTER_EMAIL": "x@x"}).strip()
    ref = f"refs/inbox/lagov/{commit[:12]}"
    git("update-ref", ref, commit, cwd=repo, env=env)
    before = ws.snapshot()
    with pytest.raises(RecordError) as caught:
        transmit.deliveries_in(ws.city, "jyj")
    assert caught.value.field == "urgency" and f"{ref}:delivery.yaml" in str(caught.value)
    assert "传输记录" in str(caught.value)
    assert ws.snapshot() == before
