"""Access (调阅) records as a pydantic model: the register reads them through it."""
from __future__ import annotations

import json

import pytest

from repo_tools.archive.access import parse_access
from repo_tools.registry.records import RecordError

RECORD = {"档号": "0001-2013-WS10-0001", "题名": "办法", "文号": "六政办秘〔2013〕27号", "档案包": "archive/2013",
          "归档标签": "refs/tags/archive/2013", "调阅人": "sun", "姓名": "孙伟", "单位": "lagov", "事由": "参考",
          "调阅时间（本机）": "2026-12-01T10:00:00+08:00", "依据": "第三十七条"}


def test_a_well_formed_access_record_reads() -> None:
    record = parse_access(json.dumps(RECORD, ensure_ascii=False).encode(), "archive/access/2026/x.json")
    assert (record.reference, record.reader, record.reason) == ("0001-2013-WS10-0001", "sun", "参考")


@pytest.mark.parametrize(("change", "field"), [({"事由": ""}, "事由"), ({"调阅人": None}, "调阅人"), ({"备注": "x"}, "备注")])
def test_malformed_access_record_names_the_field(change: dict, field: str) -> None:
    data = json.dumps({**RECORD, **change}, ensure_ascii=False).encode()
    with pytest.raises(RecordError) as caught:
        parse_access(data, "archive-register:archive/access/2026/x.json")
    assert caught.value.field == field and "archive/access/2026/x.json" in str(caught.value)
