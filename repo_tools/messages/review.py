"""What `repo_tools/review` says to its users, sentence by sentence (Simplified Chinese).

Ids are `<concern>.<module>.<function>.<n>`: where the sentence is said. A template with
`{fields}` is filled by `say(id, **fields)`; one said without fields is returned as written.
"""
from __future__ import annotations

TEXT: dict[str, str] = {
    'review.requests.missing.1': '还需要 {value} 个审核人对当前版本的同意意见（已有 {have}/{required}）',
    'review.requests.missing.2': '{reviewer} 驳回：{opinion}',
    'review.requests.of.1': '单位',
    'review.requests.of.2': '请检查单位标识（oa unit list）。',
    'review.requests.verdict.1': '不是签名的附注标签',
    'review.requests.verdict.2': '引用名称不合规范',
    'review.requests.verdict.3': '签名人不是 {reviewer} 本人（或其证书无效）',
    'review.requests.verdict.4': '{reviewer} 不是本单位在职的审核人',
    'review.requests.verdict.5': '{reviewer} 是本合并请求的拟稿人或提交人',
    'review.requests._unit_member.1': '人员',
    'review.requests._unit_member.2': '请检查用户标识（oa user list）。',
    'review.requests._unit_member.3': '单位',
    'review.requests._unit_member.4': '请检查单位标识（oa unit list）。',
    'review.requests.open_request.5': '合并请求编号分配失败（并发过多）。',
    'review.requests.open_request.6': '请稍后重试。',
    'review.requests._verdict.1': '缺少审核意见（意见不能为空）',
    'review.requests._verdict.2': '发起人',
    'review.requests._verdict.3': '提交人',
    'review.requests.waiting_time.1': '{days}天{hours}小时',
    'review.requests.waiting_time.2': '{hours}小时{minutes}分',
    'review.requests.waiting_time.3': '{minutes}分钟',
    'review.requests._request_head.1': '没有指定要提交审核的分支。',
    'review.requests._request_head.2': '请用 --branch 给出分支名。',
    'review.requests._request_head.3': '分支',
    'review.requests._request_head.4': '请先提交并推送草稿分支。',
    'review.model.parse_verdict.1': '首行应为 {value_join}，实为“{value}”',
    'review.model.parse_verdict.2': '首行之后应空一行再写审核意见',
    'review.model.parse_verdict.3': '缺少审核意见（意见不能为空）',
    'review.model.parse_verdict.or': ' 或 ',
}
