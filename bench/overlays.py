"""The site build with overlays vs the single-audience build, same city, same run.

    .venv/bin/python bench/overlays.py --docs 1000 --units 100 --restricted 0.1

A city of `--units` units holding `--docs` documents; a fraction `--restricted` of them is
restricted to its own unit (`audience: [unit:<id>]`), so every unit has an overlay. Measured in
one run, each figure with the load average (1 min) when it was taken (the machine is shared):
the full build of the base alone (`overlays=False`, the single-audience build), the full build
of base + overlays, a no-op rebuild, a rebuild after one new restricted document in one unit
(only that unit's overlay is rebuilt), and a second such rebuild (the slots then replay their
journal rather than copy the site once). Each build's own split (collect, render+index,
overlays...) is printed below the table. `--rounds N` repeats the incremental rebuild N times.

    .venv/bin/python bench/overlays.py --docs 10000 --units 100 --people 5000 --personal 300

`--people N` registers N people across the units (one registry commit, as the units are), and
`--personal P` gives P of them one document of their own (`audience: [user:<id>]`): the build
must make one overlay per unit and per person *with something of their own* (100 + P), never one
per person (5,100). Then also measured: one new personal document for one person (only that
person's overlay is rebuilt).

    .venv/bin/python bench/overlays.py --sealed --units 20 --docs 1000 --restricted 0.1

`--sealed`: the sealed city of bench/sealed_city.py (every document with its seal, approvals,
push certificates and log entries; cached in bench/out/), a fraction `--restricted` of its
documents restricted to their own unit. The first build fills the signature cache (a cold one),
so the single-audience build is measured cold and again warm, and compared warm with the build
of base + overlays; then one new sealed restricted document.
"""
from __future__ import annotations

import argparse
import importlib.util  # noqa: E402
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# bench/site.py's content generators (loaded by path: `site` is also a standard module's name)
_spec = importlib.util.spec_from_file_location("bench_site", Path(__file__).resolve().parent / "site.py")
assert _spec is not None and _spec.loader is not None
bench_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_site)
body, document_md, fast_import = bench_site.body, bench_site.document_md, bench_site.fast_import

from repo_tools import city as city_mod  # noqa: E402
from repo_tools.site import build_site  # noqa: E402


def register_units(city, units: int) -> None:  # type: ignore[no-untyped-def]
    """Every unit in one registry commit, each with its bare repository: `oa unit add` makes a seal
    key and two signed pushes per unit (about 20 s a unit on a shared machine), and the site
    needs neither for unsealed, fast-imported content."""
    from repo_tools import timeutil
    from repo_tools.registry.records import Unit, dump
    changes = {}
    for u in range(units):
        unit = Unit(id=f"u{u:03d}", name=f"六安市第{u + 1}单位", codes=[f"六{u + 1}单"], level="department",
                    required_approvals=1, created_at=timeutil.iso(timeutil.now()), fonds=f"U{u:03d}")
        changes[f"units/{unit.id}.yaml"] = dump(unit)
        city_mod._new_bare(city.unit_repo(unit.id))
    city.change_registry("admin", changes, f"基准测试：登记 {units} 个单位")


def register_people(city, people: int, units: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """`people` readers spread over the units, in one registry commit: (id, unit) of each."""
    from repo_tools.registry.records import Person, dump
    made, changes = [], {}
    for n in range(people):
        person = Person(id=f"p{n:05d}", name=f"读者{n:05d}", unit=f"u{n % units:03d}", roles=["author"])
        changes[f"people/{person.id}.yaml"] = dump(person)
        made.append((person.id, person.unit))
    if changes:
        city.change_registry("admin", changes, f"基准测试：登记 {people} 名人员")
    return made


def personal_md(person: str, n: int, rng: random.Random) -> str:
    return (f"---\ntype: 函\ntitle: 关于读者{person}个人事项的函（{n}）\nrecipients: [{person}]\ndate: 2019-02-0{1 + n % 9}\n"
            f"audience: [user:{person}]\n---\n\n{body(rng)}\n")


def make_city(root: Path, docs: int, units: int, restricted: float, people: int = 0,
              personal: int = 0):  # type: ignore[no-untyped-def]
    city = city_mod.init(root)
    rng = random.Random(7)
    register_units(city, units)
    readers = register_people(city, people, units)
    chosen = rng.sample(readers, min(personal, len(readers)))
    for u in range(units):
        unit = f"u{u:03d}"
        files = {}
        for k, (person, _) in enumerate(p for p in chosen if p[1] == unit):
            files[f"documents/2019/personal-{person}/index.md"] = personal_md(person, k, rng)
        for n in range(u, docs, units):
            year = 2010 + n % 10
            text = document_md(n, rng, year, f"六安市第{u + 1}单位")
            if rng.random() < restricted:
                text = text.replace("\n---\n", f"\naudience: [unit:{unit}]\n---\n", 1)
            files[f"documents/{year}/doc-{n:05d}/index.md"] = text
        if not any(f"unit:{unit}" in t for t in files.values()):  # every unit gets one restricted item
            files["documents/2019/own/index.md"] = (f"---\ntype: 通知\ntitle: 关于本单位内部事项的通知\n"
                                                    f"recipients: [各科室]\ndate: 2019-01-02\naudience: [unit:{unit}]\n"
                                                    f"---\n\n{body(rng)}\n")
        fast_import(city.unit_repo(unit), files, f"基准测试内容：{unit}")
    city.stop_agents()
    return city


def timed(func, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return round(time.perf_counter() - start, 2), result


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def new_restricted(city, n: int) -> None:  # type: ignore[no-untyped-def]
    fast_import(city.unit_repo("u001"), {f"documents/2019/new-{n}/index.md": (
        f"---\ntype: 通知\ntitle: 关于新增内部事项的通知（{n}）\nrecipients: [各科室]\ndate: 2019-03-01\n"
        "audience: [unit:u001]\n---\n\n新增。\n")}, "基准测试：新增一件限定范围的公文")


def new_personal(city, person: str, unit: str, n: int) -> None:  # type: ignore[no-untyped-def]
    fast_import(city.unit_repo(unit), {f"documents/2019/personal-new-{n}/index.md": personal_md(person, n + 100, random.Random(n))},
                "基准测试：新增一件发给个人的公文")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--restricted", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--people", type=int, default=0)
    parser.add_argument("--personal", type=int, default=0)
    parser.add_argument("--sealed", action="store_true", help="the sealed city of bench/sealed_city.py")
    parser.add_argument("--bulletins", type=int, default=None, help="bulletins of the sealed city (default docs / 5)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="oabo", dir="/tmp"))
    rows: list[tuple[str, float, str, dict[str, float]]] = []
    try:
        if args.sealed:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            import sealed_city
            bulletins = args.docs // 5 if args.bulletins is None else args.bulletins
            t_gen, cached = timed(sealed_city.cached_city, args.units, args.docs, bulletins, restricted=args.restricted)
            city = sealed_city.working_copy(cached, base / "c")
            t_cold, cold = timed(build_site, city, base / "single", overlays=False)
            rows.append((f"single-audience build, cold signature cache ({cold.items} items)", t_cold, load(), cold.seconds))
            t_single, single = timed(build_site, city, base / "single", overlays=False, full=True)
            rows.append((f"single-audience build, warm ({single.items} items)", t_single, load(), single.seconds))
        else:
            t_gen, city = timed(make_city, base / "c", args.docs, args.units, args.restricted, args.people,
                                args.personal)
            t_single, single = timed(build_site, city, base / "single", overlays=False)
            rows.append((f"single-audience build (base only, {single.items} items)", t_single, load(), single.seconds))
        t_full, full = timed(build_site, city, base / "site")
        rows.append((f"base + {len(full.overlays)} overlays, full", t_full, load(), full.seconds))
        t_noop, noop = timed(build_site, city, base / "site")
        touched = sum(1 for r in noop.overlays.values() if r is not None)
        rows.append((f"no-op rebuild (base + overlays; overlays rebuilt: {touched})", t_noop, load(), noop.seconds))
        adder = sealed_city.adder(city) if args.sealed else None
        target = sorted(adder.units)[1] if adder is not None else "u001"
        for n in range(args.rounds):
            if adder is not None:
                sealed_city.add_document(adder, target, n, audience=f"unit:{target}")
            else:
                new_restricted(city, n)
            t_inc, inc = timed(build_site, city, base / "site")
            rebuilt = sorted(name for name, r in inc.overlays.items() if r is not None)
            rows.append((f"one new {'sealed ' if adder else ''}restricted document in {target}, round {n + 1} "
                         f"(overlays rebuilt: {', '.join(rebuilt)})", t_inc, load(), inc.seconds))
        if args.personal:
            person = sorted(name for name in full.overlays if name.startswith("user-"))[0].removeprefix("user-")
            unit = city.registry().person(person).unit
            for n in range(args.rounds):
                new_personal(city, person, unit, n)
                t_inc, inc = timed(build_site, city, base / "site")
                rebuilt = sorted(name for name, r in inc.overlays.items() if r is not None)
                rows.append((f"one new personal document for {person}, round {n + 1} (overlays rebuilt: "
                             f"{', '.join(rebuilt)})", t_inc, load(), inc.seconds))
        restricted = sum(r.items for r in full.overlays.values() if r is not None)
        kinds = {k: sum(1 for name in full.overlays if name.startswith(k)) for k in ("unit-", "user-")}
        print(f"{args.people} people registered, {args.personal} with a document of their own; overlays: "
              f"{kinds['unit-']} units' + {kinds['user-']} people's = {len(full.overlays)} (not {args.units + args.people})")
        print(f"{args.docs} documents in {args.units} units ({restricted} restricted, {len(full.overlays)} overlays); "
              f"city made in {t_gen} s; {os.cpu_count()} cores")
        print("| build | seconds | load (1 min) |")
        print("|---|---|---|")
        for name, seconds, when, _ in rows:
            print(f"| {name} | {seconds} | {when} |")
        print(f"\nfull with overlays / single-audience: {t_full / t_single:.2f}x")
        for name, _, _, split in rows:
            print(f"- {name}: {split}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
