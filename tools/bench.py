"""`make bench`: the benchmark figures for this machine, min and median over several runs.

- cold build: a fresh copy with no `_build/`, built from scratch (notebooks executed), HTML
  only and HTML + PDF;
- no-change rebuild: `python -m exodus.build` again on an up-to-date copy;
- prose edit rebuild: one Markdown page changed, so both books are built again (always
  from scratch) without executing a notebook;
- nbval: `pytest --nbval` over every notebook;
- the suite: `make test` after a built book (the checkout's own, built first), i.e. the
  whole of pytest as `make test` runs it, on all cores;
- per page, in Debian's Chromium, from a local host that serves the build's precompressed
  copies: bytes transferred (the document and every resource), the time from navigation
  start until every chart on the page is shown (its static drawing), and how long Vega
  takes to redraw them once the reader scrolls to the first;
- Lighthouse (npm, pinned) on every page, mobile defaults: score, bytes, LCP and TBT.

Targets: no-change rebuild <= 3 s; the suite <= 150 s on two cores; Lighthouse score
>= 95 and TBT <= 200 ms on every page; a text page <= 250 KB and a chart page <= 800 KB
transferred; every chart shown within 300 ms of navigation. `BENCH_ONLY_PAGES=1` skips
the build timings;
`BENCH_RUNS_SUITE` runs the suite that many times (1; 0 skips it);
`BENCH_SITE=dir` measures another build's site (for "before" figures). Timing here
is whole-process wall time with time.perf_counter; the machine is shared, so medians are
the figures to quote.
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
RUNS_SUITE = int(os.environ.get("BENCH_RUNS_SUITE", "1"))
# The site measured; another build's (an earlier commit's, say) gives the "before" figures.
SITE = Path(os.environ.get("BENCH_SITE", ROOT / "_build" / "html"))
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


def bench_suite() -> None:
    """`make test` after a built book: the build (nothing to do) is not timed, pytest is."""
    if not RUNS_SUITE:
        return
    timed([sys.executable, "-m", "exodus.build"], ROOT)
    suite = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    row(f"make test after a built book ({build.jobs()} cores)",
        [timed(suite, ROOT) for _ in range(RUNS_SUITE)], "s", 150)


class Precompressed(http.server.SimpleHTTPRequestHandler):
    """A static host that serves the build's precompressed copies (.br, else .gz) to a
    browser that accepts them, as nginx's brotli_static/gzip_static or Caddy do."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path.split("?", 1)[0])
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        accepted = self.headers.get("Accept-Encoding", "")
        for encoding, suffix in (("br", ".br"), ("gzip", ".gz")):
            if encoding in accepted and os.path.isfile(path + suffix):
                handle = open(path + suffix, "rb")  # noqa: SIM115 - the server closes it
                self.send_response(200)
                self.send_header("Content-Type", self.guess_type(path))
                self.send_header("Content-Encoding", encoding)
                self.send_header("Content-Length", str(os.fstat(handle.fileno()).st_size))
                self.end_headers()
                return handle
        return super().send_head()


LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
# Recorded from navigation start: the first animation frame at which every chart on the
# page has a drawing with a size (the static SVG, or Vega's once it has replaced it).
CHARTS_SHOWN = """
(() => {
  const t0 = performance.now();
  function check() {
    const charts = Array.from(document.querySelectorAll('.exodus-chart'));
    if (document.readyState !== 'loading' && charts.every(c => {
        const svg = c.querySelector('svg'); return svg && svg.getBoundingClientRect().width > 0;
    })) { window.__chartsShown = performance.now(); return; }
    requestAnimationFrame(check);
  }
  requestAnimationFrame(check);
})();
"""


def _serve(site: Path):
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Precompressed, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def _pages(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                  if p.name not in {"genindex.html", "index.html"})


def bench_pages() -> None:
    """Per page in Debian's Chromium: bytes transferred from a host serving the precompressed
    copies, when every chart is on screen (static drawing), and how long Vega takes to
    redraw them all once the reader scrolls to the first."""
    from playwright.sync_api import sync_playwright

    site = SITE
    if not (site / "index.html").is_file():
        sys.exit("no published build: run `make book` first")
    httpd, base = _serve(site)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    print()
    print(f"{'page':<44} {'transferred (KB)':>17} {'first paint':>11} {'charts':>6} "
          f"{'charts shown (ms)':>18} {'Vega redraw (ms)':>17}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for page_path in _pages(site):
            sizes, shown, redraw, paint, n_charts = [], [], [], [], 0
            for _ in range(RUNS_FAST):
                context = browser.new_context()
                context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                    base) else r.abort())
                context.add_init_script(CHARTS_SHOWN)
                page = context.new_page()
                page.goto(f"{base}/{page_path}", wait_until="load")
                n_charts = page.evaluate("document.querySelectorAll('.exodus-chart').length")
                page.wait_for_function(
                    "performance.getEntriesByName('first-contentful-paint').length")
                paint.append(page.evaluate("(performance.getEntriesByName("
                                           "'first-contentful-paint')[0] || {}).startTime"))
                if n_charts:
                    page.wait_for_function("window.__chartsShown !== undefined")
                    shown.append(page.evaluate("window.__chartsShown"))
                    asked = page.evaluate("(document.querySelector('.exodus-chart')"
                                          ".scrollIntoView(), performance.now())")
                    page.wait_for_function(
                        "Array.from(document.querySelectorAll('.exodus-chart'))"
                        ".every(e => e.getAttribute('data-rendered-at'))", timeout=20000)
                    redraw.append(page.evaluate(
                        "Math.max(...Array.from(document.querySelectorAll('.exodus-chart'))"
                        ".map(e => Number(e.getAttribute('data-rendered-at'))))") - asked)
                page.wait_for_timeout(200)  # late requests (icons, fonts) are counted too
                sizes.append(page.evaluate(
                    "(performance.getEntriesByType('navigation')[0].transferSize || 0) + "
                    "performance.getEntriesByType('resource')"
                    ".reduce((a, r) => a + (r.transferSize || 0), 0)") / 1024)
                context.close()
            limit = 800 if n_charts else 250
            size_mid = statistics.median(sizes)
            flag_size = "met" if size_mid <= limit else "MISSED"
            if shown:
                s_mid = statistics.median(shown)
                first = f"{s_mid:7.0f} {'met' if s_mid <= 300 else 'MISSED':>6}"
                second = f"{max(0, statistics.median(redraw)):11.0f}"
            else:
                first, second = f"{'-':>14}", f"{'-':>11}"
            fcp = statistics.median(v for v in paint if v is not None) if any(paint) else 0
            print(f"{page_path:<44} {size_mid:>6.0f} ({flag_size} <= {limit}) {fcp:>9.0f} "
                  f"{n_charts:>6} {first:>18} {second:>17}")
        browser.close()
    httpd.shutdown()


def bench_lighthouse() -> None:
    """Lighthouse (npm, pinned in tools/lighthouse) on every page, mobile defaults, with
    Debian's Chromium, from the precompressing local host: score, bytes, LCP and TBT."""
    import json

    site = SITE
    if not LIGHTHOUSE.is_file():
        sys.exit("Lighthouse is missing: `make bench` installs it (npm ci in tools/lighthouse)")
    httpd, base = _serve(site)
    flags = "--headless=new " + " ".join(CHROMIUM_ARGS)
    env = {**os.environ, "CHROME_PATH": shutil.which("chromium") or "/usr/bin/chromium"}
    print()
    print(f"{'Lighthouse ' + _lighthouse_version():<44} {'score':>5} {'KB':>6} {'LCP ms':>7} "
          f"{'TBT ms':>7}   targets: score >= 95, TBT <= 200, KB <= 250 (text) / 800")
    with tempfile.TemporaryDirectory() as tmp:
        for page_path in _pages(site):
            out = Path(tmp) / "report.json"
            result = subprocess.run(
                [str(LIGHTHOUSE), f"{base}/{page_path}", "--only-categories=performance",
                 "--output=json", f"--output-path={out}", "--quiet",
                 f"--chrome-flags={flags}"], env=env, capture_output=True, text=True)
            if result.returncode != 0:
                print(f"{page_path:<44} Lighthouse failed: {result.stderr.strip()[-200:]}")
                continue
            report = json.loads(out.read_text(encoding="utf-8"))
            audits = report["audits"]
            score = round(100 * report["categories"]["performance"]["score"])
            kb = audits["total-byte-weight"]["numericValue"] / 1024
            lcp = audits["largest-contentful-paint"]["numericValue"]
            tbt = audits["total-blocking-time"]["numericValue"]
            chart_page = 'class="exodus-chart"' in (site / page_path).read_text(encoding="utf-8")
            ok = score >= 95 and tbt <= 200 and kb <= (800 if chart_page else 250)
            print(f"{page_path:<44} {score:>5} {kb:>6.0f} {lcp:>7.0f} {tbt:>7.0f}   "
                  f"{'met' if ok else 'MISSED'}")
    httpd.shutdown()


def _lighthouse_version() -> str:
    package = LIGHTHOUSE.resolve().parents[1] / "package.json"
    import json

    return json.loads(package.read_text(encoding="utf-8"))["version"]


def main() -> None:
    print(f"benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
          f"{RUNS_BUILD} runs for builds, {RUNS_FAST} for fast figures")
    if os.environ.get("BENCH_ONLY_PAGES"):
        bench_pages()
        bench_lighthouse()
        return
    bench_builds()
    bench_suite()
    bench_pages()
    bench_lighthouse()


if __name__ == "__main__":
    main()
