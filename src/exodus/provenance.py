"""Number provenance: every glued number can say where it came from.

In the text a number is written with the `{num}` role: ``{num}`585.2 <htp_008>``` for a
figure taken from a data row, or ``{num}`5.5 <ours: peak / earliest>``` for our own
arithmetic. In HTML the number becomes focusable and reveals, on hover and on keyboard
focus, the source's title, publisher and date and the quoted words (or the formula). In
the PDF it is the plain number. A reference to a row that does not exist stops the strict
build.
"""

from __future__ import annotations

import csv
import html
import json
import re
from functools import cache
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

from exodus import paths

logger = logging.getLogger(__name__)
ROLE = re.compile(r"^(?P<display>.*?)\s*<(?P<ref>[^<>]+)>$", re.S)


class DuplicateId(ValueError):
    """Two data rows share an id, so a number's provenance would be ambiguous."""


class provenance_number(nodes.Inline, nodes.TextElement):
    """A number with its provenance (a note shown on hover and focus in HTML)."""


@cache
def _rows(data_dir: str) -> tuple[dict[str, dict], dict[str, dict]]:
    root = Path(data_dir)
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    rows: dict[str, dict] = {}
    for resource in descriptor["resources"]:
        names = [f["name"] for f in resource["schema"]["fields"]]
        if "id" not in names:
            continue
        with open(root / resource["path"], encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["id"] in rows:
                    # Never let one row pass for another: the data validation refuses this
                    # too, with both lines named.
                    raise DuplicateId(f"row id {row['id']!r} is in both data/"
                                      f"{rows[row['id']]['_dataset']} and data/"
                                      f"{resource['path']}; ids must be unique")
                rows[row["id"]] = {**row, "_dataset": resource["path"]}
    with open(root / "sources.csv", encoding="utf-8", newline="") as fh:
        sources = {r["source_id"]: r for r in csv.DictReader(fh)}
    return rows, sources


def describe(ref: str, data_dir: Path | None = None) -> str:
    """The provenance note for a reference; raises KeyError for an unknown row id."""
    if ref.startswith("ours:"):
        return f"Our calculation: {ref[len('ours:'):].strip()}"
    rows, sources = _rows(str(data_dir or paths.data_dir()))
    row = rows[ref]
    source = sources[row["source_id"]]
    words = f"“{row['quote']}”" if row.get("quote") else f"at {row.get('locator', '')}"
    from exodus.text import when

    published = when(source["date_published"]) if source["date_published"] else "n.d."
    return (f"{source['publisher']}, “{source['title']}” ({published}): "
            f"{words} [data/{row['_dataset']}, row {ref}]")


def num_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    match = ROLE.match(text)
    if not match:
        msg = inliner.reporter.warning(
            f"num role needs 'VALUE <row_id>' or 'VALUE <ours: formula>', got {text!r}",
            line=lineno)
        return [nodes.Text(text)], [msg]
    display, ref = match.group("display"), match.group("ref").strip()
    try:
        note = describe(ref)
    except DuplicateId as err:
        msg = inliner.reporter.error(f"num role: {err}", line=lineno)
        return [nodes.Text(display)], [msg]
    except KeyError:
        msg = inliner.reporter.warning(f"num role: no data row with id {ref!r}", line=lineno)
        return [nodes.Text(display)], [msg]
    node = provenance_number(rawtext, display, note=note)
    return [node], []


def visit_html(self, node):
    note = html.escape(node["note"])
    self.body.append(
        f'<span class="exodus-num" tabindex="0" aria-label="{html.escape(node.astext())}: '
        f'{note}"><span class="exodus-num-value">{html.escape(node.astext())}</span>'
        f'<span class="exodus-num-note" role="tooltip" aria-hidden="true">{note}</span></span>'
    )
    raise nodes.SkipNode


def visit_plain(self, node):
    self.body.append(self.encode(node.astext()) if hasattr(self, "encode") else node.astext())
    raise nodes.SkipNode


def visit_text(self, node):
    self.add_text(node.astext())
    raise nodes.SkipNode


def setup(app) -> None:
    app.add_role("num", num_role)
    app.add_node(
        provenance_number,
        html=(visit_html, None),
        latex=(visit_plain, None),
        text=(visit_text, None),
    )
