"""What `repo_tools/identity` says to its users, sentence by sentence (Simplified Chinese).

Ids are `<concern>.<module>.<function>.<n>`: where the sentence is said. A template with
`{fields}` is filled by `say(id, **fields)`; one said without fields is returned as written.
"""
from __future__ import annotations

TEXT: dict[str, str] = {
    'identity.certificates._person.1': '人员',
    'identity.certificates._person.2': '请检查用户标识（oa user list）。',
    'identity.certificates.issue.1': '新办或补发数字证书',
    'identity.certificates.issue.2': '公钥',
    'identity.certificates.issue.3': '颁发数字证书：{user}（{name}）新证书 {fingerprint}（审批：{approved_by}，经办：{actor}，申请 {id}）',
    'identity.certificates.revoke.1': '未知的注销原因“{reason}”。',
    'identity.certificates.revoke.2': '可用原因：{value_join}。',
    'identity.certificates.revoke.3': '没有可注销的有效证书',
    'identity.certificates.revoke.4': '请用 `oa user list` 与登记系统核对证书状态。',
    'identity.certificates.revoke.5': '--compromised-since 只用于原因 compromised（泄露）。',
    'identity.certificates.revoke.6': '去掉 --compromised-since，或把原因改为 compromised。',
    'identity.certificates.revoke.7': '泄露时间 {compromised_since} 无效或在将来。',
    'identity.certificates.revoke.8': '请给出 ISO 8601 时间，例如 2026-03-01T09:00:00+08:00。',
    'identity.certificates.revoke.9': '注销数字证书：{user}（{name}）证书 {fingerprint}，原因：{reasons}',
    'identity.certificates.revoke.10': '，自 {since} 起视为泄露',
    'identity.certificates.revoke.11': '（审批：{approved_by}，经办：{actor}，申请 {id}）',
    'identity.keyring_export.export.1': '目录',
    'identity.keyring_export.export.2': '本目录是登记系统全部公钥（人员与电子印章，含已作废的）的 GnuPG 密钥环。\n用法：GNUPGHOME=本目录 git verify-commit <提交>；GNUPGHOME=本目录 git verify-tag <标签>\n注意：git 只检查签名是否出自这些密钥；签名当时密钥是否有效，请对照登记系统的有效期（oa verify）。\n',
    'identity.keys.keyring.1': 'GnuPG 目录路径过长，gpg-agent 无法创建套接字：{home}（请使用更短的城市目录路径）',
    'identity.keys.generate.1': '无法生成密钥：{stderr}',
    'identity.keys.add_encryption_subkey.1': '无法添加加密子密钥：{stderr_decode}',
    'identity.keys.export_public.1': '密钥环中没有公钥 {fingerprint}',
    'identity.keys.import_keys.1': '文件中没有可导入的 OpenPGP 公钥',
    'identity.keys.sign_detached.1': '签名失败：{stderr}',
}
