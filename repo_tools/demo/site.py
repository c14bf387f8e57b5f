"""Last chapter: the intranet site, for every reader and for the readers of one unit."""
from __future__ import annotations

from pathlib import Path

from repo_tools.demo.state import DemoState
from repo_tools.site import build_site


def run(state: DemoState) -> None:
    state.chapter("七、内部网站：公文以正式版式展示，附电子印章与验证信息；信息按栏目；中文搜索")
    city = state.city
    report = build_site(city, city.site_dir, audience="all")
    state.ok(f"生成网站（读者范围：全部）：{report.items} 项内容、{len(report.rendered)} 个页面，"
             f"用时 {sum(report.seconds.values()):.1f} 秒")
    again = build_site(city, city.site_dir, audience="all")
    state.ok(f"内容未变时再次生成：重新生成 {len(again.rendered)} 个页面，用时 {sum(again.seconds.values()):.2f} 秒")
    unit = "jyj"
    unit_site = state.root / f"site-{unit}"
    unit_report = build_site(city, unit_site, audience=f"unit:{unit}")
    state.ok(f"生成单位 {unit} 读者范围的网站：{unit_report.items} 项内容 → {unit_site}")
    if report.items == 0:
        state.fact("网站已生成，但各单位 main 上尚无已发布的公文或信息（审核与盖章章节未运行）")
    registers = unit_site / "registers" / "index.html"
    if registers.exists():
        state.ok(f"单位 {unit} 的收文登记簿与发文登记簿只在本单位网站中生成：{registers}"
                 f"（全员网站中{'没有' if not (city.site_dir / 'registers').exists() else '竟有'}登记簿）")
    from repo_tools.site.overlays import overlay_root
    overlay_registers = overlay_root(city.site_dir) / f"unit-{unit}" / "registers" / "index.html"
    if overlay_registers.exists():
        state.ok(f"单位 {unit} 的收文、发文与档案调阅登记簿在本单位的叠加层中（登录门户的本单位人员可见）：{overlay_registers}")
    catalogues = [p for p in sorted((city.site_dir / "archive").glob("*/[0-9]*/index.html"))
                  if p.parent.parent.name != "stats"]
    charts = sorted((city.site_dir / "archive" / "stats").glob("*/index.html"))
    if catalogues or charts:
        state.ok(f"档案目录 {len(catalogues)} 页（只列全员可见的条目；限定范围的条目在其读者的叠加层中）、年度统计图 {len(charts)} 页："
                 f"{city.site_dir}/archive/")
    sealed = state.facts.get("sealed") or []
    for doc in sealed:
        year_slug = doc["path"].split("/", 1)[1]
        page_path = city.site_dir / "documents" / doc["unit"] / year_slug / "index.html"
        _show_sealed_page(state, doc, page_path)
        state.fact(f"公文 {doc['number']}：{page_path}")
    state.fact(f"网站目录：{city.site_dir}（原子发布：符号链接指向最新一代）；浏览：oa serve --city {city.root}"
               f"，或 oa demo --serve；地址 http://127.0.0.1:8000/")
    state.console.print(f"网站地址：file://{city.site_dir}/index.html  （oa serve 后为 http://127.0.0.1:8000/）")


def _show_sealed_page(state: DemoState, doc: dict[str, object], page_path: Path) -> None:
    """Read back the built page of a sealed document: the number, the seal image and the
    verification panel computed from the unit repository, the registry and the log."""
    if not page_path.exists():
        state.fact(f"公文 {doc['number']} 的页面不在全员网站中（读者范围受限）")
        return
    page = page_path.read_text(encoding="utf-8")
    form, _, panel = page.partition('class="verification-panel"')
    checks = {"发文字号": str(doc["number"]) in form, "电子印章图像": 'class="od-seal"' in form and "<svg" in form,
              "验证通过": "✓ 验证通过" in panel, "印章有效": "印章有效" in panel}
    approvals = panel.count('<li class="valid">')
    if all(checks.values()):
        state.ok(f"网站页面上的 {doc['number']}：正式版式、电子印章图像，验证面板显示印章有效、"
                 f"{approvals} 项审核意见签名有效，时间取自事件日志")
    else:
        missing = "、".join(k for k, v in checks.items() if not v)
        raise RuntimeError(f"{doc['number']} 的网站页面缺少：{missing}（{page_path}）")
