"""What `repo_tools/incident` says to its users, sentence by sentence (Simplified Chinese).

Ids are `<concern>.<module>.<function>.<n>`: where the sentence is said. A template with
`{fields}` is filled by `say(id, **fields)`; one said without fields is returned as written.
"""
from __future__ import annotations

TEXT: dict[str, str] = {
    'incident.clock._require_office.1': '这是市电子政务办公室的职责（第四十四、四十五条）',
    'incident.clock._require_office.2': '请由电子政务办公室人员办理；本单位发现故障请用 `oa incident open` 报告。',
    'incident.clock.open_incident.1': '报告故障',
    'incident.clock.open_incident.2': '只有各单位系统管理员或电子政务办公室可以登记故障',
    'incident.clock.open_incident.3': '请告知本单位系统管理员，由其报告（第七条、第四十四条）。',
    'incident.clock.open_incident.4': '故障说明不能为空。',
    'incident.clock.open_incident.5': '请用 --summary 写明现象，例如“公文无法推送”。',
    'incident.clock.open_incident.6': '故障报告时间“{since}”无效或在将来。',
    'incident.clock.open_incident.7': '请给出 ISO 8601 时间，例如 2026-12-01T09:00:00+08:00。',
    'incident.clock.respond.1': '响应故障',
    'incident.clock.respond.2': '已经排除',
    'incident.clock.respond.3': '无需再响应。',
    'incident.clock.respond.4': '已于 {timeutil_iso} 响应',
    'incident.clock.respond.5': '排除后请用 `oa incident resolve` 登记。',
    'incident.clock.respond.6': '响应时间早于故障报告时间',
    'incident.clock.respond.7': '请检查时间。',
    'incident.clock.resolve.1': '登记故障排除',
    'incident.clock.resolve.2': '已于 {timeutil_iso} 排除',
    'incident.clock.resolve.3': '无需再次登记。',
    'incident.clock.resolve.4': '排除时间早于故障报告时间',
    'incident.clock.resolve.5': '请检查时间。',
    'incident.clock._carry.1': '故障登记：{action} {id}',
    'incident.clock.check_carried.1': '推送携带的故障登记不符合规定：{fields}',
    'incident.notice.notice_meta.1': '市电子政务办公室',
    'incident.notice.notice_meta.2': '电政',
    'incident.notice.clock.1': '{timeutil_chinese_date}{hour}时{minute:02d}分',
    'incident.notice.notice_meta.3': '{clock_since}，协同办公系统发生故障：{summary}。电子政务办公室已组织有关单位查明原因、排除故障，但至 {clock_escalate_at} 仍未排除，系统不能正常运行。根据《六安市协同办公系统使用管理办法（试行）》第四十五条，现将有关事项函告如下：\n\n一、自即日起至故障排除，各单位的公文、信息和材料改用纸质书面方式报送和处理，按原有公文处理程序签收、登记、办理，不得延误。\n\n二、系统中尚待签收或登记的传输共 {waiting} 件，其打印件附后，请各收文单位按纸质来文签收登记；故障排除后，由收文员在系统中补办签收和登记。\n\n三、本情况已同时报告市政府办公室。故障排除后，电子政务办公室另行通知恢复系统运行。\n\n（故障编号：{id}；报告时间：{timeutil_iso}）',
    'incident.notice.notice_meta.4': '函',
    'incident.notice.notice_meta.5': '关于协同办公系统故障期间改用纸质方式处理公文的函',
    'incident.notice.notice_meta.6': '{code}〔{year}〕故{id}号',
    'incident.notice.notice_meta.7': '各使用单位',
    'incident.notice.notice_meta.8': '市政府办公室',
    'incident.notice.notice_meta.9': '本函为系统故障期间的纸质通知，加盖公章后印发',
    'incident.notice._waiting_table.1': '| 序号 | 收文单位 | 来文单位 | 文号 | 标题 | 发送时间 | 状态 |',
    'incident.notice.write_notice.1': '印发纸质故障通知',
    'incident.notice.write_notice.2': '当前状态为“{status}”，纸质通知只在故障 2 小时内未排除（{timeutil_iso} 起）时印发',
    'incident.notice.write_notice.3': '故障排除前请继续处理；到时仍未排除再运行 `oa incident notice`。',
    'incident.notice.write_notice.4': '尚待签收或登记的传输清单',
    'incident.notice.write_notice.5': '无。',
}
