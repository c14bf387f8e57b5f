"""What the demo's chapters share: the city, the clones, the console, and the facts one chapter
leaves for the next (e.g. where the sealed regulation is)."""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.markup import escape

from repo_tools.city import City
from repo_tools.messages import say
from repo_tools.resources import project_path

CONTENT = project_path("content")
DIGITS = say("demo.state.module.1")
OLD_NUMBER = re.compile(r"^[一二三四五六七八九十]+、")


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (chapter numbers)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return DIGITS[ones]
    return (DIGITS[tens] if tens > 1 else "") + say("demo.state.chinese_numeral.1") + (DIGITS[ones] if ones else "")


@dataclass
class DemoState:
    root: Path
    city: City
    console: Console
    content: Path = CONTENT
    facts: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    chapters: int = 0

    @classmethod
    def start(cls, root: Path) -> DemoState:
        root.mkdir(parents=True, exist_ok=True)
        return cls(root=root, city=City(root / "city"), console=Console(highlight=False))

    @property
    def sample(self) -> dict[str, Any]:
        return yaml.safe_load((self.content / "city.yaml").read_text(encoding="utf-8"))

    def chapter(self, title: str) -> None:
        """A chapter heading, numbered in the order the chapters run (whatever a title says)."""
        self.chapters += 1
        self.console.rule(f"[bold]{chinese_numeral(self.chapters)}、{OLD_NUMBER.sub('', title)}")

    def ok(self, text: str) -> None:
        self.console.print(f"[green]✓[/] {escape(text)}")

    def refused(self, text: str, detail: str = "") -> None:
        self.console.print(say("demo.state.refused.1", escape_text=escape(text)))
        for line in detail.strip().splitlines():
            self.console.print(f"    [dim]{escape(line)}[/]")

    def fact(self, text: str) -> None:
        self.lines.append(text)

    def work_dir(self, name: str) -> Path:
        return self.root / "work" / name

    def git(self, work: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "GNUPGHOME"}
        proc = subprocess.run(["git", *args], cwd=work, env=env, capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {proc.stderr}")
        return proc

    def witness(self) -> None:
        """Each registered unit's witness cosigns the log's newest checkpoint: a separate
        `oa witness run` process as the unit's admin, with the admin's own key and state."""
        import sys
        oa = str(Path(sys.executable).parent / "oa")
        done = []
        for item in self.sample.get("witnesses", []):
            proc = subprocess.run([oa, "--city", str(self.city.root), "--as", item["holder"], "witness", "run",
                                   "--unit", item["unit"]], capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(say("demo.state.witness.1", unit=item['unit'], stderr=proc.stderr))
            done.append(item["unit"])
        if done:
            size = (self.city.root / "log" / "checkpoint").read_text(encoding="utf-8").split("\n")[1]
            self.ok(say("demo.state.witness.2", value_join='、'.join(done), size=size))

    def summary(self, seconds: float) -> None:
        self.console.rule(say("demo.state.summary.1"))
        for line in self.lines:
            self.console.print(f"• {escape(line)}")
        self.console.print(say("demo.state.summary.2", root=self.city.root))
        self.console.print(say("demo.state.summary.3", seconds=seconds))
