"""The 公文 rules: each with a passing and a failing document; the sample content passes; the
server hook refuses an invalid document with exactly the words `oa doc check` prints; `oa doc new`
drafts every one of the 15 types so that the draft passes."""
from __future__ import annotations

import os
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml
from fixtures import PROJECT_ROOT, Workspace, run, signed_off

from repo_tools.documents import drafting, worktree_check
from repo_tools.documents import model as documents
from repo_tools.registry.records import Registry, Unit, unit_from_dict

CONTENT = PROJECT_ROOT / "content"
TODAY = date(2026, 11, 25)
LAGOV = Unit("lagov", "六安市人民政府办公室", ["六政办", "六政办秘"], level="city")
JYJ = Unit("jyj", "六安市教育局", ["六教"], level="department")
REGISTRY = Registry(None, units={"lagov": LAGOV, "jyj": JYJ})
OA = str(Path(os.sys.executable).parent / "oa")

NOTICE = {
    "type": "通知", "title": "六安市人民政府办公室关于做好协同办公系统试运行工作的通知",
    "recipients": ["各县区人民政府", "市政府各部门"], "date": "2013-03-21",
    "printed_by": "六安市人民政府办公室", "printed_on": "2013-03-21",
}
REQUEST = {
    "type": "请示", "title": "六安市教育局关于全市中小学接入市协同办公系统的请示",
    "recipients": ["六安市人民政府"], "signer": "何敏", "date": "2013-04-08",
}


def text_of(meta: dict, body: str = "正文。\n") -> str:
    lines = ["---"]
    for key, value in meta.items():
        lines.append(yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False).strip())
    return "\n".join(lines) + "\n---\n\n" + body


def rules(meta: dict, unit: Unit = LAGOV, files: set[str] | None = None, on_main: bool = False,
          body: str = "正文。\n") -> list[str]:
    found = documents.check_document("documents/2013/x/index.md", text_of(meta, body), files or {"index.md"},
                                     unit, on_main, TODAY, REGISTRY)
    return [f.rule for f in found]


def with_(base: dict, **changes: object) -> dict:
    meta = dict(base)
    for key, value in changes.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    return meta


def test_valid_notice_and_request_pass() -> None:
    assert rules(NOTICE) == []
    assert rules(REQUEST, unit=JYJ) == []


@pytest.mark.parametrize("good,bad,rule", [
    (NOTICE, with_(NOTICE, recipient=["某单位"]), "doc-unknown-key"),
    (NOTICE, with_(NOTICE, type="通令"), "doc-type"),
    (NOTICE, with_(NOTICE, type=None), "doc-field-missing"),
    (NOTICE, with_(NOTICE, title=None), "doc-field-missing"),
    (NOTICE, with_(NOTICE, title="六安市人民政府办公室关于做好试运行工作的意见"), "doc-title-type"),
    (NOTICE, with_(NOTICE, recipients=None), "doc-recipients-missing"),
    (NOTICE, with_(NOTICE, recipients="各县区人民政府"), "doc-field"),
    (NOTICE, with_(NOTICE, urgency="紧急"), "doc-urgency"),
    (with_(NOTICE, urgency="特急"), with_(NOTICE, urgency="急件"), "doc-urgency"),
    (NOTICE, with_(NOTICE, date="2013-02-30"), "doc-field"),
    (NOTICE, with_(NOTICE, date="2013年3月21日"), "doc-field"),
    (NOTICE, with_(NOTICE, date=None), "doc-field-missing"),
    (with_(NOTICE, date="2026-11-25"), with_(NOTICE, date="2026-11-26"), "doc-date-future"),
    (NOTICE, with_(NOTICE, audience="everyone"), "doc-field"),
    (with_(NOTICE, audience=["unit:jyj", "user:zhang"]), with_(NOTICE, audience=["jyj"]), "doc-field"),
    (NOTICE, with_(NOTICE, number="六政办〔2013〕5号"), "doc-number-draft"),
    (NOTICE, with_(NOTICE, sealed_on="2013-03-21"), "doc-number-draft"),
])
def test_rule_refuses_and_accepts(good: dict, bad: dict, rule: str) -> None:
    assert rule not in rules(good), rules(good)
    assert rule in rules(bad)


def test_misspelt_recipient_names_the_known_keys() -> None:
    found = documents.check_document("documents/2013/x/index.md", text_of(with_(NOTICE, recipient=["x"])),
                                     {"index.md"}, LAGOV, False, TODAY)
    text = "\n".join(f.text() for f in found)
    assert "recipient" in text and "是否想写“recipients”" in text
    assert "recipients、cc、signer" in text


@pytest.mark.parametrize("number,rule,words", [
    ("六政办[2013]5号", "doc-number-brackets", "方括号 []"),
    ("六政办(2013)5号", "doc-number-brackets", "圆括号 ()"),
    ("六政办（2013）5号", "doc-number-brackets", "全角圆括号（）"),
    ("六政办〔2013〕05号", "doc-number-leading-zero", "前导零"),
    ("六政办〔2013〕第5号", "doc-number-di", "“第”字"),
    ("六政办〔13〕5号", "doc-number-format", "格式不正确"),
    ("六政办2013年5号", "doc-number-format", "格式不正确"),
    ("六教〔2013〕5号", "doc-number-code", "六政办、六政办秘"),
])
def test_number_format_on_main(number: str, rule: str, words: str) -> None:
    good = documents.check_document("documents/2013/x/index.md", text_of(with_(NOTICE, number="六政办秘〔2013〕27号")),
                                    {"index.md"}, LAGOV, True, TODAY)
    assert good == []
    found = documents.check_document("documents/2013/x/index.md", text_of(with_(NOTICE, number=number)),
                                     {"index.md"}, LAGOV, True, TODAY)
    assert rule in [f.rule for f in found]
    assert words in "\n".join(f.text() for f in found)
    if rule != "doc-number-format" and rule != "doc-number-code":
        assert "六政办〔2013〕5号" in "\n".join(f.remedy for f in found)


def test_number_present_on_main_absent_on_drafts() -> None:
    assert "doc-number-missing" in rules(NOTICE, on_main=True)
    assert rules(with_(NOTICE, number="六政办〔2013〕5号"), on_main=True) == []
    assert "doc-number-draft" in rules(with_(NOTICE, number="六政办〔2013〕5号"), on_main=False)


def test_request_has_one_recipient_and_a_signer() -> None:
    assert rules(REQUEST, unit=JYJ) == []
    assert "doc-request-recipients" in rules(with_(REQUEST, recipients=["六安市人民政府", "六安市财政局"]), unit=JYJ)
    assert "doc-recipients-missing" in rules(with_(REQUEST, recipients=None), unit=JYJ)
    assert "doc-signer-missing" in rules(with_(REQUEST, signer=None), unit=JYJ)


def test_report_to_a_superior_needs_a_signer() -> None:
    report = {"type": "报告", "title": "六安市教育局关于协同办公系统试运行情况的报告", "date": "2013-04-30"}
    # to a registered unit of a higher level
    assert "doc-signer-missing" in rules(with_(report, recipients=["六安市人民政府办公室"]), unit=JYJ)
    # to the people's government of the sender's own area
    assert "doc-signer-missing" in rules(with_(report, recipients=["六安市人民政府"]), unit=JYJ)
    # flagged upward
    assert "doc-signer-missing" in rules(with_(report, recipients=["省教育厅"], upward=True), unit=JYJ)
    assert rules(with_(report, recipients=["六安市人民政府"], signer="何敏"), unit=JYJ) == []
    # a 报告 across or down needs none
    assert rules(with_(report, recipients=["省教育厅"]), unit=JYJ) == []
    lagov_report = with_(report, title="六安市人民政府办公室关于协同办公系统试运行情况的报告",
                         recipients=["六安市教育局"])
    assert rules(lagov_report) == []


def test_attachments_listed_exist_and_every_file_is_listed() -> None:
    listed = with_(NOTICE, attachments=[{"title": "管理办法", "file": "attachments/measures.md"}])
    assert rules(listed, files={"index.md", "attachments/measures.md"}) == []
    assert "doc-attachment-missing" in rules(listed, files={"index.md"})
    assert "doc-attachment-unlisted" in rules(NOTICE, files={"index.md", "attachments/extra.pdf"})
    assert "doc-attachment-path" in rules(with_(NOTICE, attachments=[{"title": "x", "file": "../x.md"}]))
    assert "doc-field" in rules(with_(NOTICE, attachments=[{"title": "x", "file": "a", "size": 3}]))
    # images beside a document are not attachments
    assert rules(NOTICE, files={"index.md", "images/photo.jpg"}) == []


def test_classification_refused() -> None:
    assert "classified" in rules(NOTICE, body="机密★1年\n\n正文。\n")
    assert "classified" in rules(with_(NOTICE, classification="秘密"))
    assert "doc-unknown-key" not in rules(with_(NOTICE, classification="秘密"))
    assert rules(NOTICE, body="不得泄露国家秘密，涉密公文按纸质形式运行。\n") == []


def test_front_matter_missing_or_broken() -> None:
    found = documents.check_document("documents/2013/x/index.md", "正文\n", {"index.md"}, LAGOV, False, TODAY)
    assert [f.rule for f in found] == ["doc-frontmatter"]
    found = documents.check_document("documents/2013/x/index.md", "---\n- a\n---\n", {"index.md"}, LAGOV, False,
                                     TODAY)
    assert [f.rule for f in found] == ["doc-frontmatter"]


def test_bulletin_model() -> None:
    path = "bulletins/政务动态/2013-03-26-trial/index.md"
    good = "---\ntitle: 市协同办公系统今日起试运行\ncolumn: 政务动态\ndate: 2013-03-26\n---\n\n正文。\n"
    assert documents.check_bulletin(path, good, {"index.md"}, LAGOV, TODAY) == []
    bad = good.replace("column:", "colum:")
    assert {"doc-unknown-key", "doc-field-missing"} <= {f.rule for f in
                                                        documents.check_bulletin(path, bad, {"index.md"}, LAGOV, TODAY)}
    moved = good.replace("column: 政务动态", "column: 通知公告")
    assert [f.rule for f in documents.check_bulletin(path, moved, {"index.md"}, LAGOV, TODAY)] == ["bulletin-folder"]
    future = good.replace("2013-03-26", "2027-01-01")
    assert "doc-date-future" in [f.rule for f in documents.check_bulletin(path, future, {"index.md"}, LAGOV, TODAY)]


def sample_units() -> tuple[dict[str, Unit], Registry]:
    city = yaml.safe_load((CONTENT / "city.yaml").read_text(encoding="utf-8"))
    units = {u["id"]: unit_from_dict(u) for u in city["units"]}
    return units, Registry(None, units=units)


def test_all_sample_content_passes() -> None:
    units, registry = sample_units()
    checked = 0
    for unit_dir in sorted((CONTENT / "documents").iterdir()):
        count, found = worktree_check.check_on_disk([unit_dir], units[unit_dir.name], registry, on_main=False)
        assert found == [], [f.text() for f in found]
        checked += count
    count, found = worktree_check.check_on_disk([CONTENT / "bulletins"], units["lagov"], registry)
    assert found == [], [f.text() for f in found]
    assert checked >= 4 and count >= 1
    types = set()
    for index in (CONTENT / "documents").rglob("index.md"):
        meta, _, _ = documents.load_document(index.read_text(encoding="utf-8"))
        assert meta is not None
        types.add(meta.type)
    assert {"通知", "请示", "函", "批复"} <= types


def test_regulation_notice_has_the_measures_as_attachment() -> None:
    folder = CONTENT / "documents" / "lagov" / "2013" / "oa-measures"
    meta, body, found = documents.load_document((folder / "index.md").read_text(encoding="utf-8"))
    assert found == [] and meta is not None
    assert meta.title == "六安市人民政府办公室关于印发六安市协同办公系统使用管理办法(试行)的通知"
    assert meta.number is None and meta.date == date(2013, 3, 20)
    assert meta.recipients == ["各县区人民政府", "开发区、试验区、示范园区管委", "市政府各部门、各直属机构", "中央、省属有关单位"]
    measures = (folder / meta.attachments[0].file).read_text(encoding="utf-8")
    assert measures.count("**第") == 48 and measures.count("\n## 第") == 12
    assert "基本介绍" not in measures and "中文名" not in measures and "相关词条" not in measures
    # with a number, sealed on main, it is 六政办秘〔2013〕27号 and still passes
    sealed = (folder / "index.md").read_text(encoding="utf-8").replace("type: 通知", "type: 通知\nnumber: 六政办秘〔2013〕27号")
    units, registry = sample_units()
    assert documents.check_document("documents/2013/oa-measures/index.md", sealed,
                                    {"index.md", "attachments/measures.md"}, units["lagov"], True, TODAY) == []


def test_draft_slug_is_ascii_and_safe() -> None:
    slug = drafting.slug_for("通知", "六安市人民政府办公室关于印发某办法的通知", date(2013, 3, 20))
    assert slug.startswith("0320-notice-") and slug.isascii() and drafting.SLUG.match(slug)
    assert drafting.slug_for("函", "Ελληνικά / ../ 😀", date(2013, 1, 2)).isascii()


# Through the CLI and the real hook ------------------------------------------------------------
def oa(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k not in ("GNUPGHOME", "OA_CITY", "OA_USER")}
    return subprocess.run([OA, *args], cwd=work, env=env, capture_output=True, text=True)


def hook_lines(stderr: str) -> str:
    return "\n".join(line.removeprefix("remote: ").rstrip() for line in stderr.splitlines())


def test_push_with_invalid_document_refused_with_the_words_of_doc_check(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    bad = with_(NOTICE, recipient=["市政府各部门"], recipients=None, number="六政办[2013]第05号", urgency="急")
    ws.commit(work, {"documents/2013/bad/index.md": text_of(bad)})
    checked = oa(work, "doc", "check")
    assert checked.returncode == 1
    refusals = [block for block in checked.stderr.split("✗ ")[1:]]
    assert len(refusals) >= 4
    before = ws.snapshot()
    proc = ws.push(work)
    assert proc.returncode != 0
    said = hook_lines(proc.stderr)
    for block in refusals:
        block = block.split("共检查")[0].rstrip()
        assert "✗ " + block in said, block
    assert ws.snapshot() == before


def test_valid_draft_accepted_and_number_on_draft_refused(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"documents/2013/ok/index.md": text_of(NOTICE)})
    assert ws.push(work).returncode == 0
    ws.commit(work, {"documents/2013/ok/index.md": text_of(with_(NOTICE, number="六政办〔2013〕1号"))})
    before = ws.snapshot()
    proc = ws.push(work)
    assert proc.returncode != 0 and "[doc-number-draft｜" in proc.stderr
    assert ws.snapshot() == before


def test_deleting_a_listed_attachment_is_refused(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    meta = with_(NOTICE, attachments=[{"title": "名单", "file": "attachments/list.md"}])
    ws.commit(work, {"documents/2013/att/index.md": text_of(meta), "documents/2013/att/attachments/list.md": "名单\n"})
    assert ws.push(work).returncode == 0
    (work / "documents/2013/att/attachments/list.md").unlink()
    ws.commit(work, {}, "删附件")
    before = ws.snapshot()
    proc = ws.push(work)
    assert proc.returncode != 0 and "[doc-attachment-missing｜" in proc.stderr
    assert ws.snapshot() == before


def test_main_needs_numbers_and_refuses_duplicates(ws: Workspace) -> None:
    from forged_merges import hand_merge

    from repo_tools.review import requests as review
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"documents/2013/a/index.md": text_of(NOTICE)})
    before = ws.snapshot()
    proc = ws.push(work, "HEAD:refs/heads/main")
    assert proc.returncode != 0 and "[doc-number-missing｜" in proc.stderr
    assert ws.snapshot() == before
    ws.land("lagov", "zhang", {"documents/2013/a/index.md": text_of(NOTICE)})
    other = with_(NOTICE, title="六安市人民政府办公室关于另一事项的通知")
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"documents/2013/b/index.md": text_of(other)})
    assert ws.push(work, "HEAD:refs/heads/draft/b").returncode == 0
    n = review.open_request(ws.city, "lagov", "zhang", branch="draft/b")
    review.approve(ws.city, "lagov", n, "li", "同意。")
    signed_off(ws.city, "lagov", n)
    before = ws.snapshot()
    refusal = hand_merge(ws, "lagov", n, "zhao", "zhao", seal_key=True,
                         numbers={"documents/2013/b/index.md": "六政办〔2013〕1号"})
    assert "[doc-number-duplicate｜" in refusal
    assert "documents/2013/a/index.md" in refusal
    assert ws.snapshot() == before


def test_pre_commit_hook_runs_the_document_rules(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    with pytest.raises(AssertionError) as refused:
        ws.commit(work, {"documents/2013/pc/index.md": text_of(with_(NOTICE, urgency="急"))}, verify=True)
    assert "[doc-urgency｜" in str(refused.value)
    run(["git", "reset", "-q", "--hard"], work)
    run(["git", "clean", "-qfd"], work)
    ws.commit(work, {"documents/2013/pc/index.md": text_of(NOTICE)}, verify=True)


ALL_TYPES = {
    "决议": [], "决定": [], "命令": [], "公报": [], "公告": [], "通告": [], "意见": [],
    "通知": ["--to", "各县区人民政府", "--to", "市政府各部门"], "通报": ["--to", "各县区人民政府"],
    "报告": ["--to", "六安市人民政府", "--signer", "周杰"], "请示": ["--to", "六安市人民政府", "--signer", "周杰"],
    "批复": ["--to", "六安市教育局"], "议案": ["--to", "六安市人民代表大会常务委员会"],
    "函": ["--to", "六安市财政局", "--cc", "六安市教育局"], "纪要": [],
}


def test_doc_new_drafts_all_15_types_that_pass_check_and_push(ws: Workspace) -> None:
    assert set(ALL_TYPES) == set(documents.TYPES)
    work = ws.clone("lagov", "zhang")
    attachment = ws.base / "实施细则.md"
    attachment.write_text("# 实施细则\n\n第一条 ……\n", encoding="utf-8")
    for i, (doc_type, extra) in enumerate(ALL_TYPES.items()):
        title = f"六安市人民政府办公室关于第{i}项工作的{doc_type}"
        args = ["doc", "new", "--type", doc_type, "--title", title, *extra]
        if doc_type == "通知":
            args += ["--attach", str(attachment), "--urgency", "加急"]
        made = oa(work, *args)
        assert made.returncode == 0, made.stderr
        assert "尚待完善" not in made.stdout, made.stdout
    indexes = sorted(work.glob("documents/*/*/index.md"))
    assert len(indexes) == 15
    for index in indexes:
        slug = index.parent.name
        assert slug.isascii() and drafting.SLUG.match(slug)
        meta, _, found = documents.load_document(index.read_text(encoding="utf-8"))
        assert found == [] and meta is not None and meta.number is None
        assert meta.printed_by == "六安市人民政府办公室"
    notice = next(i for i in indexes if "-notice-" in i.parent.name)
    assert (notice.parent / "attachments" / "实施细则.md").is_file()
    assert "六政办、六政办秘" in notice.read_text(encoding="utf-8")
    checked = oa(work, "doc", "check")
    assert checked.returncode == 0, checked.stderr
    ws.commit(work, {}, "十五种公文草稿", verify=True)
    assert ws.push(work).returncode == 0


def test_doc_new_reports_what_is_missing(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    made = oa(work, "doc", "new", "--type", "请示", "--title", "六安市人民政府办公室关于某事的请示")
    assert made.returncode == 0
    assert "[doc-recipients-missing｜" in made.stdout and "[doc-signer-missing｜" in made.stdout
    again = oa(work, "doc", "new", "--type", "请示", "--title", "六安市人民政府办公室关于某事的请示")
    assert again.returncode == 1 and "已存在" in again.stderr
    usage = oa(work, "doc", "new", "--type", "通令", "--title", "x")
    assert usage.returncode == 2
