"""Last chapter: the intranet site, for every reader and for the readers of one unit."""
from __future__ import annotations

from ..site import build_site
from .state import DemoState


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
    sealed = state.facts.get("sealed") or []
    for doc in sealed:
        year_slug = doc["path"].split("/", 1)[1]
        state.fact(f"公文 {doc['number']}：{city.site_dir}/documents/{doc['unit']}/{year_slug}/index.html")
    state.fact(f"网站目录：{city.site_dir}（原子发布：符号链接指向最新一代）；浏览：oa serve --city {city.root}"
               f"，或 oa demo --serve；地址 http://127.0.0.1:8000/")
    state.console.print(f"网站地址：file://{city.site_dir}/index.html  （oa serve 后为 http://127.0.0.1:8000/）")
