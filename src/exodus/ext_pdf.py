"""The PDF: no code, the contributor's guide as one sentence, the edition date in words,
the data package attached, and the charts' SVG converted to vector PDF."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms.images import ImageConverter

from exodus import paths


def date_in_words(app: Sphinx, config: Any) -> None:
    """The PDF's title page gives the edition date as readers write it ('2 December 2026'),
    not as `today` holds it in _config.yml."""
    from exodus import text

    config.today = text.when(config.today)


def attach_data_to_pdf(app: Sphinx, config: Any) -> None:
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


def pdf_without_code(app: Sphinx) -> None:
    """The PDF is for readers: no code at all (the HTML keeps each step's code behind a
    toggle, the notebooks keep every line). myst-nb reads this setting when the builder is
    ready, so this runs just before it does."""
    if app.builder.format == "latex":
        app.config.nb_remove_code_source = True


def web_only_pages(app: Sphinx, doctree, docname: str) -> None:
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
