"""Accessibility, where Sphinx, docutils and myst-nb write the markup (found with axe-core;
the theme's two <aside> landmarks get their names in book/_templates/page.html)."""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.writers.html5 import HTML5Translator


def visit_title(self, node) -> None:
    """A toctree caption in the navigation is a heading: give it the level that
    role="heading" needs (Sphinx writes none)."""
    from sphinx import addnodes

    if isinstance(node.parent, addnodes.compact_paragraph) and node.parent.get("toctree"):
        self.body.append(self.starttag(node, "p", "", CLASS="caption", ROLE="heading",
                                       **{"aria-level": "2"}))
        self.body.append('<span class="caption-text">')
        self.context.append("</span></p>\n")
        return
    HTML5Translator.visit_title(self, node)


def visit_citation(self, node) -> None:
    """A bibliography entry is an item of its role="list" container: docutils writes the
    deprecated role "doc-biblioentry", which leaves the list without items."""
    if not isinstance(node.previous_sibling(), type(node)):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


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


def hidden_code_toggle(app: Sphinx) -> None:
    """Register the toggle's HTML once myst-nb has registered its node (extensions load in
    the order jupyter-book lists them, so this waits for the builder)."""
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    app.add_node(HideCodeCellNode, override=True,
                 html=(_visit_hidden_code, depart_HideCellInput))
