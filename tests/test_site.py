"""The HTML in a real browser (Debian's Chromium), with every non-local request blocked.

For each page in the table of contents: it opens, nothing is requested from another host,
the console stays free of errors, and every chart draws marks.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import DRAWN, ROOT, SITE, open_page, wait_for_charts


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [p + ".html" for p in pages] + ["search.html", "genindex.html"]


PAGES = toc_pages()


@pytest.mark.parametrize("page_path", PAGES)
def test_page_is_offline_clean_and_draws(visit, page_path):
    assert (SITE / page_path).is_file(), f"{page_path} was not built"
    seen = visit(page_path)
    assert seen["blocked"] == [], f"requests to other hosts: {seen['blocked']}"
    assert seen["errors"] == [], f"console errors: {seen['errors']}"
    for chart in seen["charts"]:
        assert chart["state"] == "true" and chart["marks"] > 0, chart


def test_chart_pages_are_the_notebook_pages(site):
    with_charts = sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                         if 'class="exodus-chart"' in p.read_text(encoding="utf-8"))
    assert "notebooks/hi_tech_park_rise.html" in with_charts


def test_only_chart_pages_carry_the_loader_and_no_page_loads_vega_itself(site):
    """The Vega runtime is fetched by the loader when it is wanted, never by the page: a
    chart page carries only the small loader, and the static drawings of its charts."""
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        has_chart = 'class="exodus-chart"' in html
        assert ("exodus/charts.js" in html) == has_chart, page
        assert "vega.min.js" not in html, page
        if has_chart:
            assert html.count('class="exodus-chart-static"><svg') == html.count(
                'class="exodus-chart"'), page


@pytest.mark.parametrize("page_path", [p for p in PAGES if p.startswith("notebooks/")])
def test_with_scripts_off_every_chart_is_drawn_and_its_data_table_is_there(browser, server,
                                                                         page_path):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/{page_path}")
    charts = page.eval_on_selector_all(".exodus-chart", """els => els.map(e => ({
        marks: e.querySelectorAll('svg path, svg text, svg line, svg rect').length,
        width: e.querySelector('svg') ? e.querySelector('svg').getBoundingClientRect().width : 0,
        table: !!e.parentElement.querySelector('details.exodus-chart-data table')}))""")
    context.close()
    for chart in charts:
        assert chart["marks"] > 10 and chart["width"] > 200 and chart["table"], (page_path,
                                                                               chart)


def test_a_reader_who_does_not_scroll_to_a_chart_never_loads_vega(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 400})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/notebooks/hi_tech_park_rise.html")
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)
    # the premise: the first chart starts more than a screen and the margin below the top
    top = page.evaluate("document.querySelector('.exodus-chart').getBoundingClientRect().top")
    assert top > 400 + 200
    fetched = page.evaluate("performance.getEntriesByType('resource')"
                            ".filter(r => r.name.endsWith('/vega.min.js')).length")
    states = page.eval_on_selector_all(".exodus-chart", "els => els.map(e => "
                                       "[e.getAttribute('data-rendered'), "
                                       "e.querySelectorAll('svg path').length])")
    page.mouse.move(200, 200)
    page.mouse.wheel(0, top)  # a reader scrolling down to the first chart...
    page.wait_for_function(DRAWN, timeout=10000)  # ...has every chart redrawn by Vega
    context.close()
    assert fetched == 0
    assert states and all(state is None and paths > 0 for state, paths in states), states
    assert errors == []


def test_vega_is_fetched_only_after_the_page_has_loaded(browser, server):
    context, page, blocked, errors = open_page(
        browser, f"{server}/notebooks/hi_tech_park_rise.html")
    wait_for_charts(page)
    timing = page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const vega = performance.getEntriesByType('resource')
            .filter(r => r.name.endsWith('/vega.min.js'));
        return {load: nav.loadEventEnd, vega: vega.map(r => r.startTime)};
    }""")
    context.close()
    assert len(timing["vega"]) == 1, timing  # fetched once, for every chart on the page
    assert timing["vega"][0] >= timing["load"], timing
    assert blocked == [] and errors == []


def test_no_page_references_another_host_for_code_or_style(site):
    pattern = re.compile(r'<(?:script|link|img|iframe|source|video|audio)\b[^>]*'
                         r'(?:src|href)="((?:https?:)?//[^"]+)"', re.I)
    for page in site.rglob("*.html"):
        found = pattern.findall(page.read_text(encoding="utf-8"))
        assert found == [], f"{page.relative_to(site)} loads {found}"
    for css in site.rglob("*.css"):
        urls = re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", css.read_text("utf-8"))
        assert urls == [], f"{css.relative_to(site)} loads {urls}"


def test_chart_page_works_opened_from_disk(browser, site):
    page_file = Path(site, "notebooks", "hi_tech_park_rise.html")
    context, page, blocked, errors = open_page(browser, page_file.as_uri())
    charts = wait_for_charts(page)
    context.close()
    assert blocked == [] and errors == []
    assert charts and all(c["state"] == "true" and c["marks"] > 0 for c in charts)


def test_data_package_is_published_with_the_site(site):
    assert (site / "data" / "datapackage.json").is_file()
    for csv in (ROOT / "data").glob("*.csv"):
        assert (site / "data" / csv.name).read_bytes() == csv.read_bytes()


def _chart_csv(page, chart_id: str):
    """The data a chart draws, as the page offers it for download (its data: URL)."""
    import io
    from urllib.parse import unquote

    import pandas as pd

    href = page.locator(f"#{chart_id} ~ details a[download], "
                        f"#{chart_id} + details a[download]").first.get_attribute("href")
    return pd.read_csv(io.StringIO(unquote(href.split(",", 1)[1])))


def test_a_keyboard_reads_a_charts_points_in_order_of_time(browser, server):
    """Tab reaches the drawing; Home, End and the arrows read its points' tooltips into a
    live region, left to right: the first is the earliest report the chart draws and the
    last the latest, with their values from the chart's own data."""
    context, page, blocked, errors = open_page(browser,
                                               f"{server}/notebooks/hi_tech_park_rise.html")
    view = page.locator("#fig-htp-exports .exodus-chart-view")
    assert view.get_attribute("tabindex") == "0"
    view.focus()
    page.wait_for_selector("#fig-htp-exports .exodus-chart[data-rendered=true]")
    chart_id = page.locator("#fig-htp-exports .exodus-chart").get_attribute("id")
    data = _chart_csv(page, chart_id)
    readout = page.locator("#fig-htp-exports .exodus-chart-tip")
    assert not readout.is_visible()
    shown = {}
    for key in ("Home", "ArrowRight", "End"):
        page.keyboard.press(key)
        assert readout.is_visible() and readout.get_attribute("role") == "status"
        shown[key] = dict(line.split(": ", 1) for line in readout.inner_text().splitlines())
    page.keyboard.press("Escape")
    assert not readout.is_visible()
    context.close()
    assert blocked == [] and errors == []
    for key, year in (("Home", data["year"].min()), ("End", data["year"].max())):
        assert shown[key]["Year"] == str(year), (key, shown[key])
        values = data.loc[data["year"] == year, "value"]
        assert float(shown[key]["US$ million"].replace(",", "")) in set(values), shown[key]
    assert int(shown["ArrowRight"]["Year"]) >= int(shown["Home"]["Year"])


CHART_PAGES = sorted(str(p.relative_to(SITE)) for p in SITE.rglob("*.html")
                     if 'class="exodus-chart"' in p.read_text(encoding="utf-8")) \
    if SITE.is_dir() else ["(no build)"]


@pytest.mark.parametrize("page_path", CHART_PAGES)
def test_every_charts_tooltips_are_reachable_by_keyboard(visit, page_path):
    """On every chart page, each drawing that has tooltips reads one out on Home, and the
    next one on the right arrow, so no tooltip needs a pointer."""
    seen = visit(page_path)
    assert seen["blocked"] == [] and seen["errors"] == [], page_path
    assert seen["tooltips"] and all(text.strip() for text in seen["tooltips"]), page_path


def test_glued_numbers_reveal_their_source_on_focus_and_hover(browser, server):
    context, page, blocked, errors = open_page(browser,
                                               f"{server}/notebooks/hi_tech_park_rise.html")
    numbers = page.locator(".exodus-num")
    assert numbers.count() >= 3
    first = numbers.first
    note = first.locator(".exodus-num-note")
    assert not note.is_visible()
    first.focus()
    assert note.is_visible()
    assert "data/hi_tech_park.csv, row" in note.inner_text()
    page.mouse.move(0, 0)
    first.blur()
    numbers.nth(1).hover()
    assert numbers.nth(1).locator(".exodus-num-note").is_visible()
    context.close()
    assert errors == []


def test_every_number_in_a_glued_sentence_has_provenance(site):
    """Numbers inside the generated sentences are all wrapped (a bare number would be a
    number nobody can trace)."""
    import html as html_lib

    for page in (site / "notebooks").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for block in re.findall(r'<div class="cell_output[^"]*">(.*?)</div>', text, re.S):
            if "exodus-num" not in block:
                continue
            bare = re.sub(r'<span class="exodus-num".*?</span></span>', "", block, flags=re.S)
            bare = re.sub(r"<[^>]+>", " ", html_lib.unescape(bare))
            bare = re.sub(r"\b(19|20)\d\d\b", " ", bare)  # years
            assert not re.search(r"\d", bare), (page.name, bare[:300])


@pytest.mark.parametrize("query", ["Лукашэнка", "Лукашенко", "Lukashenka", "ПВТ",
                                   "Tsapkala"])
def test_every_name_variant_finds_the_glossary(browser, server, query):
    from urllib.parse import quote

    context, page, blocked, errors = open_page(browser,
                                               f"{server}/search.html?q={quote(query)}")
    page.wait_for_selector("#search-results ul.search li", timeout=10000)
    links = page.eval_on_selector_all("#search-results ul.search li a",
                                      "els => els.map(e => e.getAttribute('href'))")
    context.close()
    assert any("glossary" in (href or "") for href in links), (query, links)
    assert blocked == [] and errors == []


@pytest.mark.parametrize("page_path", PAGES)
def test_axe_core_finds_no_accessibility_violations(visit, page_path):
    """Today's axe-core (pinned in tests/node/package-lock.json, injected from disk) on
    every page, with the charts drawn and their data tables open."""
    seen = visit(page_path)
    results = seen["axe"]
    assert results["testEngine"]["version"] == "4.14.1"
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                  for v in results["violations"]]
    assert violations == [], violations
    assert seen["blocked"] == []


def test_charts_stay_readable_in_dark_mode(browser, server):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(f"{server}/notebooks/hi_tech_park_rise.html")
    wait_for_charts(page)
    page_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    chart_backgrounds = page.evaluate(
        "Array.from(document.querySelectorAll('.exodus-chart svg')).map(s => "
        "getComputedStyle(s).backgroundColor)")
    context.close()
    assert page_background != "rgb(255, 255, 255)", "the theme did not switch to dark"
    assert chart_backgrounds and all(b == "rgb(255, 255, 255)" for b in chart_backgrounds)


@pytest.mark.parametrize("page_path", PAGES)
def test_page_has_title_description_and_open_graph_tags(site, page_path):
    html = (site / page_path).read_text(encoding="utf-8")
    assert re.search(r"<title>[^<]{5,}</title>", html)
    for name in ['name="description"', 'property="og:title"', 'property="og:description"',
                 'property="og:type"']:
        assert re.search(rf'<meta {name} content="[^"]+"', html), (page_path, name)
    # Sphinx's placeholder for an unset project name never stands in for a description.
    assert "Project name not set" not in html, page_path
    assert re.search(r'<meta property="og:site_name" content="Belarus&#x27;s tech exodus', html)


def test_every_chapter_offers_its_notebook(site):
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        page = (site / "notebooks" / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert f'href="../_notebooks/{nb.name}" download' in page, nb.name
        assert (site / "_notebooks" / nb.name).read_bytes() == nb.read_bytes()
