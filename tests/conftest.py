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

