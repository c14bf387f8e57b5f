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
    "review-mr-missing": ("第三十条", "合并请求 !{n} 不存在。", "请用 `oa review list` 查看本单位的合并请求。"),
    "review-role": ("第十三条", "{user} 不是单位“{unit}”的审核人，不能对合并请求 !{n} 表态。",
                    "请由本单位审核人审核，或请单位系统管理员分配“审核人”角色。"),
    "review-self": ("第三条", "{user}（{name}）是合并请求 !{n} 的{why}，不能审核自己的稿件。",
                    "请由本单位其他审核人审核。"),
    "review-ref-name": ("第三条", "审核引用 {ref} 不合规范：应为 refs/reviews/<编号>/<审核人用户标识>。",
                        "请用 `oa review approve N` 或 `oa review reject N` 表态。"),
    "review-not-own": ("第十五条", "{pusher} 不能写入或删除 {ref}：审核意见只能由 {reviewer} 本人签名、推送、更改或删除。",
                       "请以本人身份表态（oa review approve/reject）。"),
    "review-not-tag": ("第三条", "{ref} 必须指向审核人签名的附注标签（审核意见），实为{detail}。",
                       "请用 `oa review approve N --opinion 意见` 表态。"),
    "review-signer": ("第三条", "{ref} 的审核意见由 {signer} 签名，而不是审核人 {reviewer} 本人。",
                      "请用本人登记的密钥签名审核意见。"),
    "review-verdict": ("第三条", "{ref} 的审核意见格式不对：{detail}。",
                       "首行写 approve（同意）或 reject（驳回），空一行后写审核意见；请用 `oa review approve/reject N --opinion 意见`。"),
    "review-stale-head": ("第三十条", "{ref} 指向提交 {target}，不是合并请求 !{n} 的当前版本 {head}。",
                          "请先取得最新版本（git fetch），再对当前版本表态。"),
    "review-merged": ("第三十条", "合并请求 !{n} 已由提交 {merge} 合并，不能再表态。", "如需更正，请另开合并请求。"),
    "mr-delete": ("第八条", "不允许删除 {ref}：合并请求的编号不得重复使用，审核记录须完整保留。",
                  "不再需要的合并请求请由审核人驳回（oa review reject N）。"),
    "mr-request-tag": ("第三条", "{ref} 是合并请求的发起记录：{detail}。", "请用 `oa review open` 发起合并请求。"),
    "merge-not-merge": ("第三十条", "main 上的新提交 {commit} 不是经审核的合并：{detail}。",
                        "内容只能经合并请求（oa review open）审核通过后，用 `oa review merge N` 进入 main。"),
    "merge-approvals-missing": ("第三十条", "合并请求 !{n} 只有 {have} 个有效的当前同意意见，需要 {need} 个{detail}。",
                                "请本单位其他审核人对当前版本审核同意（oa review approve {n} --opinion 意见）。"),
    "merge-approval-invalid": ("第三条", "合并所依据的审核意见 {ref} 无效：{detail}。",
                               "合并只能引用审核人本人对当前版本的有效同意意见；请用 `oa review merge N` 合并。"),
    "merge-rejected": ("第三十条", "合并请求 !{n} 有 {reviewer} 对当前版本的驳回意见：{opinion}",
                       "请拟稿人按意见修改并推送新版本，再请审核。"),
    "merge-seal-required": ("第十七条", "合并 {commit} 签发公文，必须由本单位现行电子印章 {seal} 签名，实为 {signer}。",
                            "请由印章保管人用 `oa review merge N` 盖章合并。"),
    "merge-custodian-required": ("第二十一条", "{user} 不是单位“{unit}”的印章保管人，不能盖章签发公文。",
                                 "请由本单位印章保管人合并（oa review merge N）。"),
    "merge-reviewer-required": ("第三十条", "只含信息的合并请求须由本单位审核人（非拟稿人）以本人密钥合并：{detail}。",
                                "请由本单位其他审核人合并（oa review merge N）。"),
    "merge-no-seal": ("第十七条", "单位“{unit}”没有现行电子印章，不能签发公文。", "请电子政务办公室为本单位颁发电子印章。"),
    "merge-tree-changed": ("第八条", "合并 {commit} 改动了审核通过的内容（{path}）：{detail}。",
                           "合并只允许填写公文的发文字号（number）和盖章日期（sealed_on）；请用 `oa review merge N` 重新合并。"),
    "merge-conflict": ("第三十条", "合并请求 !{n} 与 main 的最新内容冲突：{detail}。",
                       "请拟稿人把 main 合入草稿分支、解决冲突后推送新版本，再请审核。"),
    "seal-document-unsealed": ("第二十八条", "{path}：合并请求改动了这份公文，但合并没有为它盖章编号。",
                               "公文须由印章保管人用 `oa review merge N` 盖章合并，系统自动编排发文字号。"),
    "seal-number-invalid": ("第二十八条", "{path}：发文字号“{number}”{detail}。",
                            "发文字号由 `oa review merge N --code 机关代字` 编排，格式为 机关代字〔年份〕序号号（如 六政办秘〔2013〕27号）。"),
    "seal-number-duplicate": ("第二十八条", "{path}：发文字号 {number} 已被使用（{detail}）。",
                              "请重新合并（oa review merge N），系统会分配下一个空号。"),
    "seal-code-foreign": ("第十二条", "机关代字“{code}”不属于单位“{unit}”（本单位机关代字：{codes}）。",
                          "请使用本单位登记的机关代字（--code）。"),
    "seal-number-preset": ("第二十八条", "{path}：草稿已填写发文字号“{number}”；发文字号只能在盖章合并时编排。",
                           "请删除草稿中的 number 字段，推送新版本后再请审核。"),

    # --- keys, certificates and seals over time (issue 5): add entries here ---

    # --- archives (issue 6): add entries here ---

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
