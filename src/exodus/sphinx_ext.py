"""The book's Sphinx extension: it wires the modules below, one concern each.

- `ext_assets`: each page's assets; the chart loader and the vendored Vega runtime only on
  pages with charts (the 510 KB runtime must not load on every page, as files in the book's
  `_static/` would); nothing from another host; one stylesheet; deferred scripts.
- `ext_data`: the `{datafile}` role and the data package published beside the site.
- `ext_pdf`: the PDF without code, the edition date in words, the data attached, and the
  charts' SVG as vector PDF.
- `ext_access`: accessible markup where Sphinx and docutils write it.
- `ext_meta`: page descriptions, Open Graph tags, notebook links, the sitemap.
- `provenance`: the `{num}` role, numbers that reveal their source.

Here, too: the pages generated from the data are written before the build reads its
sources, so that a bare `jupyter-book build .` previews the book.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.writers.html5 import HTML5Translator

from exodus import ext_access, ext_assets, ext_data, ext_meta, ext_pdf, provenance


def _write_generated_pages(app: Sphinx, config: Any) -> None:
    """The pages made from the data (data catalogue, sources, how to cite) and the
    bibliography, written before Sphinx looks for documents: a bare `jupyter-book build .`
    then previews the whole book from the notebooks' stored outputs."""
    from exodus import bib, catalogue

    root = Path(app.srcdir)
    bib.write(root)
    catalogue.write(root)


def setup(app: Sphinx) -> dict[str, Any]:
    from exodus import bib

    bib.register_pybtex_plugins()  # one look-up of pybtex's plugins, not one per citation
    provenance.setup(app)
    # The data package: {datafile} links, and the package beside the site.
    app.add_role("datafile", ext_data.datafile_role)
    app.add_node(ext_data.data_file, html=(ext_data.visit_datafile_html, None),
                 latex=(ext_data.visit_datafile_latex, None),
                 text=(ext_data.visit_datafile_text, None))
    app.connect("build-finished", ext_data.publish_data)
    # Pages generated from the data, before Sphinx looks for documents.
    app.connect("config-inited", _write_generated_pages, priority=100)
    # Assets, page by page.
    app.connect("config-inited", ext_assets.add_static)
    app.connect("builder-inited", ext_assets.forget_stale_static)
    app.connect("html-page-context", ext_assets.page_context, priority=900)
    # The PDF.
    app.add_post_transform(ext_pdf.SvgToPdf)
    app.connect("config-inited", ext_pdf.attach_data_to_pdf)
    app.connect("config-inited", ext_pdf.date_in_words)
    app.connect("builder-inited", ext_pdf.pdf_without_code, priority=400)
    app.connect("doctree-resolved", ext_pdf.web_only_pages)
    # Accessibility of the markup Sphinx, docutils and myst-nb write.
    app.add_node(nodes.title, override=True,
                 html=(ext_access.visit_title, HTML5Translator.depart_title))
    app.add_node(nodes.citation, override=True,
                 html=(ext_access.visit_citation, HTML5Translator.depart_citation))
    app.connect("builder-inited", ext_access.hidden_code_toggle)
    # What each page says about itself.
    app.connect("html-page-context", ext_meta.page_metadata, priority=950)
    app.connect("build-finished", ext_meta.publish_notebooks_and_sitemap)
    # Where the site and the repository live; empty until the report is published. With a
    # site address the build writes og:url tags and sitemap.xml; with a GitHub repository
    # address each chapter gets Binder and Colab links.
    app.add_config_value("exodus_site_url", "", "html")
    app.add_config_value("exodus_repository_url", "", "html")
    app.add_config_value("exodus_repository_branch", "main", "html")
    # jupyter-book always passes the setting of sphinx-comments, an extension this book does
    # not load (it would add scripts from other hosts); declared so that it is accepted.
    app.add_config_value("comments_config", {}, "html")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
