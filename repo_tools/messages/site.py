"""What `repo_tools/site` says to its users, sentence by sentence (Simplified Chinese).

Ids are `<concern>.<module>.<function>.<n>`: where the sentence is said. A template with
`{fields}` is filled by `say(id, **fields)`; one said without fields is returned as written.
"""
from __future__ import annotations

TEXT: dict[str, str] = {
    'site.audience.parse_build_audience.1': '读者范围“{text}”无效。',
    'site.audience.parse_build_audience.2': '请使用 all、unit:单位标识 或 user:用户标识。',
    'site.audience.build_readers.1': '单位',
    'site.audience.build_readers.2': '请检查单位标识（oa unit list）。',
    'site.audience.build_readers.3': '人员',
    'site.audience.build_readers.4': '请检查用户标识（oa user list）。',
    'site.build._publishable.1': '路径过长或含非法成分：{url}',
    'site.build.run.1': '本条内容暂时无法显示，已通知系统管理员。',
    'site.build._write_assets.1': '无法写入：{strerror}',
    'site.confine.site_relative.1': '路径含非法字符：{rel!r}',
    'site.confine.site_relative.2': '路径指向输出目录之外：{rel!r}',
    'site.confine.inside.1': '输出路径经过符号链接：{probe}',
    'site.confine.inside.2': '输出文件是符号链接：{target}',
    'site.confine.inside.3': '路径指向输出目录之外：{rel!r}',
    'site.confine.warn.1': '警告：{item} 未能发布（{detail}），已跳过；其余内容照常生成。',
    'site.overlays.module.1': '本单位限定范围的公文和信息',
    'site.overlays.module.2': '发给本人的公文和信息',
    'site.overlays.describe.1': '{len_reports} 个限定范围叠加层（本次重新生成 {len_built} 个）',
    'site.pages.plans.1': '{title}（第{k}页）',
    'site.pages.listings.1': '其他',
    'site.pages.listings.2': '单位',
    'site.pages.listings.3': '年度',
    'site.pages.listings.4': '文种',
    'site.pages.listings.5': '栏目',
    'site.pages.listings.6': '{key}年',
    'site.pages.listings.7': '按{names}浏览',
    'site.pages.listings.8': '首页',
    'site.pages.listings.9': '搜索',
    'site.records.module.1': '（限定范围，不公开题名）',
    'site.records.register_plans.1': '收文登记簿与发文登记簿',
    'site.records.archive_plans.1': '{year} 年度电子档案统计',
    'site.records.archive_plans.2': '档案目录与统计',
    'site.rendering._join.1': '生成网站的工作进程意外退出',
    'site.rendering._join.2': '生成网站的工作进程出错：\n{value}',
    'site.search._pagefind.1': '找不到 Pagefind 程序：请运行 make 安装依赖（pagefind[extended]）',
    'site.search._pagefind.2': 'Pagefind 建立搜索索引失败：{value}',
    'site.search.index_bundle.1': '要建立索引的页面不存在：{url}',
    'site.search.index_bundle.2': '暂无已发布的公文和信息',
    'site.serve.serve.1': '网站地址：http://{host}:{server_address_1}/  （按 Ctrl-C 停止）',
}
