"""What `repo_tools/registry` says to its users, sentence by sentence (Simplified Chinese).

Ids are `<concern>.<module>.<function>.<n>`: where the sentence is said. A template with
`{fields}` is filled by `say(id, **fields)`; one said without fields is returned as written.
"""
from __future__ import annotations

TEXT: dict[str, str] = {
    'registry.applications.from_bytes.1': '申请记录必须是 YAML 映射',
    'registry.applications.from_bytes.2': '未知的申请事项 {action}',
    'registry.applications.sign.1': '没有有效的数字证书，不能签名',
    'registry.applications.sign.2': '请先补发数字证书（oa cert issue）。',
    'registry.records._load_yaml.1': '登记文件必须是 YAML 映射',
    'registry.records.holders.1': '{name}电子印章',
}
