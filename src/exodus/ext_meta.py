"""What a page says about itself: its description and Open Graph tags, the chapter's
notebook to download (and Binder and Colab links once the repository is public), and the
sitemap once the site's address is set."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx


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


def page_metadata(app: Sphinx, pagename: str, templatename: str, context: dict,
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


def publish_notebooks_and_sitemap(app: Sphinx, exception: Exception | None) -> None:
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
