"""The data package with the book: the `{datafile}` role (a download link on the web, a link
to the attached file in the PDF) and the package published beside the site."""

from __future__ import annotations

import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

from exodus import paths


class data_file(nodes.Inline, nodes.TextElement):
    """A file of the data package named in the text: a download link in HTML, an
    attachment in the PDF."""


def datafile_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    filename = text.strip()
    if not (paths.data_dir() / filename).is_file() or "/" in filename:
        msg = inliner.reporter.warning(f"datafile role: no file data/{filename}", line=lineno)
        return [nodes.literal(text=f"data/{filename}")], [msg]
    return [data_file(rawtext, f"data/{filename}", filename=filename)], []


def visit_datafile_html(self, node):
    depth = self.builder.current_docname.count("/")
    href = "../" * depth + node.astext()
    self.body.append(f'<a class="exodus-datafile" href="{href}" download>'
                     f"<code>{node.astext()}</code></a>")
    raise nodes.SkipNode


def visit_datafile_latex(self, node):
    # A link to the data catalogue's entry for the file, where the file itself is attached
    # to the PDF (attaching inside a caption breaks: LaTeX typesets captions twice).
    stem = Path(node["filename"]).stem
    self.body.append(f"\\hyperref[exodus-data-{stem}]{{\\texttt{{{self.encode(node.astext())}}}}}")
    raise nodes.SkipNode


def visit_datafile_text(self, node):
    self.add_text(node.astext())
    raise nodes.SkipNode


def publish_data(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = paths.data_dir()
    if not source.is_dir():
        return
    target = Path(app.outdir) / "data"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("README*", ".*"))
