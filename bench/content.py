"""Synthetic Chinese content for the site benchmarks (documents and bulletins of ~2 KB)."""
from __future__ import annotations

import random

TYPES = ["通知", "通报", "意见", "报告", "请示", "批复", "函", "纪要", "决定", "公告"]
UPWARD = {"请示", "报告"}  # upward documents carry a 签发人
COLUMNS = ["政务动态", "通知公告", "工作交流", "学习园地", "便民服务"]
PHRASES = [
    "为进一步加强协同办公系统建设", "提高行政效能和服务水平", "现就有关事项通知如下", "各单位要高度重视",
    "明确分管负责人和系统管理员", "按照市政府统一部署", "切实做好电子公文传输工作", "认真组织实施",
    "确保各项措施落到实处", "加强信息安全保障", "严格执行保密规定", "涉密公文仍按纸质形式运行",
    "建立健全工作机制", "定期开展督促检查", "及时报送工作进展情况", "推进政务公开和信息共享",
    "优化审批流程", "提升群众满意度", "加快数字政府建设", "做好年度目标考核",
    "强化财政预算管理", "规范资金使用", "推动教育优质均衡发展", "加强安全生产监管",
]


def sentence(rng: random.Random) -> str:
    return "，".join(rng.choice(PHRASES) for _ in range(rng.randint(3, 6))) + "。"


def body(rng: random.Random, paragraphs: int = 4) -> str:
    return "\n\n".join("".join(sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(paragraphs))


def document_md(n: int, rng: random.Random, year: int, unit_name: str) -> str:
    kind = TYPES[n % len(TYPES)]
    title = f"关于{rng.choice(PHRASES)}的{kind}（第{n}号）"
    return (f"---\ntype: {kind}\ntitle: {title}\nrecipients: [各县区人民政府, 市政府各部门]\n"
            f"date: {year}-{1 + n % 12:02d}-{1 + n % 28:02d}\nprinted_by: {unit_name}\n---\n\n{body(rng)}\n")


def bulletin_md(n: int, rng: random.Random, column: str, day: str) -> str:
    return f"---\ntitle: {rng.choice(PHRASES)}（信息{n}）\ncolumn: {column}\ndate: {day}\n---\n\n{body(rng, 2)}\n"
