"""The words of `repo_tools/archive`: terms of the regulation and its standards, as data.

Names, statuses and kinds that code compares, stores and shows live here, one place
per concern; sentences live in the catalogue (`repo_tools/messages/`)."""
from __future__ import annotations

# from repo_tools/archive/reference.py
RETENTION_NAMES = {"Y": "永久", "D30": "定期30年", "D10": "定期10年"}

RETENTION_ORDER = ("Y", "D30", "D10")

# from repo_tools/archive/retention.py
# Defaults after 国家档案局令第8号 (机关文件材料归档范围和文书档案保管期限规定) in spirit:
# what a unit decides, rules or reports upward is kept permanently; routine notices and
# replies 30 years; letters and news items 10 years.
DEFAULT_TYPES: dict[str, str] = {
    "决议": "Y", "决定": "Y", "命令": "Y", "公报": "Y", "公告": "Y", "通告": "Y", "议案": "Y",
    "纪要": "Y", "请示": "Y", "报告": "Y",
    "意见": "D30", "通知": "D30", "通报": "D30", "批复": "D30",
    "函": "D10",
}

# the 文种 that issue normative documents (规范性文件) when their title names a rule (办法, 规定...)
RULES_TYPES = ("通知", "意见")
DEFAULT_RULES_TITLES = ["办法", "规定", "细则", "规则", "条例", "制度", "规程", "章程"]

# from repo_tools/archive/checks.py
# the four checks of an archive (GB/T 18894-2016: 真实性、完整性、可用性、安全性)
AUTHENTICITY, INTEGRITY, USABILITY, SAFETY = "真实性", "完整性", "可用性", "安全性"
CHECKS = (AUTHENTICITY, INTEGRITY, USABILITY, SAFETY)

REQUIRED = ("题名", "责任者", "日期", "文种")

# from repo_tools/archive/packages.py
ELEMENT_IDS = {"题名": "M22", "文件编号": "M31", "责任者": "M32", "日期": "M33", "文种": "M34",
               "紧急程度": "M35", "主送": "M36", "抄送": "M37", "密级": "M38", "件数": "M42",
               "页数": "M43", "语种": "M44", "稿本": "M45"}
