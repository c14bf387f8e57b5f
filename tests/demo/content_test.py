"""The sample content quotes the regulation in the mainland usage it was issued in (the
encyclopedia copy had turned it into Taiwan usage; ../shared/regulation/README.md lists them)."""
from __future__ import annotations

from fixtures import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "content"
MEASURES = CONTENT / "documents/lagov/2013/oa-measures"
# (Taiwan usage, the mainland word the regulation uses)
TURNED_BACK = [("列印", "打印"), ("网路", "网络"), ("伺服器", "服务器"), ("资料库", "数据库"), ("作业系统", "操作系统"),
               ("防毒软体", "杀毒软件"), ("最佳化", "优化"), ("许可权", "权限"), ("模组", "模块"), ("线上", "在线"),
               ("套用", "应用"), ("设定", "设置"), ("附属档案", "附属文件"), ("档案传输", "文件传输"),
               ("大档案", "大文件"), ("有关档案规定", "有关文件规定"), ("25号档案规定", "25号文件规定"),
               ("电子档案归档与管理规范", "电子文件归档与管理规范")]


def test_regulation_text_uses_mainland_words() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(MEASURES.rglob("*.md")))
    for taiwan, mainland in TURNED_BACK:
        assert taiwan not in text, taiwan
        assert mainland in text, mainland
    # 档案 stays where it means archives
    assert "第九章　档案管理" in text and "电子档案调阅" in text
