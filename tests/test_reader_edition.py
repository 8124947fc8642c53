"""What a reader sees: no code, no data-frame dumps, tables for readers with labels and
dates in words, in the HTML at 1280 px and 390 px, and in the PDF.

Charts are also checked here for what a reader needs of them: labels, a phone's width and
type size, and the key events on every time axis."""

from __future__ import annotations

import csv
import json
import re
import subprocess

import pytest
from conftest import PDF, ROOT, VISIBLE, require_build

CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
# Code as it would show if a code cell were open: calls and imports of the notebooks.
CODE = re.compile(r"\bdata\.load\(|\bimport altair\b|\balt\.Chart\(|\btables\.glue\(|"
                  r"\.groupby\(|\.reset_index\(")
# What pandas prints for a Series or a frame's index.
DUMP = re.compile(r"\bdtype: \w+|\bName: \w+, dtype|\bLength: \d+")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
ISO_DATE = re.compile(r"\b(?:19|20)\d\d-\d\d(?:-\d\d)?\b")


def _visible(page, selector: str) -> str:
    return page.evaluate(VISIBLE, selector)


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapter_shows_no_code_and_no_dumps(visit, chapter, width):
    shown = visit(f"notebooks/{chapter}.html", width)["article"]
    assert not CODE.findall(shown), (chapter, width, CODE.findall(shown)[:3])
    assert not DUMP.findall(shown), (chapter, width)


def test_code_is_still_one_toggle_away_for_a_rerunner(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/notebooks/hi_tech_park_rise.html", wait_until="load")
    toggles = page.query_selector_all("details.hide.above-input")
    assert toggles, "no code toggles: a rerunner cannot see the code of a step"
    toggles[0].query_selector("summary").click()
    assert CODE.search(_visible(page, "article")), "the opened toggle shows no code"
    context.close()


def _reader_tables(browser, server) -> dict[str, str]:
    context = browser.new_context()
    page = context.new_page()
    found = {}
    for chapter in CHAPTERS:
        page.goto(f"{server}/notebooks/{chapter}.html", wait_until="load")
        for i, handle in enumerate(page.query_selector_all("table.exodus-table")):
            found[f"{chapter} table {i + 1}"] = handle.inner_text()
    context.close()
    return found


def test_readers_tables_are_numbered_and_speak_in_labels_and_words(browser, server):
    found = _reader_tables(browser, server)
    assert len(found) >= 6, sorted(found)
    for where, shown in found.items():
        caption, _, body = shown.partition("\n")
        assert re.match(r"Table \d+\.\d+ ", caption), (where, caption)
        assert not SNAKE.findall(body), (where, SNAKE.findall(body)[:5])
        assert not ISO_DATE.findall(body), (where, ISO_DATE.findall(body)[:5])
        assert "nan" not in body.split() and "<NA>" not in body and "None" not in body.split()
        assert not re.search(r"\b\d+\.0\b", body), (where, "a whole number shown as x.0")


def test_every_readers_table_is_pasted_where_it_is_built():
    glued, pasted = set(), set()
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            glued |= set(re.findall(r'tables\.glue\("(\w+)"', source))
            pasted |= set(re.findall(r"```\{glue:md\} (tbl_\w+)", source))
    assert glued and glued == pasted


@pytest.fixture(scope="module")
def pdf_pages() -> list[str]:
    require_build()
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(PDF), "-"],
                          capture_output=True, text=True, check=True).stdout
    return text.split("\f")


def test_the_pdf_carries_no_code_no_dumps_and_no_wrap_marks(pdf_pages):
    text = "\n".join(pdf_pages)
    assert not CODE.findall(text), CODE.findall(text)[:3]
    assert not DUMP.findall(text)
    assert "↪" not in text, "a line of code or BibTeX was wrapped with a continuation mark"


def test_the_pdf_numbers_every_readers_table(pdf_pages):
    text = "\n".join(pdf_pages)
    captions = re.findall(r"Table (\d+)\.(\d+): ", text)
    tables_in_notebooks = sum(
        len(re.findall(r"```\{glue:md\} tbl_", "".join(c["source"])))
        for nb in (ROOT / "notebooks").glob("*.ipynb")
        for c in json.loads(nb.read_text(encoding="utf-8"))["cells"])
    assert len(set(captions)) == tables_in_notebooks


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_charts_speak_in_labels_and_fit_a_phone(visit, chapter):
    """Each chart as Vega draws it on a 390 px phone: the words it shows and the smallest
    type, in CSS pixels."""
    drawn = visit(f"notebooks/{chapter}.html", 390)["chart_text"]
    for chart in drawn:
        assert not SNAKE.findall(chart["words"]), (chapter, chart["id"],
                                                  SNAKE.findall(chart["words"])[:5])
        if chart["layout"] == "fluid":
            # drawn at the phone's width, its type at full size (12 px), not scaled down
            assert 300 <= chart["width"] <= 390, (chapter, chart)
            assert chart["min"] >= 11, (chapter, chart["id"], chart["min"])
        else:
            # faceted or concatenated: its panels narrowed to the phone's width, so that its
            # type is not scaled below 9 px
            assert chart["width"] <= 390, (chapter, chart)
            assert chart["min"] >= 9, (chapter, chart["id"], chart["min"])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_prose_and_captions_show_no_iso_date_and_no_code(visit, chapter):
    """Dates in words ("September 2022"), codes by their labels; a data file's name in its
    download link ("hi_tech_park.csv") is the one code a reader may see."""
    shown = visit(f"notebooks/{chapter}.html")["prose"]
    assert not ISO_DATE.findall(shown), (chapter, ISO_DATE.findall(shown)[:5])
    codes = [c for c in SNAKE.findall(re.sub(r"\b\w+\.(?:csv|json)\b", "", shown))]
    assert not codes, (chapter, codes[:5])


@pytest.mark.parametrize("width", [1280, 390])
def test_the_summary_opens_with_headline_figures_then_one_chart_then_the_findings(
        browser, server, width):
    """Four to six figures, each a number that names its source (a row of the package, or
    our formula) and, for a source's figure, cites it; then one chart; then the findings.
    On a phone the box is one column within the screen's width."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/notebooks/summary.html", wait_until="load")
    items = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.exodus-headlines > p')).map(p => {
          const num = p.querySelector('strong .exodus-num');
          return {figure: p.querySelector('strong').innerText,
                  value: num && num.querySelector('.exodus-num-value').innerText,
                  note: num && num.querySelector('.exodus-num-note').textContent,
                  cites: p.querySelectorAll('a[href*="references.html"]').length,
                  left: p.getBoundingClientRect().left, right: p.getBoundingClientRect().right};
        })""")
    order = page.evaluate("""() => {
        const box = document.querySelector('.exodus-headlines');
        const charts = document.querySelectorAll('article .exodus-chart');
        const finding = Array.from(document.querySelectorAll('article p > strong'))
          .find(s => s.innerText.startsWith('About') && !box.contains(s));
        const before = (a, b) => !!(a.compareDocumentPosition(b) &
                                    Node.DOCUMENT_POSITION_FOLLOWING);
        return {charts: charts.length, box_first: before(box, charts[0]),
                chart_then_findings: before(charts[0], finding),
                wide: document.documentElement.scrollWidth};
    }""")
    context.close()
    assert 4 <= len(items) <= 6, items
    for item in items:
        assert item["value"] and item["value"] in item["figure"], item
        if item["note"].startswith("Our calculation"):
            continue
        assert "row " in item["note"] and item["cites"] >= 1, item  # a sourced row, cited
    assert any(i["note"].startswith("Our calculation") for i in items)  # the estimate
    assert order == {"charts": 1, "box_first": True, "chart_then_findings": True,
                     "wide": width}
    if width == 390:
        assert len({round(i["left"]) for i in items}) == 1  # one column
        assert max(i["right"] for i in items) <= 390


_SPEC = re.compile(r'<div class="exodus-chart" id="([^"]+)".*?'
                   r'<script type="application/json" class="exodus-chart-spec">(.*?)</script>',
                   re.S)


def _scales(node) -> list[dict]:
    if isinstance(node, dict):
        return node.get("scales", []) + [s for v in node.values() for s in _scales(v)]
    if isinstance(node, list):
        return [s for v in node for s in _scales(v)]
    return []


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_time_chart_names_the_key_events_on_it(chapter):
    """A chart with a time axis draws the report's key events with their short labels (the
    `marker` column of data/events.csv), read from the spec the page draws."""
    require_build()
    page = (ROOT / "_build" / "html" / "notebooks" / f"{chapter}.html").read_text("utf-8")
    with open(ROOT / "data" / "events.csv", encoding="utf-8") as fh:
        markers = {row["marker"] for row in csv.DictReader(fh) if row["marker"]}
    assert len(markers) >= 3
    for cid, spec_text in _SPEC.findall(page):
        spec = json.loads(spec_text)
        if not any(s.get("type") in ("time", "utc") for s in _scales(spec)):
            continue
        drawn = {row.get("marker") for data in spec.get("data", [])
                 for row in data.get("values", []) if isinstance(row, dict)}
        assert drawn & markers, (chapter, cid, "a time chart without the key events")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_chart_label_is_cut_on_a_desktop_or_a_phone(visit, chapter):
    """Vega cuts a label longer than its limit with an ellipsis; no chart may show one."""
    for width in (1280, 390):
        for chart in visit(f"notebooks/{chapter}.html", width)["chart_text"]:
            cut = [w for w in chart["words"].split("  ") if "…" in w]
            assert "…" not in chart["words"], (chapter, width, chart["id"], cut[:3])
