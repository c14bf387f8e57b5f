"""The refusal layout and its readers live in the catalogue: what the hook writes, the demo reads back."""
from __future__ import annotations

from repo_tools import messages
from repo_tools.hook.rules.base import refusal


def _push_output(*refusals: str) -> str:
    """What git prints for a refused push: the hook's lines behind `remote: `."""
    lines = [messages.REFUSAL_HEADER, *"\n".join(refusals).splitlines()]
    return "\n".join(f"remote: {line}" for line in lines) + "\n ! [remote rejected] main -> main (pre-receive hook declined)\n"


def test_a_refusal_reads_back_by_rule_with_its_remedy() -> None:
    merged = refusal("mr-merged", "refs/heads/mr/3", n=3).text()
    self_review = refusal("review-self", "refs/reviews/3/zhang", user="zhang", name="张三", n=3, why="拟稿人").text()
    output = _push_output(merged, self_review)
    assert messages.refused_rules(output) == ["mr-merged", "review-self"]
    _, message, remedy = messages.render("mr-merged", n=3)
    summary = messages.refusal_summary(output, "mr-merged")
    assert summary.splitlines() == [f"✗ [mr-merged｜第三十条] {message}", f"  处理办法：{remedy}"]
    assert "位置：refs/heads/mr/3" in messages.refusal_summary(output, "mr-merged", whole=True)
    assert len(messages.refusal_summary(output, remedies=False).splitlines()) == 2


def test_output_without_a_refusal_names_no_rule() -> None:
    output = "remote: 处理办法：这一行不属于任何拒绝\nTo ssh://oa@host/lagov\n   1234567..89abcde  main -> main\n"
    assert messages.refused_rules(output) == []
    assert messages.refusal_summary(output) == ""


def test_a_command_refusal_names_its_rule_too() -> None:
    refused = messages.Refused("exists", what="单位", name="lagov")
    assert messages.refused_rules(refused.text()) == ["exists"]
