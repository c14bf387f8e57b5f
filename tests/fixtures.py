"""Real cities for tests: real bare repositories, real hooks, real gpg keys, real pushes.

Building a city costs tens of seconds (every registry change and every step of a document is a
signed push through the real hook), so each state that many tests start from (the sample city,
a city with a published document, an archived year, the portal's sample) is built once per test
run, by whichever pytest-xdist worker first asks for it while the others wait on a file lock, and
every test gets its own copy of it (keyrings, repositories and log), relocated so that its hooks
and clones point at the copy.
"""
from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock

from repo_tools import city as city_mod
from repo_tools.city import City
from repo_tools.git.clone import clone
from repo_tools.git.repo import clean_env, git
from repo_tools.identity import keys
from repo_tools.log import enrol

PROJECT_ROOT = Path(__file__).resolve().parent.parent  # the checkout: content/, scripts/, docs/

# (unit id, name, agency codes, level)
UNITS = [
    ("lagov", "六安市人民政府办公室", ["六政办", "六政办秘"], "city"),
    ("jyj", "六安市教育局", ["六教"], "department"),
    ("czj", "六安市财政局", ["六财"], "department"),
]
# (user id, name, unit, roles)
PEOPLE = [
    ("zhang", "张明", "lagov", ["author"]),
    ("li", "李华", "lagov", ["reviewer"]),
    ("wang", "王芳", "lagov", ["reviewer"]),
    ("zhao", "赵强", "lagov", ["seal-custodian"]),
    ("ma", "马骏", "lagov", ["seal-custodian"]),
    ("qian", "钱丽", "lagov", ["clerk"]),
    ("sun", "孙伟", "lagov", ["archivist"]),
    ("zhou", "周杰", "lagov", ["admin"]),
    ("wu", "吴静", "jyj", ["author", "reviewer"]),
    ("zheng", "郑伟", "jyj", ["clerk", "seal-custodian"]),
    ("he", "何敏", "jyj", ["reviewer"]),
    ("feng", "冯刚", "czj", ["author"]),
    ("chen", "陈红", "czj", ["clerk", "seal-custodian"]),
    ("han", "韩梅", "czj", ["reviewer"]),
    # deputies who may 签发 (Unit.signers); leaders stay unnamed so tests of naming one start clean
    ("lu", "陆远", "lagov", []),
    ("gu", "顾兵", "jyj", []),
    ("shi", "石磊", "czj", []),
]
SIGNERS = {"lagov": ["lu"], "jyj": ["gu"], "czj": ["shi"]}
# (unit, admin holding its witness key): two witnesses, the default quorum
WITNESSES = [("egov", "admin"), ("lagov", "zhou")]


def build_sample_city(root: Path) -> City:
    city = city_mod.init(root)
    for unit_id, name, codes, level in UNITS:
        city_mod.add_unit(city, "admin", unit_id, name, codes, level)
    for user, name, unit, roles in PEOPLE:
        city_mod.add_user(city, "admin", user, name, unit, roles)
    from repo_tools.workflow.settings import set_workflow
    for unit_id, signers in SIGNERS.items():
        set_workflow(city, "admin", unit_id, signers=signers)
    for unit, holder in WITNESSES:
        enrol.add_witness(city, "admin", unit, holder)
    city.stop_agents()
    return city


def short_tmpdir(prefix: str = "oa") -> Path:
    """A short directory under /tmp: gpg-agent sockets must fit in 107 bytes."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def _copy_file(source: str, target: str) -> None:
    """Git objects (loose objects and packs) are never written in place, only added and
    removed: a hard link shares them with the template (no new inode, no data copied). Every
    other file (keyrings, logs, configs, refs) is copied."""
    if f"{os.sep}objects{os.sep}" in source and ".git" in source:
        os.link(source, target)
    else:
        shutil.copy2(source, target)


def copy_city(template: City, target: Path) -> City:
    """A private copy of a city whose repositories' hooks point at the copy."""
    shutil.copytree(template.root, target, symlinks=True, copy_function=_copy_file,
                    ignore=shutil.ignore_patterns("S.gpg-agent*", "*.lock"))
    city = City(target.resolve())
    for repo in city.repositories():
        git("config", "oa.city", str(city.root), cwd=repo, env=clean_env())
    return city


def stop_agents(city: City) -> None:
    """`city.stop_agents()` for the homes that have an agent: a test uses a few of a city's 23
    GnuPG homes, and a `gpgconf --kill` per home cost a second per test. gpg puts the agent's
    socket in the home unless /run/user/<uid>/gnupg exists; then every home is asked."""
    if Path(f"/run/user/{os.getuid()}/gnupg").exists():
        city.stop_agents()
        return
    for home in city.gnupg_homes():
        if (home / "S.gpg-agent").exists():
            keys.stop_agent(home)


# Built once per test run ---------------------------------------------------------------------
RUN_DIR_ENV = "OA_TEST_RUN_DIR"  # set by conftest's pytest_configure in the controller, inherited by workers
T = TypeVar("T")


def run_dir() -> Path:
    """The folder every worker of this test run shares (short: the cities' gpg sockets live in it)."""
    value = os.environ.get(RUN_DIR_ENV)
    if not value:  # a process that conftest did not configure (a script importing these fixtures)
        value = str(short_tmpdir("oar"))
        os.environ[RUN_DIR_ENV] = value
    return Path(value)


def built_once(name: str, build: Callable[[Path], T]) -> tuple[City, T]:
    """The city `build(root)` makes and what it returns, built once per test run by whichever
    worker first asks; the others wait on the lock, then read the same. The city returned is the
    stored one: tests never act in it, they act in a copy (`copy_city`, `Workspace.prepare`)."""
    base = run_dir()
    root = base / name
    done = base / f"{name}.pickle"
    with FileLock(str(base / f"{name}.lock")):
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            result = build(root)
            stop_agents(City(root))
            _pack(City(root))
            done.write_bytes(pickle.dumps(result))
    return City(root.resolve()), pickle.loads(done.read_bytes())


def _pack(city: City) -> None:
    """Each repository's objects in one pack: every test copies the city, and its few hundred
    loose objects (and their folders) were half of what a copy made and removed. Objects no ref
    reaches (a push certificate the log names) stay loose, as they were."""
    for repo in city.repositories():
        git("repack", "-a", "-d", "-q", cwd=repo, env=clean_env())


def sample_city_once() -> City:
    """The sample city (units, people, signers, witnesses), built once per test run."""
    city, _ = built_once("t", build_sample_city)
    return city


def prepared_city(name: str, build: Callable[[Workspace], T]) -> tuple[City, T]:
    """A copy of the sample city after `build(workspace)` ran in it, built once per test run;
    `build` returns plain data (commit ids, a package), never paths into the city it ran in."""
    def make(root: Path) -> Any:
        template = sample_city_once()
        work = root.parent / f"{root.name}.w"  # the builder's clones, dropped once it is done
        work.mkdir(exist_ok=True)
        try:
            return build(Workspace(copy_city(template, root), work))
        finally:
            stop_agents(City(root))
            shutil.rmtree(work, ignore_errors=True)
    return built_once(name, make)


@dataclass
class Workspace:
    """A test's city plus helpers to act in it as its people do."""
    city: City
    base: Path

    def prepare(self, name: str, build: Callable[[Workspace], T]) -> T:
        """Make this workspace's city a fresh copy of the state `build` makes from the sample
        city (built once per test run, see `prepared_city`); return what `build` returned.
        The same `name` must always mean the same `build`."""
        source, result = prepared_city(name, build)
        # It replaces the whole city: what the test did before would be lost without a word.
        assert self.snapshot() == Workspace(sample_city_once(), self.base).snapshot(), \
            f"prepare({name!r}) must come before the test changes its city"
        stop_agents(self.city)
        shutil.rmtree(self.city.root)
        copy_city(source, self.city.root)
        return result

    def clone(self, unit: str, user: str) -> Path:
        target = self.base / f"w-{user}-{unit}"
        n = 1
        while target.exists():
            n += 1
            target = self.base / f"w-{user}-{unit}-{n}"
        return clone(self.city, unit, target, user)

    def commit(self, work: Path, files: dict[str, bytes | str], message: str = "提交",
               sign: bool = True, verify: bool = False) -> str:
        for rel, content in files.items():
            path = work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        run(["git", "add", "-A"], work)
        args = ["git", "commit", "-q", "-m", message]
        if not verify:
            args.append("--no-verify")  # let the server be the judge in push tests
        if not sign:
            args.append("--no-gpg-sign")
        run(args, work)
        return run(["git", "rev-parse", "HEAD"], work).stdout.strip()

    def push(self, work: Path, refspec: str = "HEAD:refs/heads/draft/test", *extra: str,
             signed: bool = True) -> subprocess.CompletedProcess[str]:
        args = ["git", "push", "--porcelain"]
        if not signed:
            args.append("--no-signed")
        return run([*args, *extra, "origin", refspec], work, check=False)

    def land(self, unit: str, author: str, files: dict[str, bytes | str], message: str = "发布") -> str:
        """Put files on a unit's `main` the way the system allows; return the new main commit.

        Every test that needs published content (site, archive, transmission) calls this one
        function, so it follows whatever path `main` requires: a merge request by `author`,
        approvals by as many of the unit's reviewers as the unit requires, for documents the
        签发 by the unit's first permitted signer (成文日期: the latest typed `date`, so sample
        years stay) and the 复核 where the unit requires it, then the merge: by a seal custodian
        under the unit seal when documents are touched (each document gets the next 发文字号; a
        `number` already in a draft is dropped and only its agency code kept), else by a
        reviewer with their personal key.
        """
        from repo_tools.documents import frontmatter
        from repo_tools.review import requests as review
        from repo_tools.seal import numbering, sealing
        work = self.clone(unit, author)
        run(["git", "checkout", "-q", "-b", f"draft/land-{work.name}"], work)
        code = None
        dates: list = []
        files = dict(files)
        for rel, content in files.items():
            if rel.startswith("documents/") and rel.endswith("/index.md"):
                text = content.decode() if isinstance(content, bytes) else content
                try:
                    meta, _ = frontmatter.split(text)
                except frontmatter.FrontMatterError:
                    continue
                if _as_date(meta.get("date")):
                    dates.append(_as_date(meta.get("date")))
                preset = numbering.parse(str(meta.get("number") or ""))
                if meta.get("number"):
                    code = code or (preset.code if preset else None)
                    files[rel] = _drop_key(text, "number")
        self.commit(work, files, message)
        n = review.open_request(self.city, unit, author, title=message, workdir=work)
        reg = self.city.registry()
        unit_rec = reg.unit(unit)
        assert unit_rec is not None
        reviewers = [p.id for p in reg.with_role(unit, "reviewer") if p.id != author]
        assert len(reviewers) >= unit_rec.required_approvals, f"{unit} has too few reviewers"
        for reviewer in reviewers[:max(unit_rec.required_approvals, 1)]:
            review.approve(self.city, unit, n, reviewer, "同意。")
        if any(rel.startswith("documents/") for rel in files):
            signed_off(self.city, unit, n, on=max(dates) if dates else None)
            seal = reg.active_seal(unit)
            merger = (seal.custodian if seal and seal.custodian else None) or \
                next(p.id for p in reg.with_role(unit, "seal-custodian"))
        else:
            merger = reviewers[0]
        if code is not None and code not in unit_rec.codes:
            code = None
        return sealing.merge(self.city, unit, n, merger, code=code).merge

    def witness(self, units: list[str] | None = None) -> list[subprocess.CompletedProcess[str]]:
        """Each unit's witness cosigns the log's newest checkpoint, as the unit's admin does: a
        separate `oa witness run` process with its own key and state (under the admin's
        directory), reading only what the log publishes."""
        done = []
        for unit, holder in WITNESSES:
            if units is not None and unit not in units:
                continue
            proc = run([str(Path(sys.executable).parent / "oa"), "--city", str(self.city.root), "--as", holder,
                        "witness", "run", "--unit", unit], self.base, check=False)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            done.append(proc)
        return done

    def snapshot(self) -> dict[str, object]:
        """Everything a refused push must leave untouched: refs, registry and the log."""
        refs = {}
        for repo in self.city.repositories():
            refs[repo.name] = git("for-each-ref", "--format=%(objectname) %(refname)", cwd=repo,
                                  env=clean_env())
        return {"refs": refs, "log": self.city.log_file.read_bytes()}


def signed_off(city: City, unit: str, n: int, on: date | None = None, signer: str | None = None) -> None:
    """The steps after 核稿 that a document needs before the seal: the 签发 by the unit's first
    permitted signer (成文日期 `on`, by default the latest `date` typed in the request's documents,
    so that sample years stay) and the 复核 where the unit requires it."""
    from repo_tools.review.model import MR_BRANCH
    from repo_tools.review.views import ReviewView
    from repo_tools.workflow import acting, steps
    from repo_tools.workflow.settings import allowed_signers
    with ReviewView.of(city, unit) as view:
        head = view.ref(f"{MR_BRANCH}{n}")
        assert head is not None
        flow = steps.judge(view, n, head, view.ref("refs/heads/main"))
    if not flow.documents:
        return
    if on is None:
        typed = [_as_date(d.meta.get("date")) for d in flow.documents]
        on = max((t for t in typed if t), default=None)
    # Not someone who approved (核稿) this request: a person's one ref per request would be replaced
    # by the 签发 tag, and the approval the 签发 needs would be gone with it.
    approvers = {v.reviewer for v in flow.status.approvals}
    signer = signer or next(p for p in allowed_signers(flow.unit, [d.type for d in flow.documents])
                            if p not in flow.status.committers and p not in approvers)
    acting.sign_off(city, unit, n, signer, "同意印发。", on=on)
    if flow.unit.check_required:
        reg = city.registry()
        checker = next(p.id for p in reg.with_role(unit, "seal-custodian") if p.id not in flow.status.committers)
        acting.check(city, unit, n, checker)


def _as_date(value: object) -> date | None:
    """A typed `date` (YAML date or ISO string), else None."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _drop_key(text: str, key: str) -> str:
    """The text without one top-level front-matter key (its line)."""
    head, sep, rest = text.partition("\n---")
    lines = [line for line in head.split("\n") if not line.startswith(f"{key}:")]
    return "\n".join(lines) + sep + rest


def run(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "GNUPGHOME"}
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed: {proc.stdout}\n{proc.stderr}")
    return proc
