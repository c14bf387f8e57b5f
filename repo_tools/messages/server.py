"""What `repo_tools/server` says to its users, sentence by sentence (Simplified Chinese).

Ids are `<concern>.<module>.<function>.<n>`: where the sentence is said. A template with
`{fields}` is filled by `say(id, **fields)`; one said without fields is returned as written.
"""
from __future__ import annotations

TEXT: dict[str, str] = {
    'server.access.conf_text.1': '# 由 oa 根据登记系统自动生成，请勿手工修改（每次登记系统推送后重写）。',
    'server.identity.enable_ssh.1': '密钥 {fingerprint} 没有认证子密钥',
    'server.remote.clone_over_ssh.1': '目录',
    'server.service.start.1': 'sshd 配置检查失败：{stderr_strip}',
    'server.service.start.2': '请重新运行 `oa server setup`。',
    'server.service.start.3': 'sshd 未能启动，请查看 {sshd_log}。',
    'server.service.start.4': '检查端口是否被占用。',
    'server.service.text.1': '服务状态：',
    'server.service.text.2': '正常',
    'server.service.text.3': '有 {len_problems} 项问题',
    'server.service.status.1': '服务账户 {account}（uid {pw_uid}）存在',
    'server.service.status.2': '服务账户 {account} 不存在：请重新运行 `oa server setup`',
    'server.service.status.3': '城市目录 {root} 的属主或权限不对（应为 {account}、0700）',
    'server.service.status.4': '城市目录属于 {account}，权限 0700：他人无法读取',
    'server.service.status.5': 'sshd 运行中（进程 {pid}，端口 {settings_get}，地址 {settings_get2}）',
    'server.service.status.6': 'sshd 未运行：请用 `oa server start` 启动',
    'server.service.status.7': '服务器上仍有 {len_leaked} 个个人或印章私钥目录：请移交本人后删除',
    'server.service.status.8': '服务器不保存任何个人或印章私钥',
    'server.service.status.9': '钩子解释器可由 {account} 运行（{python}）',
    'server.service.status.10': '钩子解释器无法由 {account} 运行：{stderr_decode}',
    'server.service.status.11': '仓库 {name} 未挂接 gitolite 与本系统的钩子：请重新运行 `oa server setup`',
    'server.service.status.12': '访问规则已由登记系统生成（{keys} 人可通过 SSH 访问）',
    'server.service.status.13': 'gitolite 访问规则尚未生成',
    'server.setup._site_packages.1': '找不到当前解释器的 site-packages',
    'server.shell.refuse.1': '拒绝（{article}）：{message}{remedy}',
}
