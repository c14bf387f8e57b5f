"""Every refusal a civil servant may see, in one place (Simplified Chinese).

Each entry: rule id -> (article of the regulation or standard, message template, remedy).
Templates take keyword fields; `refusal()` in policy.base and `Refused` below fill them.
"""
from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str, str]] = {
    # identity and signatures (Art. 8, 13-15, 41-43)
    "push-cert-missing": ("第十五条", "推送没有附带推送证书，无法确认是谁在推送。",
                          "请用 `oa clone` 生成的工作副本推送（已配置 push.gpgSign），或使用 `git push --signed`。"),
    "push-cert-invalid": ("第十五条", "推送证书的签名未能用服务器密钥环验证：{detail}。",
                          "请使用登记在册的本人密钥签名推送；密钥丢失或更换请联系电子政务办公室。"),
    "push-cert-nonce": ("第十五条", "推送证书的随机数（nonce）无效：{detail}。",
                        "请重新推送；若反复出现，请联系单位系统管理员。"),
    "push-cert-mismatch": ("第八条", "推送证书中的引用更新与实际推送不符：{detail}。",
                           "请勿重放或改动推送证书，重新推送即可。"),
    "pusher-unknown": ("第七条", "推送证书的密钥 {key} 未在登记系统中登记。",
                       "请由电子政务办公室登记您的数字证书后再推送。"),
    "pusher-inactive": ("第十四条", "账户 {user}（{name}）当前状态为“{status}”，不能推送。",
                        "请联系本单位系统管理员重新启用账户。"),
    "pusher-key-invalid": ("第二十五条", "推送所用密钥 {key} 在推送时不是 {user} 的有效证书（{detail}）。",
                           "请使用当前有效的数字证书；证书丢失或作废请申请补发。"),
    "pusher-other-unit": ("第十三条", "{user}（{name}）属于单位“{pusher_unit}”，无权向单位“{unit}”的仓库推送。",
                          "只能向本单位仓库推送；向其他单位发文请使用 `oa send`。"),
    "commit-unsigned": ("第三条", "提交 {commit} 没有签名。",
                        "请用 `oa clone` 配置的工作副本重新提交（git commit -S），然后再推送。"),
    "commit-bad-signature": ("第四十一条", "提交 {commit} 的签名无效：{detail}。",
                             "签名已损坏或被伪造；请用本人登记的密钥重新签名提交。"),
    "commit-unknown-key": ("第十五条", "提交 {commit} 由未登记的密钥 {key} 签名。",
                           "请用本人登记的密钥重新签名提交（git commit --amend -S 或 git rebase --exec 'git commit --amend --no-edit -S'）。"),
    "commit-key-invalid": ("第二十五条", "提交 {commit} 的签名密钥 {key}（{holder}）在推送时无效：{detail}。",
                           "请用当前有效的密钥重新签名提交。"),
    "commit-other-unit": ("第十五条", "提交 {commit} 由 {holder} 签名，签名人不属于单位“{unit}”。",
                          "只能由本单位人员或本单位电子印章签名；请用本人密钥重新签名。"),
    "tag-unsigned": ("第三条", "标签 {tag} 没有签名。", "请用 `git tag -s` 创建签名标签。"),
    # refs
    "main-delete": ("第八条", "不允许删除 main 分支：已发布的公文和信息不可撤销。", "如需更正，请提交新的文件。"),
    "main-rewrite": ("第八条", "不允许改写 main 分支的历史（强制推送）：{old} 不是 {new} 的祖先。",
                     "请先 `git pull` 合并最新的 main，再推送；已发布的内容只能追加，不能改写。"),
    "unit-setup": ("第六条", "单位仓库尚未初始化，只有电子政务办公室管理员可以创建首个提交。",
                   "请联系电子政务办公室完成单位登记。"),
    "registry-writer": ("第五条", "只有电子政务办公室（egov）的管理员可以修改登记系统，{user} 不是。",
                        "请向电子政务办公室提出书面申请。"),
    "registry-invalid": ("第七条", "登记文件 {path} 无效：{detail}。", "请修正登记文件格式后重新提交。"),
    "ref-forbidden": ("第十三条", "不允许推送到引用 {ref}。", "{detail}"),
    # content (Art. 2, 32-33, 40)
    "image-too-large": ("第三十三条", "{path}：图片 {size} 字节，超过 500 KB（512000 字节）上限。",
                        "请压缩或缩小图片后重新提交。"),
    "image-broken": ("第三十三条", "{path}：图片无法解码（{detail}）。", "请重新导出图片后提交。"),
    "image-bomb": ("第四十条", "{path}：图片像素数 {pixels} 异常巨大（解压炸弹）。", "请提交正常尺寸的图片。"),
    "svg-active": ("第四十条", "{path}：SVG 图片含有{detail}，可能执行脚本或加载外部内容。",
                   "请去掉脚本、事件处理属性和外部引用后重新提交，或改用 PNG。"),
    "file-too-large": ("第三十二条", "{path}：文件 {size} 字节，超过 20 MB（20971520 字节）上限。",
                       "请压缩文件，或将非电子附件通过纸质方式报送（第二十八条）。"),
    "classified": ("第二条", "{path}：{detail}。涉密公文、信息和材料不得进入本系统，仍按纸质形式运行。",
                   "请删除该内容，并通过纸质渠道（机要交通）办理。"),
    "executable": ("第四十条", "{path}：是可执行文件（{detail}），不得录入系统。", "请删除该文件；如需报送程序，请走纸质或专门渠道。"),
    "macro-office": ("第四十条", "{path}：是含宏的办公文档（{detail}），可能携带病毒。",
                     "请另存为不含宏的格式（.docx、.xlsx、.pdf）后重新提交。"),
    "malware": ("第四十条", "{path}：检出病毒特征（{detail}）。", "请删除该文件，并对本机进行病毒查杀。"),
    "no-rules": ("第十三条", "该仓库没有配置任何检查规则，为安全起见拒绝一切推送。", "请联系电子政务办公室检查服务器配置。"),
    # --- documents (issue 3): add entries here ---

    # --- review and seal (issue 4): add entries here ---

    # --- keys, certificates and seals over time (issue 5): add entries here ---

    # --- archives (issue 6): add entries here ---
    "archive-tag-archivist": ("第三十四条", "归档标签 {tag} 必须由本单位档案员签名并推送，{who} 不是本单位的档案员。",
                              "请由本单位档案员运行 `oa archive 年度` 归档。"),
    "archive-tag-unsigned": ("第三十六条", "归档标签 {tag} 不是签名的附注标签：{detail}。",
                             "归档标签须由档案员签名（`oa archive 年度` 会自动签名）。"),
    "archive-tag-immutable": ("第三十六条", "归档标签 {tag} 已存在，不得移动或删除。",
                              "已归档的档案不可更改；如需补充，请归档新的批次。"),
    "archive-tag-name": ("第三十六条", "归档标签名 {tag} 无效。",
                         "归档标签为 archive/年度（第一批）或 archive/年度-批次号（后续批次），如 archive/2013、archive/2013-2。"),
    "archive-manifest-mismatch": ("第三十六条", "归档标签 {tag} 所指提交中的档案包 {package} 与其 SHA-256 清单不符：{detail}。",
                                  "请重新运行 `oa archive 年度` 生成档案包；不得手工改动档案包。"),
    "archive-package-writer": ("第三十四条", "提交 {commit} 在 archive/ 下写入档案包，但它不是档案员的归档提交：{detail}。",
                               "档案包只能由本单位档案员用 `oa archive 年度` 生成，且只能新增文件。"),
    "archive-package-changed": ("第三十六条", "提交 {commit} 改动或删除了已归档的档案包文件 {path}。",
                                "档案包一经归档不可更改。"),
    "archive-item-changed": ("第三十六条", "提交 {commit} 改动了已归档文件 {path}（档号 {reference}）。",
                             "已归档的公文和信息不可更改；如需更正，请另行发文并在正文中引用原文件。"),
    "archive-register-invalid": ("第三十七条", "调阅登记 {ref} 的提交 {commit} 无效：{detail}。",
                                 "调阅登记只能追加，由调阅人本人签名；请使用 `oa archive access 档号 --reason 事由`。"),
    "archive-item-unknown": ("第三十七条", "档号“{item}”不在任何已归档的档案包中。", "请用 `oa archive register` 或归档文件目录核对档号。"),
    "archive-access-other-unit": ("第三十七条", "{user} 不属于立档单位“{unit}”，不能直接调阅其档案。",
                                  "请向该单位档案员提出调阅申请，由其登记调阅。"),
    "archive-schedule-invalid": ("第三十五条", "保管期限表 {path} 无效：{detail}。",
                                 "保管期限只能是 Y（永久）、D30（定期30年）或 D10（定期10年）；请修正后经审核合并。"),
    "archive-fonds-invalid": ("第三十五条", "单位“{unit}”的全宗号“{fonds}”无效（应为 1-4 位字母或数字）。",
                              "请由电子政务办公室在登记系统中为该单位设置全宗号。"),

    # --- site (issue 7): add entries here ---

    # --- transmission and receipt (issue 8): add entries here ---

    # command line
    "not-found": ("第七条", "{what}“{name}”不存在。", "{remedy}"),
    "role-required": ("第十三条", "{user} 没有“{role}”角色，不能{action}。", "请联系本单位系统管理员分配权限。"),
    "exists": ("第七条", "{what}“{name}”已存在。", "请换一个标识，或查看现有登记。"),
    "usage": ("", "{detail}", "{remedy}"),
}


def render(rule: str, **fields: object) -> tuple[str, str, str]:
    """(article, message, remedy) of a catalogue entry with its fields filled in."""
    article, message, remedy = CATALOGUE[rule]
    return article, message.format(**fields), remedy.format(**fields)


class Refused(Exception):
    """An action refused by a rule: exit status 1 with the rule, the article and the remedy."""

    def __init__(self, rule: str, **fields: object) -> None:
        self.rule = rule
        self.article, self.message, self.remedy = render(rule, **fields)
        super().__init__(self.text())

    def text(self) -> str:
        where = f"（{self.article}）" if self.article else ""
        return f"拒绝 [{self.rule}]{where}：{self.message}\n  处理办法：{self.remedy}"
