"""`make bench`: the benchmark figures for this machine, min and median over several runs.

- cold build: a fresh copy with no `_build/`, built from scratch (notebooks executed), HTML
  only and HTML + PDF;
- no-change rebuild: `python -m exodus.build` again on an up-to-date copy;
- prose edit rebuild: one Markdown page changed, so both books are built again (always
  from scratch) without executing a notebook;
- nbval: `pytest --nbval` over every notebook;
- per page, in Debian's Chromium from a local server: total bytes loaded (the document and
  every resource, uncompressed, as a plain static server sends them) and the time from
  navigation start until every chart on the page has drawn.

Targets (issue: pipeline): no-change rebuild <= 3 s; a text-only page <= 300 KB, a chart
page <= 1 MB; every chart drawn within 1 s of navigation. Timing here is whole-process wall
time with time.perf_counter; the machine is shared, so medians are the figures to quote.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from exodus import build

ROOT = Path(__file__).resolve().parents[1]
RUNS_BUILD = int(os.environ.get("BENCH_RUNS_BUILD", "3"))
RUNS_FAST = int(os.environ.get("BENCH_RUNS_FAST", "5"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def copy_project(target: Path) -> Path:
    return build.copy_project(ROOT, target)


def timed(cmd: list[str], root: Path, env_extra: dict | None = None) -> float:
    env = {**os.environ, "EXODUS_ROOT": str(root), **(env_extra or {})}
    started = time.perf_counter()
    result = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(cmd)}\n{result.stdout[-2000:]}"
                 f"{result.stderr[-2000:]}")
    return elapsed


def row(label: str, values: list[float], unit: str, target: float | None = None) -> None:
    low, mid = min(values), statistics.median(values)
    verdict = ""
    if target is not None:
        verdict = f"   target <= {target:g} {unit}: {'met' if mid <= target else 'MISSED'}"
    print(f"{label:<44} min {low:8.2f} {unit:<3} median {mid:8.2f} {unit:<3} "
          f"(n={len(values)}){verdict}")


def bench_builds() -> None:
    build = [sys.executable, "-m", "exodus.build"]
    for label, args in [("cold build, HTML only", ["--html-only"]),
                        ("cold build, HTML + PDF", [])]:
        times = []
        for _ in range(RUNS_BUILD):
            with tempfile.TemporaryDirectory() as tmp:
                root = copy_project(Path(tmp))
                times.append(timed(build + args, root))
        row(label, times, "s")
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp))
        timed(build, root)
        row("no-change rebuild (HTML + PDF)",
            [timed(build, root) for _ in range(RUNS_FAST)], "s", 3)
        # A prose edit: no notebook runs, but both books are built again from scratch
        # (the price of builds whose bytes depend on the inputs alone).
        intro = root / "book" / "intro.md"
        original = intro.read_text(encoding="utf-8")
        edits = []
        for i in range(RUNS_BUILD):
            intro.write_text(original + f"\nEdit {i}.\n", encoding="utf-8")
            edits.append(timed(build, root))
        intro.write_text(original, encoding="utf-8")
        row("prose edit rebuild (HTML + PDF, no execution)", edits, "s")
        nbval = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                 "-o", "addopts=", "-o", "testpaths=", "notebooks"]
        row("nbval, every notebook", [timed(nbval, root) for _ in range(RUNS_BUILD)], "s")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def bench_pages() -> None:
    from playwright.sync_api import sync_playwright

    site = ROOT / "_build" / "html"
    if not (site / "index.html").is_file():
        sys.exit("no published build: run `make book` first")
    pages = sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                   if p.name not in {"genindex.html", "index.html"})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    print()
    print(f"{'page':<44} {'bytes loaded (KB)':>18} {'charts':>7} {'all charts drawn (ms)':>24}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for page_path in pages:
            sizes, draws, n_charts = [], [], 0
            for _ in range(RUNS_FAST):
                context = browser.new_context()
                context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                    base) else r.abort())
                page = context.new_page()
                page.goto(f"{base}/{page_path}", wait_until="load")
                n_charts = page.evaluate("document.querySelectorAll('.exodus-chart').length")
                if n_charts:
                    page.wait_for_function(
                        "Array.from(document.querySelectorAll('.exodus-chart'))"
                        ".every(e => e.getAttribute('data-rendered-at'))", timeout=20000)
                    draws.append(page.evaluate(
                        "Math.max(...Array.from(document.querySelectorAll('.exodus-chart'))"
                        ".map(e => Number(e.getAttribute('data-rendered-at'))))"))
                page.wait_for_timeout(200)  # late requests (icons, fonts) are counted too
                sizes.append(page.evaluate(
                    "(performance.getEntriesByType('navigation')[0].decodedBodySize || 0) + "
                    "performance.getEntriesByType('resource')"
                    ".reduce((a, r) => a + (r.decodedBodySize || 0), 0)") / 1024)
                context.close()
            limit = 1024 if n_charts else 300
            size_mid = statistics.median(sizes)
            draw = (f"min {min(draws):5.0f} median {statistics.median(draws):5.0f}"
                    if draws else "-")
            flag_size = "met" if size_mid <= limit else "MISSED"
            flag_draw = ("" if not draws else
                         " met" if statistics.median(draws) <= 1000 else " MISSED")
            print(f"{page_path:<44} {size_mid:>9.0f} ({flag_size} <= {limit}) {n_charts:>5} "
                  f"{draw:>24}{flag_draw}")
        browser.close()
    httpd.shutdown()


def main() -> None:
    print(f"benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
          f"{RUNS_BUILD} runs for builds, {RUNS_FAST} for fast figures")
    bench_builds()
    bench_pages()


if __name__ == "__main__":
    main()
