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

# Metadata element names: keys of the archive's own files (catalogue.json, metadata.json, the access
# register), written in Chinese as DA/T 22 and DA/T 46 name them; code reads and writes them by these names.
# 归档文件目录 (GB/T 18894-2016, DA/T 22): the columns of a package's catalogue and of `oa archive`
REFERENCE = "档号"
FONDS = "全宗号"
FONDS_NAME = "全宗名称"
CATEGORY_CODE = "门类代码"
YEAR = "年度"
RETENTION = "保管期限"
RETENTION_CODE = "保管期限代码"
RETENTION_BASIS = "保管期限依据"
ORGANIZATION = "机构或问题"
ITEM_NUMBER = "件号"
SEQUENCE = "序号"
TITLE = "题名"
NUMBER = "文号"
DATE = "日期"
CREATOR = "责任者"
PAGES = "页数"
REMARKS = "备注"
PACKAGE = "档案包"
ARCHIVE_TAG = "归档标签"
UNIT = "单位"
UNIT_ID = "单位标识"
CREATING_UNIT_NAME = "立档单位名称"
SOURCE_PATH = "原始位置"

# DA/T 46 core metadata of one item (metadata.json), its element names as written
METADATA_SCHEME = "元数据方案"
AGGREGATION = "聚合层次"
PROVENANCE = "来源"
CONTENT = "内容描述"
FILE_NUMBER = "文件编号"
DOC_TYPE = "文种"
URGENCY = "紧急程度"
RECIPIENTS = "主送"
CC = "抄送"
CLASSIFICATION = "密级"
ITEMS = "件数"
LANGUAGE = "语种"
MANUSCRIPT = "稿本"
FORM = "形式特征"
ISSUER = "签发人"
ATTACHMENTS = "附件"
NOTES = "附注"
PRINTED_BY = "印发机关"
PRINTED_ON = "印发日期"
SEALED_ON = "用印日期"
DATE_WRITTEN = "成文日期"
COLUMN = "栏目"
AUDIENCE = "阅读范围"
FRONT_MATTER = "前置元数据"
ELEMENT_NUMBERS = "元素编号"
ELECTRONIC = "电子属性"
FORMAT = "格式信息"
FILE_NAME = "计算机文件名"
FILE_SIZE = "计算机文件大小"
STORED_AT = "存储位置"
GIT_OBJECT = "Git对象"
KIND = "类别"

# 电子签名 and 业务实体: who signed what, when (trusted time), with which result
SIGNATURES = "电子签名"
SIGNED_OBJECT = "签名对象"
OBJECT = "对象"
OBJECT_TYPE = "对象类型"
PURPOSE = "用途"
SIGNER = "签名人"
SIGNER_ID = "签名人标识"
SIGNER_KIND = "签名人类别"
SIGNATURE_ALGORITHM = "签名算法标识"
SIGNATURE_RULES = "签名规则"
SIGNATURE_RESULT = "签名结果"
SIGNED_AT = "签名时间"
TRUSTED_TIME = "可信时间"
VALID = "有效"
CERTIFICATE = "证书"
SEAL = "印章"
SEAL_ID = "印章标识"
SEAL_STATUS = "印章状态"
SEALED_AT = "用印时间"
CUSTODIAN = "保管人"
CUSTODIAN_NAME = "保管人姓名"
REVIEWER = "审核人"
OPINION = "意见"
OPINION_KIND = "意见类型"
REVIEW_TAG = "审核标签"
SIGNATURE_TAG = "签名标签"
DELEGATED_BY = "受委托于"
DELEGATION_ID = "委托编号"
STEP = "步骤"
VERIFICATION_PROBLEMS = "核验问题"
PEOPLE = "人员"
NAME = "姓名"

# 业务实体 history (DA/T 46 M78-M83) and the access register (第三十七条)
STATE = "业务状态"
ACTION = "业务行为"
ACTION_TIME = "行为时间"
ACTOR = "行为人"
ACTION_BASIS = "行为依据"
APPROVAL = "审批"
WORKFLOW = "发文流程"
PUBLISHED = "发布"
MERGE_REQUEST = "合并请求"
ENTRY = "条目"
PUBLISHING_COMMIT = "发布提交"
ACCESS_CONTROL = "权限管理"
ACCESS = "调阅"
READER = "调阅人"
REASON = "事由"
READ_AT_LOCAL = "调阅时间（本机）"
BASIS = "依据"
