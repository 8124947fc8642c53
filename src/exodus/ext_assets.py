"""The book's assets, page by page: the chart loader and the vendored Vega runtime only where
a chart is drawn, each library's files only where they are used, no file from another host,
the local stylesheets joined into one file, and the scripts deferred."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript
from sphinx.util import logging

logger = logging.getLogger(__name__)


STATIC_SUBDIR = "exodus"

VEGA_FILE = "vega.min.js"

LOADER_FILE = "charts.js"

CHART_MARKER = 'class="exodus-chart"'

# Files wanted only on pages that use them: (file name prefix under _static/, marker in the
# page body). myst-nb's stylesheet styles notebook cells; the copy button, code blocks.
ONLY_WHERE_USED = (
    ("_static/mystnb.", 'class="cell'),
    ("_static/copybutton", "highlight"),
    ("_static/clipboard.min.js", "highlight"),
)

REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)

VENDORED_VEGA_VERSION = "6.2.0"  # src/exodus/static/exodus/vega.min.js, from npm vega@6.2.0


def add_static(app: Sphinx, config: Any) -> None:
    static_root = Path(__file__).with_name("static")
    config.html_static_path = [*config.html_static_path, str(static_root)]


def forget_stale_static(app: Sphinx) -> None:
    """Remove earlier copies of static files so that Sphinx copies the current ones.

    Sphinx 7.4 does not overwrite a static file that already exists in the output, even when
    its source changed, and keeps the old cache-busting checksum: an edited stylesheet or
    chart loader would never reach readers after the first build.
    """
    if app.builder.format != "html":
        return
    out = Path(app.outdir) / "_static"
    for entry in app.config.html_static_path:
        source = Path(app.confdir, entry)
        if not source.is_dir():
            continue
        for path in source.rglob("*"):
            if path.is_file():
                (out / path.relative_to(source)).unlink(missing_ok=True)


def _asset_name(item: Any) -> tuple[str, str]:
    name = getattr(item, "filename", None) or str(item) or ""
    body = (getattr(item, "attributes", None) or {}).get("body", "") or ""
    return str(name), str(body)


def _filter_assets(items: list, body: str, pagename: str) -> None:
    """Drop unwanted and unused files; refuse (with a warning, fatal under -W) remote ones."""
    keep = []
    for item in items:
        name, inline = _asset_name(item)
        if any(name.startswith(prefix) and marker not in body
               for prefix, marker in ONLY_WHERE_USED):
            continue
        if REMOTE.match(name) or re.search(r"https?://", inline):
            logger.warning(f"page {pagename!r} would load {name or 'an inline script'} "
                           "from another host; it was removed. Ship the file with the book.")
            continue
        keep.append(item)
    items[:] = keep

COMBINED_CSS = "site-"  # _static/exodus/site-<digest>.css: one page's stylesheets, joined


def _stylesheet_source(out: Path, filename: str) -> Path | None:
    """Where a page's stylesheet is while pages are written: in the output (Sphinx copies
    static files first), or, for myst-nb's, in its package (it copies it only at the end)."""
    if (out / filename).is_file():
        return out / filename
    if re.fullmatch(r"_static/mystnb\.[0-9a-f]+\.css", filename):
        import myst_nb

        return Path(myst_nb.__file__).parent / "static" / "mystnb.css"
    return None


def _one_stylesheet(app: Sphinx, items: list) -> None:
    """A page's local stylesheets as one file, in their order, so that first paint waits for
    one request, not six (Sphinx's, the theme's, two extensions' and ours). The file is named
    by a digest of its content: pages with the same stylesheets share it, and a changed
    stylesheet gets a new name. Sphinx has copied the static files before it writes pages."""
    out = Path(app.outdir)
    sources = {item.filename: _stylesheet_source(out, item.filename) for item in items
               if item.attributes.get("rel") == "stylesheet" and not item.attributes.get("media")
               and not REMOTE.match(item.filename)}
    joined = [item for item in items if sources.get(item.filename)]
    if len(joined) < 2:
        return
    text = "".join(f"/* {item.filename} */\n" + sources[item.filename].read_text("utf-8") + "\n"
                   for item in joined)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    name = f"_static/{STATIC_SUBDIR}/{COMBINED_CSS}{digest}.css"
    target = out / name
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    first = items.index(joined[0])
    rest = [item for item in items if item not in joined]
    one = _CascadingStyleSheet(name, priority=joined[0].priority)
    items[:] = rest[:first] + [one] + rest[first:]


def _deferred_scripts(items: list) -> None:
    """The theme's and Sphinx's scripts run after the page is parsed (`defer`, in order),
    so they do not hold up first paint. Every one of them waits for DOMContentLoaded anyway.
    Inline scripts stay as they are (they only set variables)."""
    for i, item in enumerate(items):
        if (isinstance(item, _JavaScript) and item.filename and not item.attributes.get("body")
                and not {"async", "defer"} & item.attributes.keys()):
            items[i] = _JavaScript(item.filename, priority=item.priority,
                                   **(item.attributes | {"defer": "defer"}))


def page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    body = context.get("body", "")
    for key in ("script_files", "css_files"):
        if context.get(key) is not None:
            _filter_assets(context[key], body, pagename)
    if context.get("css_files"):
        _one_stylesheet(app, context["css_files"])
    # The search page's own scripts are written into its template without `defer` and call
    # doctools.js as they load; its scripts stay in order as Sphinx wrote them.
    if context.get("script_files") and pagename != "search":
        _deferred_scripts(context["script_files"])
    if CHART_MARKER in body:
        # Only the small loader: it fetches the Vega runtime (VEGA_FILE, beside it) when a
        # reader reaches for a chart or scrolls to one; the static drawings need nothing.
        app.add_js_file(f"{STATIC_SUBDIR}/{LOADER_FILE}", priority=901, loading_method="defer")
