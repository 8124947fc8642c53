"""Shared fixtures: the repository, the published build, a local server and Chromium.

Browser tests use Debian's Chromium through Playwright's Python package; no browser is ever
downloaded. Every request that does not go to the local server is blocked and recorded.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
PDF = ROOT / "_build" / "pdf" / "belarus-tech-exodus.pdf"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def require_build() -> None:
    if not (SITE / "index.html").is_file() or not PDF.is_file():
        pytest.fail("no published build: run `make test` (it builds first) or `make book`")


@pytest.fixture(scope="session")
def site() -> Path:
    require_build()
    return SITE


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output readable
        pass


@pytest.fixture(scope="session")
def server(site):
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


DRAWN = ("Array.from(document.querySelectorAll('.exodus-chart'))"
         ".every(e => ['true', 'error'].includes(e.getAttribute('data-rendered')))")


def draw_charts(page) -> None:
    """As a reader does: scroll to the first chart and point at it, which fetches the Vega
    runtime and has every chart on the page redrawn by it; wait until all are done."""
    page.evaluate("(c => c && (c.scrollIntoView(), c.dispatchEvent(new Event('pointerover'))))"
                  "(document.querySelector('.exodus-chart'))")
    page.wait_for_function(DRAWN, timeout=10000)



def open_page(browser, url: str, **context_options):
    """A page in a fresh context where every request to another host is blocked and
    recorded, and console errors are collected: (context, page, blocked, errors)."""
    context = browser.new_context(**context_options)
    blocked, errors = [], []

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:", "file:")) or host == "127.0.0.1":
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    return context, page, blocked, errors


AXE = ROOT / "tests" / "node" / "node_modules" / "axe-core" / "axe.min.js"
VISIBLE = ("sel => Array.from(document.querySelectorAll(sel))"
           ".filter(e => e.offsetParent !== null).map(e => e.innerText).join('\\n')")
CHARTS = ("Array.from(document.querySelectorAll('.exodus-chart')).map(e => ({id: e.id,"
          " state: e.getAttribute('data-rendered'),"
          " marks: e.querySelectorAll('svg .mark-symbol path, svg .mark-line path,"
          " svg .mark-rect path, svg .mark-area path, svg .mark-rule line,"
          " svg .mark-text text').length}))")
CHART_TEXT = """Array.from(document.querySelectorAll('.exodus-chart')).map(c => {
    const svg = c.querySelector('svg');
    const scale = svg.getBoundingClientRect().width / svg.width.baseVal.value;
    const texts = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim());
    const sizes = texts.map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
    return {id: c.id, layout: c.dataset.layout, min: Math.min(...sizes),
            words: texts.map(t => t.textContent).join(' '),
            width: svg.getBoundingClientRect().width};
})"""


def wait_for_charts(page) -> list[dict]:
    """Draw the page's charts as a reader does (`draw_charts`); each chart's id, state and
    number of marks."""
    draw_charts(page)
    return page.evaluate(CHARTS)


def _tooltips(page) -> list[str]:
    """For each drawing with tooltips: what Home reads out (then the right arrow is
    pressed, and Escape closes the readout)."""
    read = []
    for view in page.locator(".exodus-chart-view").all():
        view.focus()
        page.keyboard.press("Home")
        readout = view.locator("xpath=following-sibling::p[@class='exodus-chart-tip']")
        if readout.count() and readout.is_visible():
            read.append(readout.inner_text())
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Escape")
    return read


@pytest.fixture(scope="session")
def visit(browser, server):
    """What a reader meets on a page at a width, gathered once per page and width and
    shared by the tests that check it (the suite's scheduler keeps a page's tests on one
    worker): requests to other hosts, console errors, the visible text of the article and
    of its prose, and, with the charts drawn by Vega, each chart's state, marks and type
    sizes; at 1280 px also the keyboard's tooltip readouts and (with the charts' data
    tables open) axe-core's violations."""
    seen: dict[tuple[str, int], dict] = {}

    def get(path: str, width: int = 1280) -> dict:
        if (path, width) in seen:
            return seen[(path, width)]
        context, page, blocked, errors = open_page(
            browser, f"{server}/{path}", viewport={"width": width, "height": 900})
        facts = {"article": page.evaluate(VISIBLE, "article"),
                 "prose": page.evaluate(VISIBLE, "article p, article li, article figcaption, "
                                                 "article td")}
        has_charts = bool(page.query_selector(".exodus-chart"))
        facts["charts"] = wait_for_charts(page) if has_charts else []
        facts["chart_text"] = page.evaluate(CHART_TEXT) if has_charts else []
        if width == 1280:
            facts["tooltips"] = _tooltips(page) if has_charts else []
            if not AXE.is_file():
                pytest.fail("axe-core is missing: `make test` installs it (npm ci in tests/node)")
            page.evaluate("document.querySelectorAll('details.exodus-chart-data')"
                          ".forEach(d => d.open = true)")
            page.add_script_tag(path=str(AXE))
            facts["axe"] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        context.close()
        facts["blocked"], facts["errors"] = blocked, errors
        seen[(path, width)] = facts
        return facts

    return get
