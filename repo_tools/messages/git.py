"""What `repo_tools/git` says to its users, sentence by sentence (Simplified Chinese).

Ids are `<concern>.<module>.<function>.<n>`: where the sentence is said. A template with
`{fields}` is filled by `say(id, **fields)`; one said without fields is returned as written.
"""
from __future__ import annotations

TEXT: dict[str, str] = {
    'git.clone.clone.1': '单位',
    'git.clone.clone.2': '请检查单位标识（oa unit list）。',
    'git.clone.clone.3': '目录',
    'git.push._failure.1': '签名密钥未登记',
    'git.push._failure.2': '签名校验失败（{status}）',
    'git.push._result.1': '签名有效',
    'git.push.check.1': '没有签名',
    'git.push.check.2': '签名有效',
    'git.push.nonce_problem.1': '缺失',
    'git.push.nonce_problem.2': '格式不对',
    'git.push.nonce_problem.3': '已过期（可能是重放的旧证书）',
    'git.push.nonce_problem.4': '服务器仓库没有设置 receive.certNonceSeed',
    'git.push.nonce_problem.5': '不是本仓库签发的随机数',
    'git.push.pushee_problem.1': '证书没有写明推送目标（pushee）',
    'git.push.pushee_problem.2': '证书的推送目标是 {pushee}',
}
