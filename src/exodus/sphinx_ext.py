"""A small Sphinx extension that keeps the book offline and light.

- Ships the Vega runtime with the book (vendored from npm, the same Vega version that
  vl-convert uses for the PDF charts; a test keeps them equal) and adds it, with the chart
  loader, only to pages that have charts.
- Drops scripts the book does not use from every page (sphinx-thebe's loader, which names
  a remote URL; require.js if a notebook output ever asks for it from a CDN).
- Registers the `{num}` role (exodus.provenance): numbers that reveal their source.
- Converts the charts' SVG to vector PDF for the LaTeX build (rsvg-convert).
- Publishes the data package beside the site, so every CSV is downloadable, and each
  chapter's notebook, linked from the chapter.
- Adds page descriptions and Open Graph tags, and a sitemap when the site's address is set.
- Writes the pages generated from the data before the build reads its sources.

Why here and not in `_static/`: jupyter-book adds every file in the book's `_static/` to
every page; the 510 KB runtime must load only where a chart is drawn.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript
from sphinx.transforms.post_transforms.images import ImageConverter
from sphinx.util import logging

from exodus import paths

STATIC_SUBDIR = "exodus"
VEGA_FILE = "vega.min.js"
LOADER_FILE = "charts.js"
CHART_MARKER = 'class="exodus-chart"'
# Files never wanted on a page: sphinx-thebe (its loader names a remote URL and the book has
# no live-code buttons) and sphinx-book-theme's script (jupyter-book loads that extension
# even with another theme, and the file is not there: a 404 on every page).
UNWANTED = ("thebe", "sphinx-book-theme")
# Files wanted only on pages that use them: (file name part, marker in the page body).
ONLY_WHERE_USED = (
    ("sphinx-design", "sd-"),
    ("design-tabs", "sd-tab"),
    ("mystnb.", 'class="cell'),
    ("togglebutton", "toggle"),
    ("copybutton", "highlight"),
    ("clipboard", "highlight"),
)
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
logger = logging.getLogger(__name__)


VENDORED_VEGA_VERSION = "6.2.0"  # src/exodus/static/exodus/vega.min.js, from npm vega@6.2.0


def _write_generated_pages(app: Sphinx, config: Any) -> None:
    """The pages made from the data (data catalogue, sources, how to cite) and the
    bibliography, written before Sphinx looks for documents: a bare `jupyter-book build .`
    then previews the whole book from the notebooks' stored outputs."""
    from exodus import bib, catalogue

    root = Path(app.srcdir)
    bib.write(root)
    catalogue.write(root)


def _date_in_words(app: Sphinx, config: Any) -> None:
    """The PDF's title page gives the edition date as readers write it ('2 December 2026'),
    not as `today` holds it in _config.yml."""
    from exodus import text

    config.today = text.when(config.today)


def _add_static(app: Sphinx, config: Any) -> None:
    static_root = Path(__file__).with_name("static")
    config.html_static_path = [*config.html_static_path, str(static_root)]
    _attach_data_to_pdf(config)


def _attach_data_to_pdf(config: Any) -> None:
    """Make the data package available to LaTeX: the data catalogue attaches each file to
    the PDF, and each caption's {datafile} link leads there, so a reader of the PDF can open
    the data behind a figure from its caption."""
    files = sorted(p for p in paths.data_dir().iterdir() if p.suffix in {".csv", ".json"})
    config.latex_additional_files = [*config.latex_additional_files, *map(str, files)]
    elements = dict(config.latex_elements)
    # \exodusattach reads the file name with "_" as a plain character: attachfile2 would
    # otherwise garble names such as hi_tech_park.csv.
    elements["preamble"] = elements.get("preamble", "") + (
        "\\usepackage[xetex]{attachfile2}\n"
        "\\newcommand\\exodusattach{\\begingroup\\catcode`\\_=12 \\exodusattachinner}\n"
        "\\newcommand\\exodusattachinner[2]{\\textattachfile{#1}{#2}\\endgroup}\n")
    config.latex_elements = elements


class data_file(nodes.Inline, nodes.TextElement):
    """A file of the data package named in the text: a download link in HTML, an
    attachment in the PDF."""


def datafile_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    filename = text.strip()
    if not (paths.data_dir() / filename).is_file() or "/" in filename:
        msg = inliner.reporter.warning(f"datafile role: no file data/{filename}", line=lineno)
        return [nodes.literal(text=f"data/{filename}")], [msg]
    return [data_file(rawtext, f"data/{filename}", filename=filename)], []


def _visit_datafile_html(self, node):
    depth = self.builder.current_docname.count("/")
    href = "../" * depth + node.astext()
    self.body.append(f'<a class="exodus-datafile" href="{href}" download>'
                     f"<code>{node.astext()}</code></a>")
    raise nodes.SkipNode


def _visit_datafile_latex(self, node):
    # A link to the data catalogue's entry for the file, where the file itself is attached
    # to the PDF (attaching inside a caption breaks: LaTeX typesets captions twice).
    stem = Path(node["filename"]).stem
    self.body.append(f"\\hyperref[exodus-data-{stem}]{{\\texttt{{{self.encode(node.astext())}}}}}")
    raise nodes.SkipNode


def _visit_datafile_text(self, node):
    self.add_text(node.astext())
    raise nodes.SkipNode


def _forget_stale_static(app: Sphinx) -> None:
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


class SvgToPdf(ImageConverter):
    """Charts are stored as SVG; LaTeX needs PDF. librsvg's rsvg-convert (Debian's
    librsvg2-bin) converts them as vectors with their fonts embedded, so chart text stays
    selectable in the PDF. Not vl-convert's svg_to_pdf: its output differs from one process
    to the next, so two builds of the same inputs gave different PDFs. rsvg-convert takes
    its date from SOURCE_DATE_EPOCH, which the build sets to the edition date."""

    default_priority = 150
    conversion_rules = [("image/svg+xml", "application/pdf")]

    def is_available(self) -> bool:
        return shutil.which("rsvg-convert") is not None

    def convert(self, _from: str, _to: str) -> bool:
        subprocess.run(["rsvg-convert", "--format", "pdf", "--output", _to, _from],
                       check=True, capture_output=True)
        return True


def _asset_name(item: Any) -> tuple[str, str]:
    name = getattr(item, "filename", None) or str(item) or ""
    body = (getattr(item, "attributes", None) or {}).get("body", "") or ""
    return str(name), str(body)


def _filter_assets(items: list, body: str, pagename: str) -> None:
    """Drop unwanted and unused files; refuse (with a warning, fatal under -W) remote ones."""
    keep = []
    for item in items:
        name, inline = _asset_name(item)
        if any(part in name or part in inline for part in UNWANTED):
            continue
        if any(part in name and marker not in body for part, marker in ONLY_WHERE_USED):
            continue
        if REMOTE.match(name) or re.search(r"https?://", inline):
            logger.warning(f"page {pagename!r} would load {name or 'an inline script'} "
                           "from another host; it was removed. Ship the file with the book.")
            continue
        keep.append(item)
    items[:] = keep


def _strip_thebe(app: Sphinx, doctree, docname: str) -> None:
    """Remove sphinx-thebe's inline configuration (it names a remote Binder repository)."""
    for node in list(doctree.findall(nodes.raw)):
        if "x-thebe-config" in node.astext() or "kernelName =" in node.astext():
            node.parent.remove(node)


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


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
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


# Accessibility repairs to markup that Sphinx and the theme write (found with axe-core):
# toctree captions carry role="heading" without a level, the theme's two <aside> landmarks
# have no names to tell them apart, and bibliography entries use a deprecated role.
HTML_REPAIRS = [
    (re.compile(r'(<p class="caption" role="heading")(?! aria-level)'), r'\1 aria-level="2"'),
    (re.compile(r'<aside class="sidebar-drawer">'),
     '<aside class="sidebar-drawer" aria-label="Chapters">'),
    (re.compile(r'<aside class="toc-drawer'), '<aside aria-label="On this page" class="toc-drawer'),
    # Bibliography entries: "doc-biblioentry" is deprecated and leaves the role="list"
    # container without list items.
    (re.compile(r'role="doc-biblioentry"'), 'role="listitem"'),
]


def _repair_html(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = text
        for pattern, replacement in HTML_REPAIRS:
            fixed = pattern.sub(replacement, fixed)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def _first_paragraph(doctree) -> str:
    if doctree is None:
        return ""
    for para in doctree.findall(nodes.paragraph):
        text = " ".join(para.astext().split())
        if len(text) > 40:
            return text if len(text) <= 220 else text[:217].rsplit(" ", 1)[0] + "…"
    return ""


def _is_notebook(app: Sphinx, pagename: str) -> bool:
    try:
        return str(app.env.doc2path(pagename, base=False)).endswith(".ipynb")
    except Exception:  # special pages (search, genindex) have no source
        return False


def _page_metadata(app: Sphinx, pagename: str, templatename: str, context: dict,
                   doctree) -> None:
    """Description and Open Graph tags on every page; notebook download and launch links on
    every chapter. All are links or inert tags: nothing is loaded from another host."""
    # jupyter-book sets the book's title as html_title and leaves Sphinx's `project` unset.
    site_name = app.config.html_title or app.config.project
    title = re.sub(r"<[^>]+>", "", context.get("title") or site_name)
    description = _first_paragraph(doctree) or site_name
    tags = [
        ("name", "description", description),
        ("property", "og:title", title),
        ("property", "og:description", description),
        ("property", "og:type", "article"),
        ("property", "og:site_name", site_name),
        ("property", "og:locale", "en_GB"),
    ]
    site = app.config.exodus_site_url.rstrip("/")
    if site:
        tags.append(("property", "og:url", f"{site}/{pagename}.html"))
    context["metatags"] = context.get("metatags", "") + "".join(
        f'\n<meta {kind}="{name}" content="{html.escape(value)}" />'
        for kind, name, value in tags)
    if not _is_notebook(app, pagename):
        return
    source = str(app.env.doc2path(pagename, base=False))
    download = context["pathto"](f"_notebooks/{Path(source).name}", 1)
    links = [f'<a href="{download}" download>Download this chapter as a notebook</a>']
    repo = app.config.exodus_repository_url.rstrip("/")
    if repo.startswith("https://github.com/"):
        slug, branch = repo[len("https://github.com/"):], app.config.exodus_repository_branch
        links += [
            f'<a href="https://mybinder.org/v2/gh/{slug}/{branch}?urlpath=lab/tree/{source}" '
            'rel="noopener noreferrer">Run it on Binder</a>',
            f'<a href="https://colab.research.google.com/github/{slug}/blob/{branch}/{source}" '
            'rel="noopener noreferrer">Open it in Colab</a>',
        ]
    context["body"] = ('<p class="exodus-page-tools">' + " · ".join(links) + "</p>\n"
                       + context.get("body", ""))


def _publish_notebooks_and_sitemap(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    target = out / "_notebooks"
    target.mkdir(exist_ok=True)
    for doc in app.env.found_docs:
        source = Path(app.env.doc2path(doc))
        if source.suffix == ".ipynb":
            shutil.copyfile(source, target / source.name)
    site = app.config.exodus_site_url.rstrip("/")
    sitemap = out / "sitemap.xml"
    if not site:
        sitemap.unlink(missing_ok=True)
        return
    pages = sorted(str(p.relative_to(out)) for p in out.rglob("*.html")
                   if not p.name.startswith("_") and p.name != "genindex.html")
    urls = "".join(f"  <url><loc>{site}/{page}</loc></url>\n" for page in pages)
    sitemap.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
                       '"http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "</urlset>\n",
                       encoding="utf-8")


def _publish_data(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = paths.data_dir()
    if not source.is_dir():
        return
    target = Path(app.outdir) / "data"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("README*", ".*"))


def _pdf_without_code(app: Sphinx) -> None:
    """The PDF is for readers: no code at all (the HTML keeps each step's code behind a
    toggle, the notebooks keep every line). myst-nb reads this setting when the builder is
    ready, so this runs just before it does."""
    if app.builder.format == "latex":
        app.config.nb_remove_code_source = True


def _visit_hidden_code(self, node) -> None:
    """myst-nb's toggle for a hidden code cell, without its `aria-label="Toggle hidden
    content"`: a name that differs from the visible "Show code cell source" fails WCAG 2.5.3
    (label in name), so the visible text names the control."""
    from html import escape

    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n'
                     f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n'
                     f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n'
                     "</summary>\n")


def _hidden_code_toggle(app: Sphinx) -> None:
    """Register the toggle's HTML once myst-nb has registered its node (extensions load in
    the order jupyter-book lists them, so this waits for the builder)."""
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    app.add_node(HideCodeCellNode, override=True,
                 html=(_visit_hidden_code, depart_HideCellInput))


def _web_only_pages(app: Sphinx, doctree, docname: str) -> None:
    """A page whose front matter says `html_only: true` (the contributor's guide) is, in the
    PDF, its title and its `pdf_note`: the citable report carries no how-to for editors."""
    if app.builder.format != "latex":
        return
    from sphinx import addnodes

    # The LaTeX builder resolves one tree for the whole book; each page sits in it under a
    # start_of_file node that names it.
    for page in list(doctree.findall(addnodes.start_of_file)):
        meta = app.env.metadata.get(page["docname"], {})
        section = next(iter(page.findall(nodes.section)), None)
        if not meta.get("html_only") or section is None:
            continue
        for child in list(section.children)[1:]:
            section.remove(child)
        section += nodes.paragraph(text=str(meta.get("pdf_note", "")))


def setup(app: Sphinx) -> dict[str, Any]:
    from exodus import provenance

    provenance.setup(app)
    app.add_role("datafile", datafile_role)
    app.add_node(data_file, html=(_visit_datafile_html, None),
                 latex=(_visit_datafile_latex, None), text=(_visit_datafile_text, None))
    app.add_post_transform(SvgToPdf)
    app.connect("config-inited", _write_generated_pages, priority=100)
    app.connect("config-inited", _add_static)
    app.connect("config-inited", _date_in_words)
    app.connect("builder-inited", _forget_stale_static)
    app.connect("builder-inited", _pdf_without_code, priority=400)
    app.connect("builder-inited", _hidden_code_toggle)
    app.connect("doctree-resolved", _strip_thebe, priority=900)
    app.connect("doctree-resolved", _web_only_pages)
    app.connect("html-page-context", _page_context, priority=900)
    app.connect("build-finished", _publish_data)
    app.connect("build-finished", _repair_html)
    app.connect("html-page-context", _page_metadata, priority=950)
    app.connect("build-finished", _publish_notebooks_and_sitemap)
    # Where the site and the repository live; empty until the report is published. With a
    # site address the build writes og:url tags and sitemap.xml; with a GitHub repository
    # address each chapter gets Binder and Colab links.
    app.add_config_value("exodus_site_url", "", "html")
    app.add_config_value("exodus_repository_url", "", "html")
    app.add_config_value("exodus_repository_branch", "main", "html")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
