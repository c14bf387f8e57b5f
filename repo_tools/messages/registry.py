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
    'registry.records.holders.1': '{name}电子印章',
    'registry.records.__init__.1': '（整个文件）',
    'registry.records.field_problem.1': '缺少该字段',
    'registry.records.field_problem.2': '应为文字',
    'registry.records.field_problem.3': '应为列表',
    'registry.records.field_problem.4': '应为整数',
    'registry.records.field_problem.5': '应为映射',
    'registry.records.field_problem.6': '应为 true 或 false',
    'registry.records.field_problem.7': '不是该记录的字段（可能拼错了）',
    'registry.records.field_problem.8': '取值无效',
    'registry.records.field_problem.9': '取值无效（{msg}）',
    'registry.records.validated.1': '文件内容必须是 YAML/JSON 映射',
    'registry.records.module.1': '单位登记记录',
    'registry.records.module.2': '人员登记记录',
    'registry.records.module.3': '印章登记记录',
    'registry.records.load_record.1': '登记记录',
    'registry.records.load_record.2': '不是有效的 YAML（{value}）',
    'registry.records.load_record.3': '文件内容必须是 YAML 映射',
    'registry.records.load_record.4': 'seals 应为列表',
    'registry.records.load_record.5': '{path}（第 {i} 枚印章）',
    'registry.records.key_holder.1': '{name}电子印章',
}
