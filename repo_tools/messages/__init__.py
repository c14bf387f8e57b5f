"""Every sentence a civil servant may see, in one place (Simplified Chinese).

Refusals live here: rule id -> (article of the regulation or standard, message template, remedy).
Templates take keyword fields; `refusal()` in hook.rules.base and `Refused` below fill them.
Everything else a user reads (CLI output, the demo's narration, labels of pages and reports) lives
in one module per concern beside this one (`repo_tools/messages/<concern>.py`, a `TEXT` table),
said through `say(id, **fields)`; the module is imported on first use, so the hook loads only
the tables its rules speak from.
"""
from __future__ import annotations

import importlib
import re

CATALOGUE: dict[str, tuple[str, str, str]] = {
    # identity and signatures (Art. 8, 13-15, 41-43)
    "push-cert-missing": ("第十五条", "推送没有附带推送证书，无法确认是谁在推送。",
                          "请用 `oa clone` 生成的工作副本推送（已配置 push.gpgSign），或使用 `git push --signed`。"),
    "push-cert-invalid": ("第十五条", "推送证书的签名未能用服务器密钥环验证：{detail}。",
                          "请使用登记在册的本人密钥签名推送；密钥丢失或更换请联系电子政务办公室。"),
    "push-cert-nonce": ("第十五条", "推送证书的随机数（nonce）无效：{detail}。",
                        "请重新推送；若反复出现，请联系单位系统管理员。"),
    "push-cert-pushee": ("第十五条", "推送证书不是为本仓库签发的：{detail}。",
                         "请勿转用为其他仓库签发的推送证书；直接向本仓库重新推送即可。"),
    "push-cert-mismatch": ("第八条", "推送证书中的引用更新与实际推送不符：{detail}。",
                           "请勿重放或改动推送证书，重新推送即可。"),
    "pusher-unknown": ("第七条", "推送证书的密钥 {key} 未在登记系统中登记。",
                       "请由电子政务办公室登记您的数字证书后再推送。"),
    "pusher-inactive": ("第十四条", "账户 {user}（{name}）当前状态为“{status}”，不能推送。",
                        "请联系本单位系统管理员重新启用账户。"),
    "pusher-key-invalid": ("第二十五条", "推送所用密钥 {key} 在推送时不是 {user} 的有效证书（{detail}）。",
                           "请使用当前有效的数字证书；证书丢失或作废请申请补发。"),
    "pusher-locked": ("第十四条", "账户 {user}（{name}）因连续 {failures} 次认证失败已被锁定。",
                      "请联系本单位系统管理员核实后用 `oa user enable {user}` 重新启用。"),
    "pusher-other-unit": ("第十三条", "{user}（{name}）属于单位“{pusher_unit}”，无权向单位“{unit}”的仓库推送。",
                          "只能向本单位仓库推送；向其他单位发文请使用 `oa send`。"),
    "commit-unsigned": ("第三条", "提交 {commit} 没有签名。",
                        "请用 `oa clone` 配置的工作副本重新提交（git commit -S），然后再推送。"),
    "commit-bad-signature": ("第四十一条", "{commit} 的签名无效：{detail}。",
                             "签名已损坏或被伪造；请用本人登记的密钥重新签名提交。"),
    "commit-unknown-key": ("第十五条", "{commit} 由未登记的密钥 {key} 签名。",
                           "请用本人登记的密钥重新签名提交（git commit --amend -S 或 git rebase --exec 'git commit --amend --no-edit -S'）。"),
    "commit-key-invalid": ("第二十五条", "{commit} 的签名密钥 {key}（{holder}）在推送时无效：{detail}。",
                           "请用当前有效的密钥重新签名提交。"),
    "commit-other-unit": ("第十五条", "{commit} 由 {holder} 签名，签名人不属于单位“{unit}”。",
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
    "record-invalid": ("", "{what} {path} 的字段 {field} 不合规范：{detail}。",
                       "请按该记录的格式改正这个文件（未作任何改动）；登记记录由 `oa` 命令写入，请勿手工编辑。"),
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
    # --- hardening (issue 14): every object a push brings ---
    "hook-error": ("第四十条", "服务器检查推送内容时出错（{detail}），为安全起见拒绝本次推送。",
                   "请检查推送的内容是否为正常的公文和附件；如反复出现，请联系电子政务办公室。"),
    "rule-error": ("第四十条", "服务器规则 {name} 检查推送内容时出错（{detail}），为安全起见拒绝本次推送。",
                   "请检查推送的内容是否为正常的公文和附件；如反复出现，请把本条提示发给电子政务办公室。"),
    "object-broken": ("第四十条", "{place}：对象无法读取或格式错误（{detail}）。",
                      "请用标准的 Git 客户端重新提交；不要手工构造 Git 对象。"),
    "tree-entry": ("第四十条", "{path}：目录条目不允许（{detail}）。",
                   "请改用普通的文件名（不含 /、\\、控制字符，不以 .git 开头，不超过 255 字节），"
                   "删除符号链接和子模块后重新提交。"),
    "tree-too-deep": ("第四十条", "{place}：目录层级 {depth} 层、最长路径 {length} 字节，超过上限"
                      "（{max_depth} 层、{max_length} 字节）。", "请缩短目录层级和文件名后重新提交。"),
    "archive-bomb": ("第四十条", "{path}：压缩包{detail}，疑似“压缩炸弹”。",
                     "请提交未压缩或正常压缩的文件；大量材料请分成多个附件。"),
    "archive-encrypted": ("第四十条", "{path}：压缩包或文档已加密（{detail}），服务器无法检查其中的内容。",
                          "请去掉密码后重新提交；需要保密的材料不得进入本系统（第二条）。"),
    "archive-broken": ("第四十条", "{path}：压缩包无法读取（{detail}）。", "请重新导出或重新压缩后提交。"),
    "archive-unsupported": ("第四十条", "{path}：是服务器无法检查内部内容的压缩格式（{detail}）。",
                            "请改用 ZIP 格式，或直接提交其中的文件。"),
    "active-content": ("第四十条", "{path}：{detail}，打开时浏览器或阅读器可能执行其中的脚本或程序。",
                       "请改用 PDF、图片（PNG/JPEG）或纯文本提交。"),
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
    "review-mr-missing": ("第三十条", "合并请求 !{n} 不存在。", "请用 `oa review list` 查看本单位的合并请求。"),
    "review-role": ("第十三条", "{user} 不是单位“{unit}”的审核人，不能对合并请求 !{n} 表态。",
                    "请由本单位审核人审核，或请单位系统管理员分配“审核人”角色。"),
    "review-self": ("第三条", "{user}（{name}）是合并请求 !{n} 的{why}，不能审核自己的稿件。",
                    "请由本单位其他审核人审核。"),
    "review-history": ("第三条", "审核意见 {ref} 不符合意见历史规则：{detail}。",
                       "请用 `oa review approve/reject` 重新表态：原意见会自动保留在意见历史中。"),
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
    "mr-merged": ("第三十条", "合并请求 !{n} 已经合并进 main，不能再向它推送：新的修改没有经过审核和盖章。",
                  "请从最新的 main 新建草稿分支修改，再用 `oa review open` 发起新的合并请求。"),
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
    "merge-custodian-designated": ("第二十一条", "电子印章 {seal} 的指定保管人是 {custodian}，{user} 不能用它盖章签发公文。",
                                   "请由指定保管人 {custodian} 合并（oa review merge N）；更换保管人请用 "
                                   "`oa seal rotate 单位 --custodian 用户 --reason custodian-change`。"),
    "merge-reviewer-required": ("第三十条", "只含信息的合并请求须由本单位审核人（非拟稿人）以本人密钥合并：{detail}。",
                                "请由本单位其他审核人合并（oa review merge N）。"),
    "merge-no-seal": ("第十七条", "单位“{unit}”没有现行电子印章，不能签发公文。", "请电子政务办公室为本单位颁发电子印章。"),
    "merge-tree-changed": ("第八条", "合并 {commit} 改动了审核通过的内容（{path}）：{detail}。",
                           "合并只允许填写公文的发文字号（number）和盖章日期（sealed_on），以及由签发确定的签发人（signer）和成文日期（date）；请用 `oa review merge N` 重新合并。"),
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
    "archive-item-unknown": ("第三十七条", "“{item}”不是任何已归档文件的档号、发文字号或路径。",
                             "请给出档号、发文字号或公文目录（如 documents/2013/oa-measures），可在归档文件目录中核对。"),
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
    "inbox-service-only": ("第二十七条", "{ref} 由服务器投递或回传，任何人都不能直接推送。",
                           "发文请推送到本单位的 refs/outbox/<接收单位>/<编号>（`oa send` 会这样做），由服务器投递到对方收件箱。"),
    "outbox-immutable": ("第二十八条", "发件箱引用 {ref} 只能新建一次，任何人都不能更新或删除。",
                         "如需重发，请用 `oa send --resend 编号`。"),
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
    "register-lock-invalid": ("第二十九条", "收文编号锁 {ref} 的更新无效：{detail}。",
                              "请用 `oa inbox register` 登记收文：收文编号由系统按年度顺序分配，同时登记时会自动改用下一个编号。"),
    "delivery-state": ("第二十九条", "传输 {id} 当前状态为“{status}”，不能{action}。", "{remedy}"),
    # the 发文 workflow: 核稿 → 会签 → 签发 → 复核 → 盖章 (Art. 3, 12, 30; repo_tools/workflow/)
    "workflow-settings-writer": ("第十二条", "{user} 不是单位“{unit}”的系统管理员，也不是电子政务办公室管理员，不能设置发文流程。",
                                 "请由本单位系统管理员或电子政务办公室管理员设置（oa unit set-workflow）。"),
    "workflow-settings-invalid": ("第十二条", "单位“{unit}”的发文流程设置无效：{detail}。",
                                  "签发人须是本单位在岗人员；请修正后重新设置（oa unit set-workflow）。"),
    "workflow-not-document": ("第三十条", "合并请求 !{n} 不含公文：信息不经签发、会签、复核。",
                              "信息经审核人同意后直接合并（oa review merge）。"),
    "workflow-signer": ("第三条", "{user} 不是单位“{unit}”可签发合并请求 !{n} 的人员（可签发：{allowed}），也没有有效的委托。",
                        "请由本单位负责人或有签发权的副职签发，或由负责人委托（oa delegate）。"),
    "workflow-order": ("第三十条", "合并请求 !{n} 现在还不能{step}，尚缺前面的步骤：{missing}。",
                       "请按 核稿 → 会签 → 签发 → 复核 → 盖章 的顺序办理（oa review show {n} 列出所缺步骤）。"),
    "workflow-date": ("第九条", "成文日期 {day} 晚于今天 {today}。", "成文日期只能是签发当天或更早（如会议日期）。"),
    "workflow-delegation": ("第三条", "委托 {ident} 不能用于这次签发：{detail}。",
                            "请负责人本人签发，或重新委托（oa delegate --to 用户 --from 日期 --until 日期）。"),
    "workflow-checker": ("第三十条", "{user} 不能复核单位“{unit}”的合并请求 !{n}：复核须由签发人以外的本单位审核人或印章保管人办理。",
                         "请由本单位其他审核人或印章保管人复核（oa review check {n}）。"),
    "workflow-countersign-missing": ("第三十条", "单位 {unit} 没有可会签的合并请求 !{n}：{detail}。",
                                     "会签件由服务在主办单位提交后送达；请用 `oa review countersign N --unit 主办单位`。"),
    "workflow-countersign-route": ("第十三条", "{ref}：会签不能直接推送到主办单位的仓库。",
                                   "会签单位负责人在本单位仓库签名会签（oa review countersign），由服务送达主办单位。"),
    "workflow-countersign-invalid": ("第三条", "会签 {ref} 无效：{detail}。",
                                     "请用 `oa review countersign N --unit 主办单位 --opinion 意见` 重新会签。"),
    "workflow-step-invalid": ("第三条", "{ref} 的{step}无效：{detail}。", "请由有权限的本人对当前版本重新办理。"),
    "delegation-not-leader": ("第三条", "{user} 不是本单位负责人，不能委托或撤销委托签发。", "委托须由单位负责人本人签名办理。"),
    "delegation-invalid": ("第三条", "委托无效：{detail}。",
                           "请用 `oa delegate --to 用户 --from 日期 --until 日期` 重新委托。"),
    "delegation-immutable": ("第八条", "委托记录 {ref} 只能新建一次，不能更改或删除。",
                             "要提前结束委托，请负责人撤销（oa delegate --revoke 编号）。"),
    "doc-joint-unit": ("第二十一条", "{path}：联合发文单位 {units} 不是已登记的其他单位。",
                       "joint 列出会签单位的单位标识（oa unit list），不含主办单位本身。"),
    "merge-step-missing": ("第三十条", "合并请求 !{n} 缺少{step}：{detail}。",
                           "请按 核稿 → 会签 → 签发 → 复核 的顺序办理后再盖章（oa review show {n}）。"),
    "merge-signer-typed": ("第九条", "{path}：{detail}。",
                           "签发人由签发的签名确定：请删去或改正稿件中的 signer，重新提交后再签发。"),
    "merge-signed-field": ("第九条", "{path}：合并写入的{field}为“{value}”，与签发签名确定的“{expected}”不一致。",
                           "签发人和成文日期由签发签名确定，请用 `oa review merge N` 合并。"),
    # the witnessed event log (Art. 8, 41-43)
    "witness-holder": ("第十二条", "{user} 不是单位“{unit}”在岗的系统管理员，不能运行该单位的见证。",
                       "见证由本单位系统管理员用自己的见证密钥运行：`oa witness run --unit {unit} --as 管理员`。"),
    "witness-unregistered": ("第七条", "单位“{unit}”没有登记见证密钥，或登记系统中没有日志公钥。",
                             "请电子政务办公室用 `oa witness add --unit {unit} --holder 管理员` 登记见证密钥。"),
    "witness-key-missing": ("第十二条", "找不到单位“{unit}”的见证私钥 {path}。",
                            "请在保存见证状态的目录运行（--state DIR），或重新生成并登记见证密钥。"),
    "witness-key-mismatch": ("第七条", "{path} 中的见证私钥与登记系统中单位“{unit}”的见证公钥不符。",
                             "请使用登记的见证密钥；更换密钥须由电子政务办公室重新登记。"),
    "witness-bad-checkpoint": ("第四十一条", "日志检查点无效：{detail}。",
                               "请勿联署该检查点，立即报告电子政务办公室与本单位负责人（日志可能被篡改）。"),
    "witness-truncated": ("第四十一条", "单位“{unit}”的见证拒绝联署：日志被截短。本见证已联署的检查点：{old}；"
                          "日志现在发布的检查点：{new}，比已见证的少。",
                          "已见证的条目不可删除：请保留本见证的状态文件作为证据，并报告电子政务办公室。"),
    "witness-fork": ("第四十一条", "单位“{unit}”的见证拒绝联署：新检查点不是已见证检查点的延续（{detail}）。"
                     "本见证已联署的检查点：{old}；日志现在发布的检查点：{new}。",
                     "这说明日志被改写、删改或向不同见证出示了不同的历史：请保留本见证的状态文件作为证据，"
                     "用 `oa log verify --checkpoint 该检查点文件` 核查，并报告电子政务办公室。"),
    "cosignature-invalid": ("第四十一条", "单位“{unit}”的联署签名不能用登记的见证公钥验证。",
                            "请用登记的见证密钥重新运行 `oa witness run`。"),
    "cosignature-stale": ("第四十一条", "单位“{unit}”联署的不是日志当前的检查点（日志已有新条目）。",
                          "请重新运行 `oa witness run` 联署最新检查点。"),
    "cosignature-replayed": ("第四十一条", "单位“{unit}”对当前检查点已有时间更晚的联署签名，较早的联署签名不能替换它。",
                             "无需重复提交；请用 `oa witness run` 联署最新检查点。"),
    "registry-log-key": ("第四十一条", "登记文件 {path}（日志公钥）一经登记不得更改或删除：以往的检查点和日志证明都要用它核验。",
                         "如日志密钥泄露，请按安全事件处理并另行规划日志迁移，不要改写登记的公钥。"),
    "proof-invalid": ("第四十一条", "日志证明无效：{detail}。",
                      "请向发文单位或电子政务办公室重新索取证明（`oa log proof 对象`）。"),
    "proof-missing": ("第四十一条", "事件日志中没有带来对象 {oid} 的推送记录。",
                      "请确认对象标识（提交或标签的完整 ID），并确认它已推送到服务器。"),
    # --- units and people over their whole life, faults (issue 18) ---
    "registry-scope": ("第六、十二条", "{user} 是单位“{unit}”的系统管理员，只能管理本单位的人员、角色、机关代字、审批人数、收文员和档案员；不能{detail}。",
                       "其他单位的事项请由该单位系统管理员办理；单位登记、更名、注销和系统管理员的登记由电子政务办公室办理（第六条）。"),
    "user-id-reused": ("第七条", "用户标识“{user}”曾经使用过（{detail}），不得重复使用。",
                       "不得乱设、私设用户名：请为新人员另取一个从未用过的用户标识。"),
    "user-removed-final": ("第七条", "人员 {user} 已注销（{removed_at}），其登记记录只作历史保存，不能再更改。",
                           "如该人员重新使用系统，请登记一个新的用户标识。"),
    "user-remove-keys": ("第二十五条", "人员 {user} 注销时仍有有效的数字证书 {key}。",
                         "注销人员须同时注销其全部数字证书（`oa user remove` 会一并办理）。"),
    "record-id-path": ("第七条", "登记文件 {path} 中的标识“{id}”与文件名不符。",
                       "人员与单位的标识须与文件名一致（people/<用户>.yaml、units/<单位>.yaml）。"),
    "unit-change-application": ("第九条", "单位“{unit}”的{change}没有附带经批准的书面申请（{detail}）。",
                                "单位名称变更、注销与合并须向电子政务办公室提出书面申请，由单位负责人或系统管理员签字"
                                "（合并后启用新名称的，由上级主管部门签署意见）；请用 `oa unit rename/deregister/merge --approved-by` 办理。"),
    "unit-superior-required": ("第九条", "合并后启用新名称“{name}”须由上级主管部门签署意见：{detail}。",
                               "请由上级主管部门（{superior}）的负责人或系统管理员审批（--approved-by 其用户标识）。"),
    "unit-deregistered": ("第九条", "单位“{unit}”已于 {at} 注销，其仓库只读，不再接受任何推送{handover}。",
                          "如需查阅其公文与档案，请联系接收单位或档案馆；新的公文请在现有单位的仓库中办理。"),
    "unit-state": ("第九条", "单位“{unit}”：{detail}。", "{remedy}"),
    "incident-role": ("第四十四条", "{user} 不能{action}：{detail}。", "{remedy}"),
    "incident-state": ("第四十五条", "故障 {id}：{detail}。", "{remedy}"),
    "incident-not-found": ("第四十四条", "故障编号“{id}”不存在。", "请用 `oa incident list` 查看故障登记。"),
    "incident-notice-by-service": ("第四十五条", "纸质通知要附上各单位尚待签收或登记的传输，工作副本只有本单位的仓库，不能在工作副本中印发。",
                                   "请由电子政务办公室在服务器上以服务账户运行 `oa --city CITY --as 本人 incident notice 编号 --pdf 文件`。"),
    "incident-carried": ("第四十四条", "{detail}。",
                         "故障的报告、响应和排除只能由 `oa incident open/respond/resolve` 随其推送报告，由服务器记入日志；请用这些命令重新办理。"),
    # the city as a service (Art. 11, 13, 24-26)
    "ssh-denied": ("第十一条", "没有可访问的仓库，或您无权访问。",
                   "只能访问本单位的仓库和登记系统；如需权限，请联系本单位系统管理员。"),
    "ssh-git-only": ("第十三条", "本服务只接受 Git 的拉取与推送，不提供命令行。",
                     "请用 `oa clone ssh://...` 建立工作副本后用 git 或 oa 操作。"),
    "site-built-by-service": ("第三十条", "网站由城市服务生成，不能在工作副本中生成：网站包含各单位的公文和按单位、按人员的限定范围内容，"
                              "而工作副本只有本单位仓库和登记系统。",
                              "服务器在每次 main 更新后自动生成网站；如需立即生成，请服务管理员运行 `oa server publish CITY`。阅读请登录 `oa portal`。"),
    "carried-event-invalid": ("第四十一条", "推送证书携带的日志事件无效：{detail}。",
                              "日志事件只能由 oa 命令随其推送报告，并由服务器写入；请用 oa 命令重新办理，不要手工添加 oa-event 推送选项。"),
    "server-root": ("", "`oa server {action}` 须由 root 运行：它要建立服务账户、改变城市目录的属主并运行 sshd。",
                    "请用 sudo 或 root 身份重新运行。"),
    "server-missing-package": ("", "缺少系统软件：{names}。",
                               "请先安装（Debian：apt-get install {packages}，或运行 scripts/setup-system.sh）。"),
    "server-path-closed": ("", "服务账户无法进入城市目录：上级目录 {paths} 不允许其他账户通过。",
                           "请把城市放在其他账户可通过（o+x）的目录下，例如 /srv/城市名，再运行 `oa server setup`。"),
    "server-not-set-up": ("", "城市 {city} 尚未配置为服务。", "请先以 root 运行 `oa server setup {city}`。"),
    "key-no-auth": ("第二十四条", "公钥 {key} 没有认证（auth）子密钥，无法作为 SSH 登录身份。",
                    "请在本人电脑上用 `oa user keygen --name 姓名 --out 文件.asc` 生成密钥（含签名、认证、加密子密钥），再登记其公钥。"),
    "clone-url": ("", "无法识别的仓库地址 {url}。", "地址形如 ssh://oa@主机[:端口]/单位标识。"),
    # the reading portal (Art. 14, 16, 32)
    "portal-login-failed": ("第十四条", "用户标识或密码不正确。",
                            "请检查后重新输入（连续 5 次错误将锁定账户，本账户还可尝试 {left} 次）；"
                            "尚未设置密码或忘记密码，请联系本单位系统管理员用 `oa user reset-password` 设置初始密码。"),
    "portal-locked": ("第十四条", "账户 {user} 因连续 {failures} 次认证失败已被锁定。",
                      "请联系本单位系统管理员核实身份后用 `oa user enable {user}` 重新启用，再重新登录。"),
    "portal-disabled": ("第十四条", "账户 {user} 当前状态为“{status}”，不能登录。",
                        "请联系本单位系统管理员重新启用账户。"),
    "portal-csrf": ("第四十条", "表单校验码缺失或不正确，本次提交未被处理（可能来自其他网站的伪造请求）。",
                    "请回到本系统页面重新打开表单后再提交。"),
    "portal-session-ended": ("第十四条", "登录已失效（已退出、密码已更改或账户已锁定、停用）。",
                             "请重新登录。"),
    "portal-session-idle": ("第十六条", "超过 {minutes} 分钟未操作，登录已自动失效。", "请重新登录。"),
    "portal-session-expired": ("第十四条", "本次登录已超过 {hours} 小时，已自动失效。", "请重新登录。"),
    "portal-old-password": ("第十四条", "原密码不正确，密码未更改。", "请输入当前使用的密码（首次登录时即初始密码）。"),
    "portal-weak-password": ("第十四条", "新密码不符合要求：{detail}。",
                             "请设置至少 10 位、同时包含字母和数字、且不同于原密码的新密码。"),
    "portal-bad-request": ("", "无法识别的请求：{detail}。",
                           "请从本系统的页面、导航或搜索结果打开要看的内容，或检查地址是否完整、未被改动。"),
    "portal-unavailable": ("第四十四条", "阅读门户暂时无法处理请求（{detail}）。",
                           "请稍后重试；仍不能访问时请联系本单位系统管理员检查门户服务（`oa portal`）是否在运行。"),
    "portal-reset-role": ("第十四条", "{user} 不是“{target}”所在单位的系统管理员，也不是电子政务办公室管理员，不能重置其密码。",
                          "请由该单位系统管理员或电子政务办公室管理员办理。"),
    # command line
    "not-found": ("", "{what}“{name}”不存在。", "{remedy}"),
    "role-required": ("第十三条", "{user} 没有“{role}”角色，不能{action}。", "请联系本单位系统管理员分配权限。"),
    "exists": ("第七条", "{what}“{name}”已存在。", "请换一个标识，或查看现有登记。"),
    "usage": ("", "{detail}", "{remedy}"),
    "site-no-city": ("", "没有指定要生成网站的城市目录。",
                     "请设置环境变量 OA_CITY=城市目录，或在 mkdocs.yml 中写明 oa-site 插件的 city 选项。"),
    "seal-image-failed": ("", "无法绘制 {number} 的电子印章图样（{detail}），没有输出打印件：盖章公文的打印件不能缺少印章。",
                          "请检查本单位的登记信息（名称、级别）和字体安装（scripts/setup-system.sh）后重试。"),
}


# What `oa log verify` reports about the Merkle log (repo_tools/log/audit.py), sentence by sentence.
LOG_TEXT: dict[str, str] = {
    "checkpoint": "{size} 条、根哈希 {root}",
    "current-checkpoint": "当前检查点 checkpoint",
    "kept-checkpoint": "已联署检查点 checkpoints/{size}",
    "leaf-changed": "第 {entry} 号条目（第 {line} 行）与 Merkle 树中存储的叶子哈希不符：该条目被改动",
    "leaf-missing": "第 {entry} 号条目没有存储的叶子哈希",
    "tree-size": "Merkle 树记录 {stored} 条，日志有 {size} 条",
    "bundle-mismatch": "条目包 {path} 与日志不符",
    "tile-missing": "缺少瓦片 {path}",
    "tile-mismatch": "瓦片 {path} 与日志不符（自第 {entry} 号条目起）",
    "checkpoint-missing": "没有发布的检查点（CITY/log/checkpoint）",
    "checkpoint-malformed": "{name} 格式错误：{detail}",
    "checkpoint-unsigned": "{name}（{checkpoint}）没有日志密钥的有效签名",
    "cosignature-bad": "{name} 上单位 {unit} 的联署签名无效",
    "fork": "分叉：{name}（{checkpoint}）与 {other} 条目数相同而根哈希不同",
    "truncated": "日志被截短：{name} 有 {size} 条（{checkpoint}），日志只剩 {have} 条，第 {have} 号及以后的条目被删除",
    "inconsistent": "日志与 {name}（{checkpoint}）不一致：前 {size} 条中有条目被改写、删除、插入或调换（或日志分叉）",
    "located-entry": "第 {entry} 号条目（第 {line} 行）与原先发布的瓦片不符",
    "located-range": "改动位于第 {lo} 至 {hi} 号条目之间",
    "located": "定位：{where}（最后一致的检查点 {lo} 条，第一个不一致的检查点 {hi} 条）",
}


def say(key: str, /, **fields: object) -> str:
    """The sentence `key` (`<concern>.<module>.<function>.<n>`) with its fields filled in.

    Said without fields, the template is returned as written (it may itself be a template that
    the caller formats later, as a Jinja or str.format pattern)."""
    concern = key.split(".", 1)[0]
    table: dict[str, str] = importlib.import_module(f"{__name__}.{concern}").TEXT
    template = table[key]
    return template.format(**fields) if fields else template


def log_text(key: str, **fields: object) -> str:
    return LOG_TEXT[key].format(**fields)


def render(rule: str, **fields: object) -> tuple[str, str, str]:
    """(article, message, remedy) of a catalogue entry with its fields filled in."""
    article, message, remedy = CATALOGUE[rule]
    if rule == "not-found":
        article = NOT_FOUND_ARTICLES.get(str(fields.get("what", "")), "")
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


# How a refusal reads in a push's output (the hook's `Refusal.text`), and how the demo reads one
# back: by the same markers, kept beside the layout that writes them, so no caller matches text.
REFUSAL_HEADER = "━━ 推送被拒绝（服务器规则检查未通过）：本次推送的内容均未被接受 ━━"
REFUSAL_MARK = "✗"
PLACE_LABEL = "位置"
REMEDY_LABEL = "处理办法"
_REFUSAL_LINE = re.compile(r"^(?:✗ \[|拒绝 \[)(?P<rule>[a-z0-9-]+)[｜\]]")


def refusal_text(rule: str, article: str, where: str, message: str, remedy: str) -> str:
    """One refusal as the hook prints it: the rule and article, where, and what to do next."""
    return (f"{REFUSAL_MARK} [{rule}｜{article}] {message}\n"
            f"  {PLACE_LABEL}：{where}\n  {REMEDY_LABEL}：{remedy}")


def _output_lines(output: str) -> list[str]:
    return [line.removeprefix("remote: ").rstrip() for line in output.splitlines()]


def refused_rules(output: str) -> list[str]:
    """The rule ids of the refusals in a push's or command's output, in order."""
    return [m["rule"] for line in _output_lines(output) if (m := _REFUSAL_LINE.match(line.strip()))]


def refusal_summary(output: str, rule: str | None = None, *, remedies: bool = True, whole: bool = False) -> str:
    """The refusals in a push's output (git's `remote: ` prefix removed), of one rule or all:
    each refusal's first line and its remedy (`whole`: every line of it; `remedies=False`: the first line only)."""
    kept: list[str] = []
    inside = False
    for line in _output_lines(output):
        found = _REFUSAL_LINE.match(line.strip())
        if found:
            inside = rule is None or found["rule"] == rule
            if inside:
                kept.append(line.strip() if not remedies else line)
            continue
        if inside and (whole or (remedies and line.strip().startswith(f"{REMEDY_LABEL}："))):
            kept.append(line)
        if line.strip().startswith(f"{REMEDY_LABEL}："):
            inside = False
    return "\n".join(kept)


# `not-found` cites an article only where one applies: a person or unit that is not registered
# (Art. 7: no user names but the registry's; Art. 5-6: the e-gov office registers units).
NOT_FOUND_ARTICLES: dict[str, str] = {"人员": "第七条", "单位": "第六条"}

# click's own sentences (usage errors, --help boilerplate), by their English msgid: click looks
# them up through gettext, and `repo_tools.cli.chinese` gives click this catalogue.
CLICK_CATALOGUE: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "请运行“{command} {option}”查看用法。",
    "No such option {name!r}.": "没有选项“{name}”。",
    "No such option: {name}": "没有选项“{name}”。",
    "No such command {name!r}.": "没有命令“{name}”。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value: {message}": "取值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "Option {name!r} does not take a value.": "选项“{name}”不带取值。",
    "Option {name!r} requires an argument.": "选项“{name}”需要一个取值。",
    "Option {name!r} requires {nargs} arguments.": "选项“{name}”需要 {nargs} 个取值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Did you mean {possibility}?": "是不是 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是以下之一：{possibilities}？）",
    "{value!r} is not {choice}.": "“{value}”不是 {choice}。",
    "{value!r} is not one of {choices}.": "“{value}”不是 {choices} 之一。",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} does not match the format {format}.": "“{value}”不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "“{value}”不符合格式 {formats}。",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是文件。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是目录。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”不可读。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”不可写。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "required": "必填",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "Aborted!": "已中止。",
    "Do you want to continue?": "是否继续？",
    "Confirm the action without prompting.": "不经询问直接确认。",
    "unknown error": "未知错误",
    "deprecated": "已弃用",
}


# What the site's MkDocs plugin says under `mkdocs build` / `mkdocs serve` (repo_tools/site/plugin.py).
SITE_TEXT: dict[str, str] = {
    "published": "网站已发布：{out}（共 {items} 项内容，本次生成 {rendered} 个页面）。",
}


def site_text(key: str, **fields: object) -> str:
    return SITE_TEXT[key].format(**fields)
