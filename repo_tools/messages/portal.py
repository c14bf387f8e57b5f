"""What `repo_tools/portal` says to its users, sentence by sentence (Simplified Chinese).

Ids are `<concern>.<module>.<function>.<n>`: where the sentence is said. A template with
`{fields}` is filled by `say(id, **fields)`; one said without fields is returned as written.
"""
from __future__ import annotations

TEXT: dict[str, str] = {
    'portal.app.not_found.1': '页面不存在',
    'portal.nginx.module.1': '请求的格式不正确，或请求头过长',
    'portal.nginx.module.2': '本网站的文件只能阅读，不接受这种请求方式',
    'portal.nginx.module.3': '请用浏览器直接打开页面；登录、修改密码和退出请使用页面上的表单。',
    'portal.nginx.module.4': '地址过长',
    'portal.nginx.module.5': '门户服务没有应答',
    'portal.nginx._error_page.1': '处理办法：',
    'portal.nginx._error_page.2': '返回首页',
    'portal.app.http_error.1': '无法处理的请求',
    'portal.app.http_error.2': '请求的格式不正确（{status}）',
    'portal.app.server_error.1': '服务暂时不可用',
    'portal.app.server_error.2': '门户内部出错，已记入服务器日志',
    'portal.app._login_page.1': '您已退出登录。',
    'portal.app._login_page.2': '登录',
    'portal.app._csrf_refused.1': '请求被拒绝',
    'portal.app.password_form.1': '修改密码',
    'portal.app.password_submit.1': '修改密码',
    'portal.app._home.1': '密码已修改，其他地方的登录已全部失效。',
    'portal.app._home.2': '{name}（{user}）',
    'portal.app._home.password': '修改密码',
    'portal.app._home.logout': '退出',
    'portal.app.other_method.1': '请求被拒绝',
    'portal.app.other_method.2': '本站页面只能浏览，不接受 {method} 请求。',
    'portal.app.other_method.3': '请从页面上的链接和表单操作。',
    'portal.auth.module.1': '已停用',
    'portal.auth.module.2': '已注销',
    'portal.auth.login.1': '未登记的用户',
    'portal.auth.login.2': '门户登录密码错误',
    'portal.auth.password_problem.1': '少于 {min_length} 位',
    'portal.auth.password_problem.2': '没有同时包含字母和数字',
    'portal.auth.password_problem.3': '与原密码相同',
    'portal.auth.reset_password.1': '人员',
    'portal.auth.reset_password.2': '请检查用户标识（oa user list）。',
    'portal.server.start.1': '门户服务未能启动',
    'portal.server.serve.1': '阅读门户：http://{host}:{port}/  （按 Ctrl-C 停止）',
    'portal.waiting.waiting_work.1': '读取合并请求失败：{exc}',
    'portal.waiting.waiting_work.2': '读取收文失败：{exc}',
}
