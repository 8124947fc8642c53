"""The book's bibliography, generated from the one register of sources (data/sources.csv).

There is no hand-kept BibTeX file: `write()` renders every source as a BibTeX entry so a
chapter can cite any source by its id ({cite:p}`source_id`), and the register stays the
single source of truth. Titles and publishers are braced because pybtex would otherwise
lowercase proper nouns.
"""

from __future__ import annotations

import csv
from pathlib import Path

from exodus import paths, text

TARGET = Path("book") / "_generated" / "references.bib"


def _escape(text: str) -> str:
    for char in "\\{}":
        text = text.replace(char, "")
    for char in "&%$#_":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def entry(row: dict[str, str]) -> str:
    """One @misc entry; the publisher stands as the (corporate) author when none is named."""
    date = row["date_published"]
    copy = row.get("copy_url", "")
    address = row["url"] or copy
    where = ("; original address not known, read in a copy" if not row["url"] else
             "; read in a copy at another address" if copy else "")
    first = (f"; first published by {_escape(row['original_publisher'])}"
             if row.get("original_publisher") else "")
    published = text.when(date) if date else "with no date shown"
    fields = {
        "author": "{" + _escape(row.get("author") or row["publisher"]) + "}",
        "title": "{" + _escape(row["title"]) + "}",
        "howpublished": _escape(row["publisher"]),
        "year": date[:4] or "n.d.",
        "url": address.replace("%", "\\%").replace("#", "\\#"),
        "note": f"Published {published}; accessed {text.when(row['date_accessed'])}"
                f"{first}{where}",
    }
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
    return f"@misc{{{row['source_id']},\n{body}\n}}\n"


def render(sources_csv: Path | None = None) -> str:
    sources_csv = sources_csv or paths.data_dir() / "sources.csv"
    with open(sources_csv, encoding="utf-8", newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: r["source_id"])
    header = "% Generated from data/sources.csv by exodus.bib; do not edit.\n\n"
    return header + "\n".join(entry(r) for r in rows)


def write(root: Path | None = None) -> Path:
    """Write the bibliography if its content changed (keeps Sphinx's rebuild incremental)."""
    root = root or paths.root()
    target = root / TARGET
    text = render(root / "data" / "sources.csv")
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return target


# pybtex's plugin groups (pybtex.plugin._DEFAULT_PLUGINS), and their aliases.
PYBTEX_GROUPS = ("pybtex.database.input", "pybtex.database.output", "pybtex.backends",
                 "pybtex.style.labels", "pybtex.style.names", "pybtex.style.sorting",
                 "pybtex.style.formatting")


def register_pybtex_plugins() -> int:
    """Register pybtex's installed plugins once, with pybtex's own `register_plugin`.

    Otherwise pybtex scans every installed package's entry points each time a citation is
    resolved: 340 scans, 4.6 s of an 18.6 s HTML build. Registered, each look-up is a
    dictionary hit. The classes are the installed ones, so the book is byte for byte the
    same. Returns how many plugins were registered."""
    from importlib.metadata import entry_points

    import pybtex.plugin

    count = 0
    for base in PYBTEX_GROUPS:
        for group in (base, base + ".aliases"):
            for point in entry_points(group=group):
                pybtex.plugin.register_plugin(group, point.name, point.load(), force=True)
                count += 1
    return count
