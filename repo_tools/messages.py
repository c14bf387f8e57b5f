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
    # 公文 and 信息 form: the sending unit answers for type, format and content (Art. 28(1));
    # the elements follow 《党政机关公文处理工作条例》 and GB/T 9704-2012.
    "doc-frontmatter": ("第二十八条", "{detail}。",
                        "公文以 --- 行开始，写 YAML 前置元数据（type、title、date 等），再以 --- 行结束，其后是正文；"
                        "可用 `oa doc new` 生成模板。"),
    "doc-unknown-key": ("第二十八条", "前置元数据中有未知的键“{key}”{hint}。",
                        "请删除或改正该键。可用的键：{known}。"),
    "doc-field-missing": ("第二十八条", "缺少{name}（{field}）。", "{remedy}"),
    "doc-field": ("第二十八条", "{name}（{field}）{detail}。", "{remedy}"),
    "doc-type": ("条例第八条", "文种（type）“{value}”不是《党政机关公文处理工作条例》规定的15种公文之一。",
                 "请将 type 改为以下之一：{known}。"),
    "doc-title-type": ("GB/T 9704-2012", "标题（title）“{title}”没有以文种“{type}”结尾；标题由发文机关、事由和文种组成。",
                       "请把标题改为“……关于……的{type}”，或改正 type。"),
    "doc-number-brackets": ("GB/T 9704-2012", "发文字号（number）“{number}”的年份用了{used}，应使用六角括号〔〕。",
                            "请改为“{suggest}”。"),
    "doc-number-leading-zero": ("GB/T 9704-2012", "发文字号（number）“{number}”的序号有前导零（不编虚位）。",
                                "请改为“{suggest}”。"),
    "doc-number-di": ("GB/T 9704-2012", "发文字号（number）“{number}”的序号前加了“第”字。", "请改为“{suggest}”。"),
    "doc-number-format": ("GB/T 9704-2012", "发文字号（number）“{number}”格式不正确，应为“机关代字〔四位年份〕序号号”，"
                          "如 国办发〔2012〕14号。", "请按此格式改正；草稿可删去 number，盖章时由系统编号。"),
    "doc-number-code": ("第十二条", "发文字号（number）“{number}”的机关代字“{code}”不是本单位（{unit}）的机关代字。",
                        "本单位的机关代字：{codes}。请改用其中之一，或删去 number 由盖章合并编号。"),
    "doc-number-draft": ("第二十八条", "草稿中填写了{name}（{field}）“{value}”；它只能由盖章合并写入 main。",
                         "请删去 {field} 这一行后重新提交；审核通过后印章保管人盖章合并（`oa review merge`）时自动填写。"),
    "doc-number-missing": ("第二十八条", "main 上的公文没有发文字号（number）。",
                           "公文须经审核后由印章保管人盖章合并（`oa review merge`）进入 main，合并时自动编号。"),
    "doc-number-duplicate": ("第二十八条", "发文字号“{number}”已被 {other} 使用。",
                             "发文字号按机关代字和年份唯一；请重新盖章合并，由系统分配下一个编号。"),
    "doc-recipients-missing": ("条例第九条", "{type}须写明主送机关（recipients）。",
                               "请添加 recipients: [主送机关全称或规范化简称]。"),
    "doc-request-recipients": ("条例第十五条", "请示应当只主送一个上级机关，现有 {count} 个：{names}。",
                               "请只保留一个主送机关；需要同时送其他机关的，列入抄送（cc）。"),
    "doc-signer-missing": ("条例第九条", "{why}，上行文须标注签发人（signer）。",
                           "请添加 signer: 签发人姓名（联合行文写成列表）。"),
    "doc-urgency": ("条例第九条", "紧急程度（urgency）只能是“特急”或“加急”，不能是“{value}”。",
                    "请改为 特急 或 加急；不紧急的公文删去 urgency 这一行。"),
    "doc-date-future": ("GB/T 9704-2012", "{name}（{field}）{value} 晚于今天（{today}）。",
                        "成文日期是签发（或会议通过）的日期，不能是将来的日期，请改正。"),
    "doc-attachment-missing": ("第二十八条", "附件说明列出的“{title}”（{file}）在公文目录中不存在。",
                               "请把附件放到 {folder}/{file}，或改正 attachments 中的 file；不便电子化的附件按纸质报送。"),
    "doc-attachment-unlisted": ("第二十八条", "附件文件 {file} 没有列入附件说明（attachments）。",
                                "请在 attachments 中添加 {{title: 附件名称, file: {file}}}，或删除该文件。"),
    "doc-attachment-path": ("第二十八条", "附件路径“{file}”不在公文目录之内。",
                            "请写相对于公文目录的路径，如 attachments/名称.pdf。"),
    "bulletin-folder": ("第三十条", "信息的{name}（{field}）“{value}”与所在目录“{folder}”不符。",
                        "信息放在 bulletins/<栏目>/<日期>-<简称>/index.md；请使目录与 column、date 一致。"),

    # --- review and seal (issue 4): add entries here ---

    # --- keys, certificates and seals over time (issue 5): add entries here ---
    "seal-font-missing": ("第十八条", "找不到绘制印章图样所需的宋体字体（Noto Serif CJK SC）。",
                          "请安装 Debian 软件包 fonts-noto-cjk（scripts/setup-system.sh 会安装），然后重试。"),
    "approval-missing": ("第十九、二十五条", "登记文件 {path} 的变更没有附带经批准的书面申请（requests/）。",
                         "证书与印章的新办、变更、注销须由本单位负责人或系统管理员审批签字（--approved-by），再由电子政务办公室办理。"),
    "approval-invalid": ("第十九、二十五条", "申请 {request} 的审批签名无效：{detail}。",
                         "请由本单位负责人或系统管理员用本人有效的数字证书对申请签名。"),
    "approval-not-leader": ("第十九、二十五条", "{approver} 不是单位“{unit}”的负责人或系统管理员，不能审批申请 {request}。",
                            "请由该单位负责人或系统管理员审批；如单位尚未登记负责人或管理员，请先登记。"),
    "approval-self": ("第十九、二十五条", "{approver} 不能审批本人的申请 {request}。", "请由本单位其他负责人或系统管理员审批。"),
    "key-history": ("第二十五条", "{path}：不允许改写证书或印章的历史（{detail}）。",
                    "证书与印章的生效、作废时间一经登记不可更改；如有错误，请登记新的变更。"),
    "seal-one-active": ("第二十一条", "单位“{unit}”同时有 {count} 枚有效电子印章。", "每个单位只能有一枚有效电子印章；请先作废旧印章（oa seal rotate）。"),
    "destruction-witness": ("第二十条", "印章 {seal} 的销毁记录缺少有效签名：{detail}。",
                            "销毁电子印章须市政府办公室、市电子政务办公室和印章所属单位的相关人员各自签名（oa seal destroy 单位 --as 本人）。"),
    "seal-state": ("第二十一条", "印章 {seal}：{detail}。", "{remedy}"),
    "cert-state": ("第二十五条", "{user} 的数字证书：{detail}。", "{remedy}"),
    "verify-failed": ("第四十一条", "验证未通过：{count} 项问题。", "请查看报告中标为无效的签名及其原因。"),

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
    "transmit-not-sealed": ("第二十八条", "{path} 不是已盖章发布的公文：{detail}，不能发送。",
                            "请先经审核并由印章保管人盖章合并到 main（oa review merge），再用 `oa send` 发送。"),
    "transmit-no-recipient": ("第二十八条", "{path} 的主送、抄送机关中没有已登记的接收单位{detail}。",
                              "请用 --to 单位标识 指定接收单位（oa unit list 查看）。"),
    "transmit-no-clerk": ("第二十七条", "单位 {names} 没有登记收文员，不能接收公文（第二十七条：每个单位须设收文员账户）。",
                          "请该单位管理员向电子政务办公室登记收文员（oa user add --role clerk），或用 --to 只发送给其他单位。"),
    "inbox-immutable": ("第二十九条", "收文引用 {ref} 只能新建一次，任何人都不能更新或删除。",
                        "需要重发时，请发文单位用 `oa send --resend 编号` 生成新的传输。"),
    "delivery-malformed": ("第二十八条", "传输 {ref} 格式不正确：{detail}。",
                           "请用 `oa send` 发送公文，不要手工构造传输。"),
    "delivery-not-sealed": ("第二十八条", "传输 {ref} 与发文单位 main 上已盖章的公文不一致：{detail}。",
                            "只能原样发送已盖章的公文；请用 `oa send` 重新发送。"),
    "delivery-sender-role": ("第二十八条", "{user}（{name}）不是“{unit}”的收文员或印章保管人，不能代表该单位发文。",
                             "请由发文单位的收文员或印章保管人用 `oa send` 发送。"),
    "delivery-signer": ("第十五条", "传输 {ref} 的提交不是由推送人 {user} 本人签名。",
                        "发送人须用本人数字证书签名传输提交，并本人签名推送。"),
    "receipt-clerk": ("第二十七条", "{user} 不是本单位的{role}，不能签收、登记、退回或请求重发公文。",
                      "请由本单位收文员办理。"),
    "receipt-invalid": ("第二十九条", "收文记录 {ref} 无效：{detail}。",
                        "请用 `oa inbox open/register/return/resend-request` 办理，不要手工推送。"),
    "delivery-state": ("第二十九条", "传输 {id} 当前状态为“{status}”，不能{action}。", "{remedy}"),
    "pdf-unavailable": ("第二十九条", "本版本尚未提供 PDF 打印（缺少 repo_tools.render）。",
                        "请先在终端查看（不加 --pdf）；打印模块合并后即可用 --pdf 输出纸质件。"),

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
