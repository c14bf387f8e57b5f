"""The words of `repo_tools/documents`: terms of the regulation and its standards, as data.

Names, statuses and kinds that code compares, stores and shows live here, one place
per concern; sentences live in the catalogue (`repo_tools/messages/`)."""
from __future__ import annotations

# the 文种 whose form or rules differ (条例第八条; GB/T 9704: 信函格式, 命令（令）格式, 纪要格式)
ORDER, ORDER_SHORT, LETTER, MINUTES, REQUEST = "命令", "令", "函", "纪要", "请示"
# how a people's government's name ends (六安市人民政府): its offices report up to it
PEOPLES_GOVERNMENT = "人民政府"

# from repo_tools/documents/model.py
# 《党政机关公文处理工作条例》第八条: the 15 types (命令 also written 令).
TYPES = ("决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报", "报告", "请示", "批复",
         "议案", "函", "纪要")

# Types addressed to someone: they carry a 主送机关. 决议, 公报, 公告, 通告, 命令, 纪要 are
# published or recorded; 决定 and 意见 may be issued without one.
NEED_RECIPIENTS = ("通知", "通报", "报告", "请示", "批复", "议案", "函")

# 紧急程度 (GB/T 9704 7.2.3), most urgent first
EXTRA_URGENT, URGENT = "特急", "加急"
URGENCIES = (EXTRA_URGENT, URGENT)

FIELD_NAMES = {
    "type": "文种", "title": "标题", "number": "发文字号", "urgency": "紧急程度", "recipients": "主送机关",
    "cc": "抄送机关", "signer": "签发人", "date": "成文日期", "attachments": "附件说明", "notes": "附注",
    "printed_by": "印发机关", "printed_on": "印发日期", "audience": "阅读范围", "sealed_on": "盖章日期",
    "upward": "上行文标记", "column": "栏目", "joint": "联合发文单位",
}

# 发文字号 ----------------------------------------------------------------------------------
BRACKET_FORMS = [("[", "]", "方括号 []"), ("［", "］", "全角方括号［］"), ("(", ")", "圆括号 ()"),
                 ("（", "）", "全角圆括号（）"), ("【", "】", "方头括号【】"), ("〔", "〕", "")]

# from repo_tools/documents/drafting.py
TYPE_SLUGS = {
    "决议": "resolution", "决定": "decision", "命令": "order", "公报": "communique", "公告": "announcement",
    "通告": "public-notice", "意见": "opinions", "通知": "notice", "通报": "briefing", "报告": "report",
    "请示": "request", "批复": "reply", "议案": "motion", "函": "letter", "纪要": "minutes",
}

# from repo_tools/documents/official_form.py
# Where a title may break (GB/T 9704 7.3.3: 回行时词意完整): before 关于 and after it, after the verb
# that follows it, before the 的 of the 文种 at the end, at punctuation, and after the words titles
# are made of. Written out as rules because a dictionary segmenter would cost a second per build.
DOC_TYPES = "决议|决定|命令|公报|公告|通告|意见|通知|通报|报告|请示|批复|议案|函|纪要"

TITLE_WORDS = ("人民政府", "政府", "办公室", "委员会", "系统", "办法", "规定", "条例", "细则", "方案", "意见",
               "计划", "规划", "工作", "管理", "单位", "部门", "机关", "中小学", "学校", "经费", "安排", "问题",
               "情况", "会议", "活动", "实施", "建设", "发展", "使用", "接入", "信息", "公文", "文件", "电子",
               "交换", "传输", "平台", "服务", "事项", "印发", "转发", "批转", "发布", "公布", "下达", "同意",
               "商请", "提供", "全市", "全省", "全县", "试运行")
