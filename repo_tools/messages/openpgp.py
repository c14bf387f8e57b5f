"""What `repo_tools/openpgp` says to its users, sentence by sentence (Simplified Chinese).

Ids are `<concern>.<module>.<function>.<n>`: where the sentence is said. A template with
`{fields}` is filled by `say(id, **fields)`; one said without fields is returned as written.
"""
from __future__ import annotations

TEXT: dict[str, str] = {
    'openpgp.batch.module.1': '未校验：本次推送中已有多个签名无效',
    'openpgp.batch._run.1': 'gpg 无法校验（{returncode}）',
}
